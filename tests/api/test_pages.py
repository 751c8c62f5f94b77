"""The pages people read, over HTTP (no browser): what each shows agrees with the JSON API, data text is escaped,
errors are pages for browsers and JSON for API clients, any spelling of a handle reaches its page, the report's
lines have anchors, /docs asks no other host. The browser checks are in test_pages_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from markupsafe import escape

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ROOT = Path(__file__).resolve().parents[2]


def main_part(page: str) -> str:
    """The reading view: the page's main element up to the "All statements" panel."""
    body = page.split('<main id="main"', 1)[1]
    return body.split('<details id="statements"', 1)[0]


def test_the_theme_page_lists_what_to_read_in_the_apis_order(client: TestClient) -> None:
    for theme in client.get("/api/themes", params={"flat": True, "limit": 500}).json()["items"]:
        expected = client.get("/api/resources", params={"theme": theme["id"], "limit": 500}).json()["items"]
        page = main_part(client.get(theme["url"], headers=BROWSER).text)
        reading = page.split('id="read"', 1)[1].split("</section>", 1)[0]
        titles = re.findall(r'<span class="title"><a href="([^"]+)"', reading)
        assert titles == [r["url"] for r in expected], theme["id"]


def test_reading_views_show_labels_not_curies(client: TestClient) -> None:
    urls = [t["url"] for t in client.get("/api/themes", params={"flat": True, "limit": 3}).json()["items"]]
    urls += [p["url"] for p in client.get("/api/participants", params={"limit": 3}).json()["items"]]
    urls += [o["url"] for o in client.get("/api/organisations", params={"limit": 3}).json()["items"]]
    urls += [c["url"] for c in client.get("/api/stats").json()["chats"][:2]]
    urls += [r["url"] for r in client.get("/api/resources", params={"limit": 3}).json()["items"]]
    for url in urls:
        page = client.get(url, headers=BROWSER)
        assert page.status_code == 200
        visible = re.sub(r"<[^>]+>", " ", main_part(page.text))
        assert not re.search(r"\b(qi|qid|prov|skos|dcterms|rdfs|schema):[A-Za-z]", visible), url
        assert 'id="statements"' in page.text and "?format=turtle" in page.text  # the triples stay one click away


def test_every_source_line_citation_points_at_a_line_of_the_report(client: TestClient) -> None:
    theme = client.get("/api/themes", params={"flat": True, "limit": 1}).json()["items"][0]
    quotes = client.get("/api/quotes", params={"limit": 20}).json()["items"]
    cites: set[str] = set()
    for url in [theme["url"], *(q["url"] for q in quotes)]:
        cites |= set(re.findall(r'href="(/report/[^"#]+#L\d+)"', client.get(url, headers=BROWSER).text))
    assert cites
    reports = {c.split("#")[0] for c in cites}
    for report in reports:
        page = client.get(report, headers=BROWSER)
        assert page.status_code == 200
        anchors = set(re.findall(r'<li id="(L\d+)"', page.text))
        assert {c.split("#")[1] for c in cites if c.startswith(report + "#")} <= anchors


def test_the_report_page_is_the_source_text_escaped_line_by_line(client: TestClient) -> None:
    registry = yaml.safe_load((ROOT / "kg" / "sources" / "registry.yaml").read_text())
    entry = registry["sources"][0]
    lines = (ROOT / "kg" / "sources" / entry["path"]).read_text(encoding="utf-8").splitlines()
    page = client.get(f"/report/{entry['slug']}", headers=BROWSER).text
    assert len(re.findall(r'<li id="L\d+"', page)) == len(lines)
    for number, text in enumerate(lines, start=1):
        if text.strip():
            item = page.split(f'<li id="L{number}"', 1)[1].split("</li>", 1)[0]
            assert str(escape(text)) in item, number


def test_a_report_whose_text_is_missing_is_a_clear_404(fixture_client: TestClient, assert_error) -> None:
    body = assert_error(fixture_client.get("/report/fixture"), 404)
    assert "registry" in body["detail"]
    assert_error(fixture_client.get("/report/no-such-report"), 404)


def test_data_text_is_escaped_on_every_page(fixture_client: TestClient) -> None:
    for url in ("/id/theme/xss", "/id/participant/xss_user", "/thesaurus", "/search?q=alert", "/search?q=xss"):
        page = fixture_client.get(url, headers=BROWSER).text
        assert "<script>alert" not in page and "<img src=x" not in page, url
    typed = fixture_client.get("/search", params={"q": '<img src=x onerror=alert(1)> "x'}, headers=BROWSER).text
    assert "<img src=x" not in typed and "&lt;img src=x" in typed


def test_search_page_marks_the_matched_words_and_links_each_result(client: TestClient) -> None:
    label = client.get("/api/themes", params={"flat": True, "limit": 1}).json()["items"][0]["label"]
    expected = client.get("/api/search", params={"q": label, "limit": 20}).json()["items"]
    page = client.get("/search", params={"q": label}, headers=BROWSER).text
    results = re.findall(r'<li><span class="tag">[^<]*</span> <a href="([^"]+)"', page)
    assert results == [i["url"] for i in expected if i["url"]]
    assert "<mark>" in page
    empty = client.get("/search", params={"q": "!!!"}, headers=BROWSER)
    assert empty.status_code == 200 and 'role="alert"' in empty.text


