"""Does the network view work in a real browser? Headless Debian Chromium driven by playwright.

Expected answers are computed from the RDF with SPARQL (not from the page's own data), so the page is checked
against the graph, not against itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from rdflib import Dataset

from visualizations.model import as_graph
from visualizations.render import write_graph_html

pytestmark = pytest.mark.browser

QID = "https://w3id.org/qikg/id/"
PREFIXES = """
PREFIX qi: <https://w3id.org/qikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
DRAWN = (
    "qi:saidBy qi:answers qi:hasTheme qi:sharedBy qi:affiliatedWith qi:mentions skos:broader qi:askedBy "
    "qi:accountOf org:subOrganizationOf qi:sameAgentAs"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEW_CLASSES = "qi:Participant qi:Organisation qi:Theme qi:Resource qi:Question qi:Tweet qi:Comment qi:PullQuote"


def is_local(url: str) -> bool:
    """file:, data: and about: URLs, or http(s) to the loopback address: everything else is another host."""
    parsed = urlparse(url)
    if parsed.scheme in ("file", "data", "about", "blob"):
        return True
    return parsed.scheme in ("http", "https", "ws") and parsed.hostname in ("127.0.0.1", "localhost", "::1")


def ids(graph: Dataset, query: str, **bindings: str) -> set[str]:
    from rdflib import URIRef

    rows = as_graph(graph).query(PREFIXES + query, initBindings={k: URIRef(v) for k, v in bindings.items()})
    return {str(row[0]).removeprefix(QID) for row in rows}


def expected_neighbourhood(graph: Dataset, seeds: set[str]) -> set[str]:
    """Seeds, every node one drawn edge away, and the authors/sharers of the quotes and resources among those."""
    near: set[str] = set(seeds)
    for seed in seeds:
        near |= ids(
            graph,
            f"SELECT ?x WHERE {{ VALUES ?p {{ {DRAWN} }} VALUES ?c {{ {VIEW_CLASSES} }} "
            "{ ?x ?p ?s } UNION { ?s ?p ?x } ?x a ?c }",
            s=QID + seed,
        )
    for node in sorted(near - seeds):
        near |= ids(
            graph,
            "SELECT ?a WHERE { { ?x qi:saidBy ?a } UNION { ?x qi:sharedBy ?a } "
            "{ ?x a qi:Resource } UNION { ?x a qi:Tweet } UNION { ?x a qi:Comment } "
            "UNION { ?x a qi:PullQuote } }",
            x=QID + node,
        )
    return near


@pytest.fixture(scope="module")
def page_file(mini: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_graph_html(mini, tmp_path_factory.mktemp("view") / "graph.html", mode="full")


@pytest.fixture
def view(open_page, page_file: Path):
    return open_page(page_file.as_uri())


def test_the_page_loads_without_errors_or_requests_to_other_hosts(view) -> None:
    assert view.errors == []
    assert view.requests and all(is_local(url) for url in view.requests), view.requests
    assert view.js("window.qikg.mode") == "full"


def test_the_node_count_equals_the_graphs_and_unconnected_nodes_wait_behind_a_checkbox(view, mini: Dataset) -> None:
    everything = ids(mini, f"SELECT ?n WHERE {{ VALUES ?c {{ {VIEW_CLASSES} }} ?n a ?c }}")
    tied = ids(
        mini,
        f"SELECT ?n WHERE {{ VALUES ?c {{ {VIEW_CLASSES} }} VALUES ?d {{ {VIEW_CLASSES} }} "
        f"VALUES ?p {{ {DRAWN} }} ?n a ?c . ?m a ?d . {{ ?n ?p ?m }} UNION {{ ?m ?p ?n }} "
        "FILTER(?n != ?m) }",
    )
    assert view.js("window.qikg.nodes.length") == len(everything)
    assert set(view.js("window.qikg.isolated")) == everything - tied
    assert set(view.js("window.qikg.visibleNodeIds()")) == tied
    assert f"Show the {len(everything - tied)} node" in view.page.inner_text("#isolated-row")
    view.page.check("#show-isolated")
    assert set(view.js("window.qikg.visibleNodeIds()")) == everything


def test_the_overview_shows_people_organisations_themes_and_questions(view, mini: Dataset) -> None:
    view.page.click("#mode-overview")
    view.page.check("#show-isolated")
    expected = ids(
        mini, "SELECT ?n WHERE { VALUES ?c { qi:Participant qi:Organisation qi:Theme qi:Question } ?n a ?c }"
    )
    assert view.js("window.qikg.mode") == "overview"
    assert set(view.js("window.qikg.visibleNodeIds()")) == expected
    assert view.errors == []


@pytest.mark.parametrize("theme", ["theme/embed-qi-routines", "theme/genba", "theme/leaders-show-the-way"])
def test_filtering_by_a_theme_shows_exactly_its_neighbourhood(view, mini: Dataset, theme: str) -> None:
    narrower = ids(mini, "SELECT ?t WHERE { ?t skos:broader* ?theme }", theme=QID + theme)
    view.page.select_option("#theme-filter", theme)
    assert set(view.js("window.qikg.visibleNodeIds()")) == expected_neighbourhood(mini, narrower)
    status = view.page.text_content("#status")
    assert status.startswith("Showing ")


def test_a_narrower_theme_brings_its_quotes_into_the_lessons_filter(view) -> None:
    view.page.select_option("#theme-filter", "theme/embed-qi-routines")
    shown = set(view.js("window.qikg.visibleNodeIds()"))
    assert {"quote/fixture-chat/4", "participant/dave_vmi", "theme/safety-huddles"} <= shown
    assert "quote/fixture-chat/3" not in shown


def test_filtering_by_a_question_shows_its_answers_and_their_authors(view, mini: Dataset) -> None:
    view.page.select_option("#question-filter", "question/fixture-chat/q2")
    expected = expected_neighbourhood(mini, {"question/fixture-chat/q2"})
    assert set(view.js("window.qikg.visibleNodeIds()")) == expected
    assert "participant/carol_nhs" in expected


def test_unticking_a_kind_hides_it(view) -> None:
    view.page.uncheck("input[data-kind='quote']")
    shown = view.js("window.qikg.visibleNodeIds()")
    assert shown and not any(node.startswith("quote/") for node in shown)


CENTRED = """(id) => {
    const net = window.qikg.network, d = net.canvasToDOM(net.getPositions([id])[id]);
    const box = document.getElementById('network').getBoundingClientRect();
    const panel = document.getElementById('panel').getBoundingClientRect();
    return Math.abs(d.x - (panel.left - box.left) / 2) < 5 && Math.abs(d.y - box.height / 2) < 5;
}"""


def centred_on(view, node: str) -> bool:
    """Is the node at the middle of the canvas's part the details panel leaves free (after the focus animation)?"""
    return view.js(CENTRED, node)


def dom_x(view, node: str) -> dict:
    """Where the node is drawn, and where the panel starts, in the page's pixels."""
    return view.js(
        """(id) => {
        const net = window.qikg.network, d = net.canvasToDOM(net.getPositions([id])[id]);
        const box = document.getElementById('network').getBoundingClientRect();
        const panel = document.getElementById('panel');
        return {node: box.left + d.x, panel: panel.hidden ? null : panel.getBoundingClientRect().left};
    }""",
        node,
    )


@pytest.mark.parametrize(
    ("typed", "node"),
    [
        ("Alice_QI", "participant/alice_qi"),  # handle
        ("@alice-qi", "participant/alice_qi"),  # alias, with @ and another case
        ("DaveVMI", "participant/dave_vmi"),  # alias
        ("go and see", "theme/genba"),  # a theme's other label
    ],
)
def test_search_finds_and_focuses_the_node(view, typed: str, node: str) -> None:
    view.page.fill("#search", typed)
    first = view.page.locator("#suggestions li[data-id]").first
    assert first.get_attribute("data-id") == node
    view.page.press("#search", "Enter")
    view.page.wait_for_function("(id) => window.qikg.focused === id", arg=node)
    # the 300 ms focus animation ends later on a loaded machine: poll for the end rather than wait a fixed time
    try:
        view.page.wait_for_function(CENTRED, arg=node, timeout=5_000)
    except PlaywrightTimeout:
        pass
    assert centred_on(view, node)
    assert view.js("window.qikg.network.getSelectedNodes()") == [node]
    assert view.page.is_visible("#panel")


def test_search_for_a_quote_in_the_overview_switches_to_the_full_view(view) -> None:
    view.page.click("#mode-overview")
    view.js("window.qikg.pick('quote/fixture-chat/3')")
    assert view.js("window.qikg.mode") == "full"
    assert view.js("window.qikg.selected") == "quote/fixture-chat/3"


def click_node(view, node: str) -> None:
    point = view.js(
        """(id) => {
        const net = window.qikg.network, p = net.getPositions([id])[id], d = net.canvasToDOM(p);
        const box = document.getElementById('network').getBoundingClientRect();
        return {x: box.left + d.x, y: box.top + d.y};
    }""",
        node,
    )
    view.page.mouse.click(point["x"], point["y"])


def test_clicking_a_participant_opens_the_panel_with_organisations_and_questions(view) -> None:
    click_node(view, "participant/alice_qi")
    view.page.wait_for_selector("#panel:not([hidden])")
    assert view.page.text_content("#panel-title") == "@Alice_QI"
    assert view.page.text_content("#panel-kind") == "Participant"
    panel = view.page.inner_text("#panel-facts")
    assert "Example Hospitals NHS Trust" in panel and "Q1" in panel and "Q2" in panel
    # neighbourhood highlight: a node far from Alice is dimmed, a neighbour keeps its colour
    colours = view.js("""() => ({far: window.qikg.nodes.get('resource/xss-title').color.background,
                                near: window.qikg.nodes.get('quote/fixture-chat/1').color.background})""")
    assert colours["far"] == "#eef0f3" and colours["near"] != "#eef0f3"


def test_a_clicked_node_the_panel_would_cover_moves_into_view_and_others_stay_put(view) -> None:
    rightmost = view.js("""() => {
        const net = window.qikg.network, ids = window.qikg.visibleNodeIds();
        return ids.reduce((a, b) => net.canvasToDOM(net.getPositions([a])[a]).x
                                    >= net.canvasToDOM(net.getPositions([b])[b]).x ? a : b);
    }""")
    panel_left = view.js("() => document.getElementById('network').getBoundingClientRect().right - 372")
    assert dom_x(view, rightmost)["node"] > panel_left  # the panel, once open, would lie over it
    click_node(view, rightmost)
    view.page.wait_for_selector("#panel:not([hidden])")
    view.page.wait_for_timeout(450)
    where = dom_x(view, rightmost)
    assert where["node"] < where["panel"] - 20, where
    assert view.js("window.qikg.selected") == rightmost
    # a node clear of the panel is not moved: the view stays as the user left it
    leftmost = view.js("""() => {
        const net = window.qikg.network, ids = window.qikg.visibleNodeIds();
        return ids.reduce((a, b) => net.canvasToDOM(net.getPositions([a])[a]).x
                                    <= net.canvasToDOM(net.getPositions([b])[b]).x ? a : b);
    }""")
    before = dom_x(view, leftmost)["node"]
    click_node(view, leftmost)
    view.page.wait_for_timeout(450)
    assert abs(dom_x(view, leftmost)["node"] - before) < 1


def test_clicking_the_empty_canvas_closes_the_panel_and_clears_the_highlight(view) -> None:
    click_node(view, "participant/alice_qi")
    view.page.wait_for_selector("#panel:not([hidden])")
    view.page.mouse.click(300 + 5, 895)
    view.page.wait_for_selector("#panel", state="hidden")
    assert view.js("window.qikg.nodes.get('resource/xss-title').color.background") != "#eef0f3"


def test_panel_refs_move_to_the_other_node(view) -> None:
    view.js("window.qikg.select('quote/fixture-chat/2', true)")
    view.page.click("#panel-facts button.ref:text('@BobImproves')")
    assert view.js("window.qikg.selected") == "participant/bobimproves"
    assert view.page.text_content("#panel-title") == "@BobImproves"


def test_markup_in_a_quote_is_shown_as_text_and_runs_nothing(view, mini: Dataset) -> None:
    words = next(
        iter(
            as_graph(mini).query(
                PREFIXES + "SELECT ?w WHERE { <https://w3id.org/qikg/id/quote/fixture-chat/4> qi:text ?w }"
            )
        )
    )[0]
    click_node(view, "quote/fixture-chat/4")
    view.page.wait_for_selector("#panel:not([hidden])")
    assert view.page.text_content("#panel-facts dd.words") == str(words)
    view.page.hover("#panel-title")
    view.page.wait_for_timeout(300)
    assert view.js("typeof window.qikgXss") == "undefined"
    assert view.js("document.querySelectorAll('#panel img, #panel script, #suggestions img').length") == 0
    assert view.errors == []


def test_markup_in_a_title_is_shown_as_text_in_panel_search_and_tooltip(view) -> None:
    title = "Odd title </script><script>window.qikgXss=3</script> & more"
    view.page.fill("#search", "odd title")
    assert view.page.text_content("#suggestions li[data-id] .text") == title
    view.page.press("#search", "Enter")
    assert view.page.text_content("#panel-title") == title
    assert view.js("typeof window.qikgXss") == "undefined"


def test_links_from_disk_go_to_the_iri_and_explain_the_api(view) -> None:
    view.js("window.qikg.select('participant/alice_qi', false)")
    assert view.page.get_attribute("#link-page", "href") == QID + "participant/alice_qi"
    assert "/api/participants/Alice_QI" in view.page.text_content("#panel-links")
    assert view.page.locator("#link-api").count() == 0


def test_links_use_the_base_url_when_one_is_given(open_page, mini: Dataset, tmp_path: Path) -> None:
    page = write_graph_html(mini, tmp_path / "graph.html", base_url="http://127.0.0.1:8000")
    view = open_page(page.as_uri())
    view.js("window.qikg.select('participant/alice_qi', false)")
    assert view.page.get_attribute("#link-page", "href") == "http://127.0.0.1:8000/id/participant/alice_qi"
    assert view.page.get_attribute("#link-api", "href") == "http://127.0.0.1:8000/api/participants/Alice_QI"


def test_the_view_is_drawn_at_the_servers_positions(view, mini: Dataset) -> None:
    from visualizations.layout import positions
    from visualizations.model import full_graph

    expected = positions(full_graph(mini))
    view.js("window.qikg.setShowIsolated(true)")
    drawn = view.js("window.qikg.network.getPositions()")
    assert set(drawn) == set(expected)
    off = {
        n: (drawn[n], expected[n])
        for n in expected
        if abs(drawn[n]["x"] - expected[n][0]) >= 1 or abs(drawn[n]["y"] - expected[n][1]) >= 1
    }
    assert off == {}  # vis reports whole pixels


def test_a_screenshot_is_saved(view) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    view.js("window.qikg.select('participant/alice_qi', false)")
    target = ARTIFACTS / "graph.png"
    view.page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000
    shutil.copyfile(target, ARTIFACTS / "graph-fixture.png")
