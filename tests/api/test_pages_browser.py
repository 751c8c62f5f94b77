"""The users' tasks done through the pages in headless Chromium, each from `/` in at most 3 clicks; axe-core on every
page kind; every page kind at 390 px without sideways scroll; no request to another host.

The checks compare what a page shows with what the JSON API says (the same catalogue), never with one report's
wording, so they hold for chats added later. QIKG_SCREENSHOTS=<folder> also saves screenshots of the main pages
there (docs/screenshots/ in the repository: `QIKG_SCREENSHOTS=docs/screenshots pytest -m browser -k screenshots`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.api.conftest import uvicorn_server

pytestmark = [pytest.mark.browser, pytest.mark.server]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def site(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with uvicorn_server(graph_dir, tmp_path_factory.mktemp("pages-srv"), query_timeout="5") as url:
        yield url


def api(site: str, path: str, **params: object) -> dict:
    response = httpx.get(site + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


@pytest.fixture
def page(browser, site: str):
    """A fresh page at laptop size that records every request it makes."""
    context = browser.new_context(viewport=LAPTOP)
    tab = context.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.on("request", lambda r: tab.requests.append(r.url))  # type: ignore[attr-defined]
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def clicks_from_home(page, site: str, selector: str) -> None:
    """Open `/` and click the first link matching `selector` (click 1)."""
    page.goto(site + "/")
    link = page.locator(selector).first
    assert link.count() == 1, f"the landing page has no link {selector}"
    link.click()
    page.wait_for_load_state("load")


def _named(resource: dict) -> str:
    """What a page calls a resource of the JSON API: its title, else the graph's label for it, else its web address,
    else '<type> shared by @x'."""
    if resource["title"] or resource.get("label"):
        return (resource["title"] or resource["label"]).strip()
    if resource.get("link"):
        return resource["link"]
    sharers = ", ".join(f"@{h}" for h in resource["shared_by"])
    return (resource["type"] or "Resource") + (f" shared by {sharers}" if sharers else " (untitled)")


def path_of(page) -> str:
    return urlsplit(page.url).path


# --- the users' tasks ------------------------------------------------------------------------------------------------


def test_what_to_read_about_the_golden_thread(page, site: str) -> None:
    """/ → 'what should I read about golden thread' (1 click): the theme's ranked list, each with why, in the order
    /api/resources?theme= gives, and every resource opens (its page has a link or says it has none)."""
    clicks_from_home(page, site, "main a[href$='#read']:text-matches('golden thread', 'i')")
    slug = path_of(page).rsplit("/", 1)[-1]
    expected = api(site, "/api/resources", theme=slug, limit=500)["items"]
    items = page.locator("#read ol.reading > li")
    assert items.count() == len(expected) > 0
    shown = [items.nth(i).locator(".title").inner_text().strip() for i in range(items.count())]
    assert shown == [_named(r) for r in expected]
    for i in range(items.count()):
        assert items.nth(i).locator(".why").inner_text().strip().startswith("Why:")
    items.first.locator(".title a").click()  # click 2: the resource's page
    page.wait_for_load_state("load")
    assert path_of(page) == expected[0]["url"]
    opened = page.locator("dl.facts")
    assert opened.count() == 1
    if expected[0]["link"] or expected[0]["doi"]:
        href = opened.locator("a[href^='http']").first.get_attribute("href")
        assert href and (href == expected[0]["link"] or (expected[0]["doi"] or "") in href)


def test_who_said_what_about_genba(page, site: str) -> None:
    """/ → 'who said what about genba' (1 click): every quote /api/quotes?theme= gives, in full, with its author,
    grouped under the questions they answer."""
    clicks_from_home(page, site, "main a[href$='#said']:text-matches('genba', 'i')")
    slug = path_of(page).rsplit("/", 1)[-1]
    expected = api(site, "/api/quotes", theme=slug, limit=500)["items"]
    quotes = page.locator("#said figure.quote")
    assert quotes.count() == len(expected) > 0
    hrefs = set(quotes.locator("figcaption a:text('the quote')").evaluate_all("a => a.map(x => x.pathname)"))
    assert hrefs == {q["url"] for q in expected}
    for q in expected:
        if q["text"]:
            block = page.locator(f"#said figure.quote:has(a[href='{q['url']}']) blockquote")
            assert " ".join(block.inner_text().split()) == " ".join(q["text"].split())
    groups = page.locator("#said section.group h3")
    answered = {q["question_number"] for q in expected if q["question_number"]}
    assert groups.count() >= len(answered)
    authored = page.locator("#said figure.quote figcaption a[href^='/id/participant/']")
    assert authored.count() == sum(1 for q in expected if q["author"])


def test_the_panel_and_who_represented_which_organisation(page, site: str) -> None:
    """/ → the chat's panel (1 click): each panellist with the organisations the API states, linked; → one of those
    organisations (click 2) lists the panellist among its people."""
    clicks_from_home(page, site, "main a[href$='#panel']")
    members = page.locator("#panel ul.panel > li")
    assert members.count() > 0
    chat = path_of(page).rsplit("/", 1)[-1]
    panellists = [
        p for p in api(site, "/api/participants", limit=500)["items"] if p["url"]
    ]  # each checked through its own record below
    shown = {}
    for i in range(members.count()):
        person = members.nth(i).locator("a[href^='/id/participant/']").first
        shown[person.get_attribute("href")] = members.nth(i)
    assert shown
    with_org = None
    for href, item in shown.items():
        handle = next(p["handle"] for p in panellists if p["url"] == href)
        record = api(site, f"/api/participants/{quote(handle)}")
        assert chat in record["panelist_of"]
        orgs = {o["url"] for o in record["affiliations"] + record["account_of"]}
        listed = set(item.locator("a[href^='/id/organisation/']").evaluate_all("a => a.map(x => x.pathname)"))
        assert listed == orgs, href
        if orgs and with_org is None:
            with_org = (href, item)
    assert with_org is not None, "no panellist has an organisation"
    href, item = with_org
    item.locator("a[href^='/id/organisation/']").first.click()
    page.wait_for_load_state("load")
    assert page.locator(f"#people a[href='{href}']").count() >= 1


def test_who_connects_these_organisations(page, site: str) -> None:
    """/ → who connects organisations (1 click): every pair the API lists, with the people between them; → one of
    those people (click 2) reaches their page."""
    clicks_from_home(page, site, "main a[href$='#orgs']")
    expected = api(site, "/api/network/organisations/links", limit=500)
    pairs = page.locator("#orgs ul.pairs > li")
    assert pairs.count() == expected["total"]
    if not expected["total"]:
        return
    first = expected["items"][0]
    assert first["first"]["label"] in pairs.first.inner_text() and first["second"]["label"] in pairs.first.inner_text()
    person = pairs.first.locator("ul a[href^='/id/participant/']").first
    target = person.get_attribute("href")
    person.click()
    page.wait_for_load_state("load")
    assert path_of(page) == target and page.locator("h1").count() == 1


def test_a_persons_page(page, site: str) -> None:
    """/ → the most quoted person (1 click): what they said (all their quotes), shared, answered, organisations."""
    clicks_from_home(page, site, "main a[href^='/id/participant/']")
    handle = page.locator("h1").inner_text()
    record = api(site, "/api/participants/" + quote(path_of(page).rsplit("/", 1)[-1]))
    assert record["handle"] in handle
    assert page.locator("#said figure.quote").count() == len(record["quotes"]) > 0
    assert page.locator("#shared ol.reading > li, #shared ul.reading > li").count() == len(record["resources_shared"])
    assert page.locator("#questions a[href^='/id/question/']").count() >= len(record["questions_answered"])
    for org in record["affiliations"]:
        assert page.locator(f"#orgs a[href='{org['url']}']").count() == 1
    text = page.locator("main").inner_text()
    assert "qi:" not in text and "prov:" not in text.split("All statements")[0]


def test_search_from_the_header(page, site: str) -> None:
    """Any page's search box (typed, Enter): results with the matched words marked; a result opens (click 2)."""
    page.goto(site + "/")
    words = api(site, "/api/themes", flat=True, limit=1)["items"][0]["label"].split()[0]
    page.fill("header #site-search", words)
    page.press("header #site-search", "Enter")
    page.wait_for_load_state("load")
    assert path_of(page) == "/search"
    expected = api(site, "/api/search", q=words, limit=20)
    results = page.locator("ol.results > li")
    assert results.count() == len(expected["items"]) > 0
    assert page.locator("ol.results mark").count() > 0
    target = results.first.locator("a").first.get_attribute("href")
    assert target == expected["items"][0]["url"]
    results.first.locator("a").first.click()
    page.wait_for_load_state("load")
    assert path_of(page) == target