def test_the_thesaurus_page_has_every_theme_once_with_its_page(client: TestClient) -> None:
    themes = client.get("/api/themes", params={"flat": True, "limit": 500}).json()["items"]
    page = client.get("/thesaurus", headers=BROWSER).text
    for theme in themes:
        assert page.count(f'href="{theme["url"]}"') >= 1, theme["id"]


def test_a_handle_in_any_case_or_an_alias_redirects_to_its_page(client: TestClient) -> None:
    people = client.get("/api/participants", params={"limit": 500}).json()["items"]
    for person in people[:10]:
        for spelling in {person["handle"].upper(), person["handle"].swapcase(), *person["aliases"]}:
            if spelling.lstrip("@").casefold() == person["url"].rsplit("/", 1)[-1] and spelling == spelling.lower():
                continue
            response = client.get("/id/participant/" + spelling.lstrip("@"), headers=BROWSER, follow_redirects=False)
            assert response.status_code == 308 and response.headers["location"] == person["url"], spelling


def test_errors_are_pages_for_browsers_and_json_for_api_clients(client: TestClient, assert_error) -> None:
    page = client.get("/id/theme/genbaa", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    suggestions = re.findall(r'<li><a href="(/id/[^"]+)">', page.text)
    assert suggestions and all(client.get(s, headers=BROWSER).status_code == 200 for s in suggestions)
    assert_error(client.get("/id/theme/genbaa"), 404)
    assert_error(client.get("/id/theme/genbaa", headers={"accept": "application/json"}), 404)
    assert client.get("/no/such/page", headers=BROWSER).headers["content-type"].startswith("text/html")
    assert_error(client.get("/no/such/page"), 404)


def test_docs_and_favicon_come_from_this_server(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", docs.text)
    for asset in re.findall(r"""(?:src|href)=["']?(/[^"' >]+)""", docs.text):
        assert client.get(asset).status_code == 200, asset
    assert "http" not in docs.headers["content-security-policy"]
    assert client.get("/favicon.ico").status_code == 200


def test_the_landing_page_answers_the_headline_questions_with_pages(client: TestClient) -> None:
    page = client.get("/", headers=BROWSER).text
    ask = page.split('id="ask"', 1)[1].split("<h2", 1)[0]
    links = re.findall(r'href="([^"]+)"', ask)
    assert links and not [u for u in links if u.startswith("/api/")]
    for url in links:
        assert client.get(url.split("#")[0], headers=BROWSER).status_code == 200, url
    for fragment in ("#read", "#said", "#panel", "#orgs"):
        assert any(u.endswith(fragment) for u in links), fragment


def test_every_entity_of_a_graph_has_a_reading_page(client: TestClient, fixture_client: TestClient) -> None:
    """Every node with an /id/ page, in the real graph and in the fixture's odd data, opens as HTML with a heading
    and its statements one click away: no kind of node (or a missing fact) breaks its page."""
    from api.routes.entities import _known_paths

    for app in (client, fixture_client):
        catalogue = app.app.state.service.catalogue()
        for path in _known_paths(catalogue):
            page = app.get("/id/" + path, headers=BROWSER)
            assert page.status_code == 200, path
            assert "<h1>" in page.text and 'id="statements"' in page.text, path


def test_a_second_chat_from_a_records_file_gets_its_pages_and_its_lines(tmp_path: Path, app_settings) -> None:
    """Two chats (the seed report and a records file, in a registry outside the project): each chat's page lists its
    own questions; a quote of the second chat cites a line of the text its records name (by digest), and that
    line's anchor is on the page of that text."""
    from api.main import create_app
    from kg.sources.registry import Registry
    from tests.kg.smallchats import SEED, chat_b, qikg, write_records

    registry = tmp_path / "sources" / "registry.yaml"
    Registry(registry).add(SEED)
    Registry.load(registry).add(write_records(chat_b(), tmp_path / "chat-b.yaml"))
    out = tmp_path / "out"
    qikg("build", "--registry", str(registry), "--out", str(out), "--no-reason")
    with TestClient(create_app(app_settings(out, "oxigraph", "two-chats", registry=registry))) as two:
        quotes = two.get("/api/quotes", params={"chat": "2023-01-31", "limit": 5}).json()["items"]
        assert quotes
        page = two.get(quotes[0]["url"], headers=BROWSER).text
        cites = re.findall(r'href="(/report/([^"#]+)#L(\d+))"', page)
        assert cites and all(slug == "test-chat-b" for _, slug, _ in cites)
        report = two.get(f"/report/{cites[0][1]}", headers=BROWSER)
        assert report.status_code == 200
        # chat B's records were cut from the seed report and cite its lines (and its digest): that text is shown
        lines = SEED.read_text(encoding="utf-8").splitlines()
        assert len(re.findall(r'<li id="L\d+"', report.text)) == len(lines)
        assert f'<li id="L{cites[0][2]}"' in report.text
        for chat in ("2022-10-19", "2023-01-31"):
            questions = two.get("/api/questions", params={"chat": chat}).json()["items"]
            chat_page = two.get(f"/id/chat/{chat}", headers=BROWSER).text
            listed = chat_page.split('id="questions"', 1)[1].split("</section>", 1)[0]
            assert re.findall(r'<a href="(/id/question/[^"]+)"', listed) == [q["url"] for q in questions]
