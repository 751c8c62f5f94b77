"""Can a keyboard user open a node in the network view, read its details and close them again? Headless Debian
Chromium driven by playwright, pressing real keys: Tab, typing, Enter, Escape."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset

from visualizations.render import write_graph_html

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def page_file(mini: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_graph_html(mini, tmp_path_factory.mktemp("keys") / "graph.html", mode="full")


def focused(view) -> str:
    """The focused element as 'tag#id', with ' in-panel' when it lies inside the details panel."""
    return view.js(
        """() => { const a = document.activeElement;
                   return a.tagName.toLowerCase() + (a.id ? '#' + a.id : '')
                          + (document.getElementById('panel').contains(a) ? ' in-panel' : ''); }"""
    )


def tab_to(view, element_id: str, limit: int = 30) -> int:
    """Press Tab from the top of the page until `element_id` has the focus; the number of presses it took."""
    for presses in range(1, limit + 1):
        view.page.keyboard.press("Tab")
        if view.js("() => document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached in {limit} Tabs; focus on {focused(view)}")


def open_by_search(view, typed: str) -> None:
    tab_to(view, "search")
    view.page.keyboard.type(typed)
    view.page.keyboard.press("Enter")
    view.page.wait_for_selector("#panel:not([hidden])")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_node_opened_from_the_search_box_puts_the_focus_on_its_details(open_page, page_file: Path, width) -> None:
    view = open_page(page_file.as_uri(), width=width, height=800 if width > 400 else 844)
    open_by_search(view, "Alice_QI")
    assert focused(view) == "h2#panel-title in-panel"
    assert view.page.text_content("#panel-title") == "@Alice_QI"
    # the title is on screen (on a phone the panel sits below the controls), and the next Tab stops are its facts
    box = view.js(
        "() => { const r = document.getElementById('panel-title').getBoundingClientRect(); "
        "return {top: r.top, bottom: r.bottom, height: innerHeight}; }"
    )
    assert 0 <= box["top"] and box["bottom"] <= box["height"], box
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / f"graph-keyboard-open-{width}.png"))
    view.page.keyboard.press("Tab")
    assert focused(view).endswith(" in-panel")
    presses = 1
    while view.js("() => document.activeElement.id") != "link-page":
        view.page.keyboard.press("Tab")
        presses += 1
        assert presses < 20 and focused(view).endswith(" in-panel"), focused(view)
    view.page.screenshot(path=str(ARTIFACTS / f"graph-keyboard-panel-{width}.png"))


def test_escape_in_the_search_box_closes_the_panel_and_keeps_the_words(open_page, page_file: Path) -> None:
    view = open_page(page_file.as_uri(), width=1280, height=800)
    open_by_search(view, "Alice_QI")
    view.page.focus("#search")  # back to the box, the panel still open
    assert view.page.is_visible("#panel")
    view.page.keyboard.press("Escape")
    view.page.wait_for_selector("#panel", state="hidden")
    assert focused(view) == "input#search"
    assert view.page.input_value("#search") == "@Alice_QI"
    assert view.js("window.qikg.selected") is None


def test_escape_in_the_panel_closes_it_and_the_focus_returns_to_the_search_box(open_page, page_file: Path) -> None:
    view = open_page(page_file.as_uri(), width=1280, height=800)
    open_by_search(view, "Alice_QI")
    # follow a link of the panel by keyboard: the other node's details, the focus still in the panel
    view.page.keyboard.press("Tab")  # the panel's first link: an organisation or question of Alice's
    assert view.js("() => document.activeElement.classList.contains('ref')"), focused(view)
    target = view.js("() => document.activeElement.textContent")
    view.page.keyboard.press("Enter")
    assert view.page.text_content("#panel-title") == target
    assert focused(view) == "h2#panel-title in-panel"
    view.page.keyboard.press("Escape")
    view.page.wait_for_selector("#panel", state="hidden")
    assert focused(view) == "input#search"  # where the user was before opening the first node
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "graph-keyboard-closed.png"))


def test_escape_on_another_control_closes_the_panel_and_leaves_the_focus_there(open_page, page_file: Path) -> None:
    view = open_page(page_file.as_uri(), width=1280, height=800)
    open_by_search(view, "go and see")
    tab_to(view, "theme-filter")
    view.page.keyboard.press("Escape")
    view.page.wait_for_selector("#panel", state="hidden")
    assert focused(view) == "select#theme-filter"


def test_the_close_button_by_keyboard_returns_the_focus_to_where_the_node_was_opened(
    open_page, page_file: Path
) -> None:
    view = open_page(page_file.as_uri(), width=1280, height=800)
    open_by_search(view, "DaveVMI")
    view.page.keyboard.press("Shift+Tab")
    assert focused(view) == "button#panel-close in-panel"
    view.page.keyboard.press("Enter")
    view.page.wait_for_selector("#panel", state="hidden")
    assert focused(view) == "input#search"