def test_a_source_line_click_lands_on_that_line_highlighted(page, site: str) -> None:
    """/ → a theme (click 1) → a quote's 'line N' (click 2): the report opens at line N, highlighted, on screen, and
    the line (or the next few, where the words run on) holds the quote's words."""
    clicks_from_home(page, site, "main a[href$='#said']")
    cite = page.locator("#said figure.quote a.cite").first
    href = cite.get_attribute("href")
    number = int(href.rsplit("#L", 1)[1])
    quote_url = page.locator("#said figure.quote").first.locator("a:text('the quote')").get_attribute("href")
    words = api(site, "/api/quotes", limit=500)["items"]
    text = next(q["text"] for q in words if q["url"] == quote_url)
    cite.click()
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    assert urlsplit(page.url).fragment == f"L{number}"
    target = page.locator(":target")
    assert target.get_attribute("id") == f"L{number}"
    box = target.bounding_box()
    assert box and 0 <= box["y"] < LAPTOP["height"]
    plain = page.locator(f"#L{number + 1 if number > 1 else number + 2}")
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") != plain.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    near = " ".join(
        page.locator(f"#L{n} .text").inner_text() for n in range(number, number + 12) if page.locator(f"#L{n}").count()
    )
    first_words = re.findall(r"[A-Za-z]{3,}", text or "")[:3]
    assert all(w in near for w in first_words), (first_words, near[:300])


