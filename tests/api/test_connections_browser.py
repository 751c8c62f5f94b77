""" "What links these two trusts?" asked on /connections in headless Chromium, by keyboard only, on a laptop and a
phone: the answer on the page is the API's, nothing scrolls sideways, nothing is fetched from another host, and
axe-core finds nothing serious on the answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import uvicorn_server

pytestmark = [pytest.mark.browser, pytest.mark.server]
AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


@pytest.fixture(scope="module")
def site(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with uvicorn_server(graph_dir, tmp_path_factory.mktemp("connections-srv"), query_timeout="5") as url:
        yield url


def _two_trusts(site: str) -> tuple[dict, dict]:
    orgs = httpx.get(site + "/api/organisations", params={"limit": 500}, timeout=30).json()["items"]
    trusts = sorted((o for o in orgs if o.get("kind") == "trust"), key=lambda o: o["label"])
    assert len(trusts) >= 2
    return trusts[0], trusts[1]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_what_links_two_trusts_asked_by_keyboard(browser, site: str, viewport: dict) -> None:
    first, second = _two_trusts(site)
    expected = httpx.get(
        site + "/api/network/organisations/between",
        params={"first": first["id"], "second": second["id"]},
        timeout=30,
    ).json()
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site + "/connections")
    for _ in range(60):  # Tab from the top of the page to the form's first box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "between-first":
            break
    assert page.evaluate("document.activeElement.id") == "between-first"
    page.keyboard.type(first["label"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "between-second"
    page.keyboard.type(second["label"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shown = page.inner_text("#between .answer .summary")
    assert expected["summary"].startswith(shown) and shown.startswith(expected["summary"].split(":")[0])
    steps = page.locator("#between ol.ways > li").count()  # each way, or each step of the nearest chain
    assert steps == len(expected["ways"]) + len(expected["nearest"])
    assert page.input_value("#between-first") == first["label"]  # the boxes show the names found
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert all(url.startswith(site) for url in requests), [u for u in requests if not u.startswith(site)]
    context.close()


def test_axe_finds_nothing_serious_on_an_answer(browser, site: str) -> None:
    first, second = _two_trusts(site)
    context = browser.new_context(bypass_csp=True)  # axe is injected inline: our policy refuses it
    page = context.new_page()
    page.goto(f"{site}/connections?first={first['id']}&second={second['id']}&organisation={first['id']}")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    assert [(v["id"], len(v["nodes"])) for v in found if v["impact"] in ("critical", "serious")] == []
    context.close()