def test_a_handle_in_another_case_and_a_missing_page(page, site: str) -> None:
    person = api(site, "/api/participants", limit=500)["items"][0]
    page.goto(site + "/id/participant/" + quote(person["handle"].swapcase()))
    assert path_of(page) == person["url"]
    response = page.goto(site + "/id/theme/no-such-theme-at-all")
    assert response.status == 404 and "text/html" in response.headers["content-type"]
    assert page.locator("main a[href^='/search?q=']").count() == 1


# --- every page kind -----------------------------------------------------------------------------------------------


def page_kinds(site: str) -> dict[str, str]:
    """One page of each kind, chosen from the API (so it holds for any chat)."""
    theme = api(site, "/api/themes", flat=True, limit=1)["items"][0]["url"]
    person = api(site, "/api/participants", limit=1)["items"][0]["url"]
    org = api(site, "/api/organisations", limit=1)["items"][0]["url"]
    resource = api(site, "/api/resources", limit=1)["items"][0]["url"]
    question = api(site, "/api/questions", limit=1)["items"][0]
    quote_ = api(site, "/api/quotes", limit=1)["items"][0]["url"]
    chat = max(api(site, "/api/stats")["chats"], key=lambda c: len(api(site, "/api/questions", chat=c["id"])["items"]))
    return {
        "home": "/",
        "theme": theme,
        "participant": person,
        "organisation": org,
        "resource": resource,
        "question": question["url"],
        "quote": quote_,
        "chat": chat["url"],
        "search": "/search?q=" + quote(api(site, "/api/themes", flat=True, limit=1)["items"][0]["label"]),
        "thesaurus": "/thesaurus",
        "connections": "/connections",
        "report": next(iter(report_pages(site))),
        "not-found": "/id/theme/no-such-theme",
        "sparql": "/sparql",
        "docs": "/docs",
        "ontology": "/ontology",
        "graph": "/graph",
        "downloads": "/download",
        "theme-assignment": tagging_page(site),
    }


def tagging_page(site: str) -> str:
    """A theme assignment's page (a node that is one fact), reached as a reader does: from a theme's statements."""
    theme = api(site, "/api/themes", flat=True, limit=1)["items"][0]["url"]
    html = httpx.get(site + theme, headers={"accept": "text/html"}).text
    found = re.search(r'href="(/id/tagging/[^"#]+)"', html)
    assert found, "a theme's statements link its assignments"
    return found.group(1)


def report_pages(site: str) -> list[str]:
    html = httpx.get(site + "/", headers={"accept": "text/html"}).text
    chat = re.search(r'href="(/id/chat/[^"#]+)', html)
    assert chat
    page = httpx.get(site + chat.group(1), headers={"accept": "text/html"}).text
    return sorted(set(re.findall(r'href="(/report/[^"#]+)', page)))


AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def test_axe_finds_no_serious_problem_on_any_page_kind(browser, site: str) -> None:
    script = AXE.read_text(encoding="utf-8")
    problems = {}
    context = browser.new_context(viewport=LAPTOP, bypass_csp=True)  # axe is injected inline: our policy refuses it
    page = context.new_page()
    for kind, path in page_kinds(site).items():
        page.goto(site + path)
        page.wait_for_load_state("load")
        if kind == "docs":
            page.wait_for_selector(".swagger-ui .info", timeout=15_000)
        page.add_script_tag(content=script)
        found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in found if v["impact"] in ("critical", "serious")]
        if bad:
            problems[kind] = bad
    context.close()
    assert problems == {}


def test_no_page_kind_scrolls_sideways_on_a_phone(browser, site: str) -> None:
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    wide = {}
    try:
        for kind, path in page_kinds(site).items():
            tab.goto(site + path)
            tab.wait_for_load_state("load")
            if kind == "docs":
                tab.wait_for_selector(".swagger-ui .info", timeout=15_000)
            for details in tab.locator("details").all():  # the opened panels must fit too
                details.evaluate("d => d.open = true")
            width = tab.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[kind] = width
    finally:
        context.close()
    assert wide == {}


def test_no_page_asks_another_host_for_anything(page, site: str) -> None:
    for kind, path in page_kinds(site).items():
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        if kind == "docs":
            page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    page.goto(site + "/graph")
    page.wait_for_load_state("networkidle")
    hosts = {urlsplit(u).netloc for u in page.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {urlsplit(site).netloc}
    assert not any(u.endswith("/favicon.ico") for u in page.requests) or httpx.get(site + "/favicon.ico").is_success


def test_keyboard_skip_link_focus_and_escape(page, site: str) -> None:
    path = page_kinds(site)["theme"]
    page.goto(site + path)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Enter")
    panel = page.locator("details#statements")
    panel.locator("summary").focus()
    page.keyboard.press("Enter")
    assert panel.evaluate("d => d.open")
    page.keyboard.press("Escape")
    assert not panel.evaluate("d => d.open")


# --- screenshots -------------------------------------------------------------------------------------------------


def test_screenshots_of_the_main_pages(browser, site: str, tmp_path: Path) -> None:
    """Screenshots of the main pages at laptop and phone size (into QIKG_SCREENSHOTS when set, for docs/)."""
    out = Path(os.environ.get("QIKG_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    kinds = page_kinds(site)
    wanted = {
        "home": kinds["home"],
        "theme": "/id/theme/golden-thread",  # a lesson of every chat of the series (the shared thesaurus)
        "chat-panel": kinds["chat"] + "#panel",
        "participant": re.search(
            r'href="(/id/participant/[^"]+)"', httpx.get(site + "/", headers={"accept": "text/html"}).text
        ).group(1),
        "search": kinds["search"],
        "thesaurus": kinds["thesaurus"],
        "report-line": None,
    }
    for size_name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        tab = context.new_page()
        for name, path in wanted.items():
            if path is None:  # a source line, reached the way a reader does: from a theme's quote
                tab.goto(site + kinds["theme"].rsplit("#", 1)[0])
                cite = tab.locator("a.cite").first
                path = cite.get_attribute("href") if cite.count() else kinds["report"]
            tab.goto(site + path)
            tab.wait_for_load_state("load")
            tab.wait_for_timeout(150)
            tab.screenshot(path=str(out / f"{name}-{size_name}.png"))
        context.close()
    assert len(list(out.glob("*.png"))) >= 2 * len(wanted)
