"""What a new reader met on the pages (session 9's walk, findings A1-A15), asked of every page of each kind: the
downloads as a page, a way back from the pages that are not ours, ontology links that land on the term, the small
nodes in words, counts that match the lists, plurals, whole example titles, the sort key shown, one search box."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api import lookups
from api.queries import example_title
from api.routes.download import human_size
from api.routes.ontology import with_term_ids

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
QI = "https://w3id.org/qikg/ontology#"


class Links(HTMLParser):
    """Every href and id of a page, and the text of its elements by tag."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("href"):
            self.hrefs.append(found["href"] or "")
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag == "form":
            self.forms.append(found)


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def page(client: TestClient, url: str) -> str:
    answer = client.get(url, headers=BROWSER)
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.text


def visible(html: str) -> str:
    """The page's text as read (tags dropped, entities decoded enough for the checks)."""
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"').split())


def rows(client: TestClient, query: str) -> list[dict]:
    return client.app.state.service.store.query(query).rows


# --- A1: /download ----------------------------------------------------------------------------------------------------


def test_a_browser_opening_downloads_gets_a_page_with_every_dump_its_size_and_link(client: TestClient) -> None:
    listing = client.get("/download", headers={"accept": "application/json"}).json()["items"]
    assert listing, "the build has dumps"
    html = page(client, "/download")
    assert 'role="search"' in html and 'href="/"' in html  # the site's header: a way on
    for item in listing:
        row = html.split(f'href="{item["url"]}"', 1)[1].split("</tr>", 1)[0]
        assert human_size(item["bytes"]) in row, item["name"]
        assert item["description"] in row
    assert client.get("/download", headers={"accept": "*/*"}).json()["total"] == len(listing)  # API clients: JSON
    assert client.get("/download").headers["content-type"].startswith("application/json")
    assert client.get("/download?format=json", headers=BROWSER).json()["total"] == len(listing)
    assert "Accept" in client.get("/download", headers=BROWSER).headers["vary"]
    prefers_json = {"accept": "application/json, text/html;q=0.5"}  # a client that takes HTML only second
    assert client.get("/download", headers=prefers_json).headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("size", "said"),
    [(0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1000, "1.0 kB"), (708_512, "708.5 kB"), (2_034_000, "2.0 MB")],
)
def test_sizes_are_said_as_people_say_them(size: int, said: str) -> None:
    assert human_size(size) == said


# --- A7: a way back ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/graph", "/docs", "/ontology", "/download"])
def test_every_page_has_a_way_back_to_home_and_search_and_asks_no_other_host(client: TestClient, url: str) -> None:
    html = page(client, url)
    hrefs = parsed(html).hrefs
    assert "/" in hrefs
    assert "/search" in hrefs or 'action="/search"' in html
    assert not re.search(r"""\b(src|href)=["']?(https?:)?//""", html.split("<body", 1)[1].split("</nav>", 1)[0])


# --- A9: ontology links land on the term ------------------------------------------------------------------------------


def test_every_term_of_the_ontology_has_the_id_pages_link_it_by(client: TestClient) -> None:
    html = page(client, "/ontology")
    ids = parsed(html).ids
    terms = Graph().parse(data=client.get("/ontology", params={"format": "turtle"}).text, format="turtle")
    iris = {str(s) for s in terms.subjects() if str(s).startswith(QI) and str(s) != QI}
    assert len(iris) > 50
    missing = sorted(i for i in iris if i.removeprefix(QI) not in ids)
    assert not missing, missing
    for iri in iris:  # and the id is in that term's own section, not another's
        local = iri.removeprefix(QI)
        at = html.index(f'id="{local}"')
        section = html[at : html.index("</table>", at)]
        assert f"<code>{iri}</code>" in section, iri


def test_the_ontology_links_of_the_pages_all_land_on_a_term(client: TestClient) -> None:
    ids = parsed(page(client, "/ontology")).ids
    urls = [t["url"] for t in client.get("/api/themes", params={"flat": True, "limit": 2}).json()["items"]]
    urls += [p["url"] for p in client.get("/api/participants", params={"limit": 2}).json()["items"]]
    urls += [r["url"] for r in client.get("/api/resources", params={"limit": 2}).json()["items"]]
    urls += [o["url"] for o in client.get("/api/organisations", params={"limit": 2}).json()["items"]]
    urls += [c["url"] for c in client.get("/api/stats").json()["chats"][:1]]
    for kind in ("ThemeAssignment", "Measurement", "EngagementCount"):
        found = rows(client, f"SELECT ?s WHERE {{ ?s a <{QI}{kind}> }} ORDER BY ?s LIMIT 1")
        urls += [str(r["s"]).replace(client.app.state.service.settings.id_base, "/id/") for r in found]
    linked = 0
    for url in urls:
        for href in parsed(page(client, url)).hrefs:
            if href.startswith("/ontology#"):
                linked += 1
                assert href.removeprefix("/ontology#") in ids, (url, href)
    assert linked > 20


def test_a_term_labelled_in_words_gets_its_iris_own_name_as_an_id() -> None:
    """pyLODE names sections by label ("engagement count" -> engagementcount): the served page adds the IRI's name."""
    made = (
        '<div class="class entity" id="engagementcount"><h3>engagement count</h3><table><tr><th>IRI</th>'
        "<td><code>https://example.org/o#EngagementCount</code></td></tr></table></div>"
        '<div class="property entity" id="handle"><table><tr><td><code>https://example.org/o#handle</code></td></tr>'
        '</table></div><div class="property entity" id="item"><table><tr><td><code>https://example.org/o#Item</code>'
        '</td></tr></table></div><div class="class entity" id="Item1"><table><tr><td>'
        "<code>https://example.org/o#item</code></td></tr></table></div>"
    )
    ids = parsed(with_term_ids(made)).ids
    assert {"engagementcount", "EngagementCount", "handle", "Item"} <= ids
    assert "item" in ids  # taken by pyLODE for Item; Item1's term keeps pyLODE's id only (no duplicate id)
    assert with_term_ids(made).count('id="item"') == 1


# --- A12: the small nodes in words ------------------------------------------------------------------------------------


def _path(client: TestClient, iri: str) -> str:
    return "/id/" + iri.removeprefix(client.app.state.service.settings.id_base)


def _head(html: str) -> tuple[str, str]:
    main = html.split('<main id="main"', 1)[1]
    h1 = visible(main.split("<h1>", 1)[1].split("</h1>", 1)[0])
    summary = visible(main.split('<p class="summary">', 1)[1].split("</p>", 1)[0]) if 'class="summary"' in main else ""
    return h1, summary


def _sample(found: list[dict], size: int = 25) -> list[dict]:
    step = max(1, len(found) // size)
    return found[::step]


def test_a_theme_assignment_says_which_theme_which_item_and_why_in_labels(client: TestClient) -> None:
    found = rows(
        client,
        f"""SELECT ?a ?item ?themeLabel ?reason ?note WHERE {{ ?a a <{QI}ThemeAssignment> ; <{QI}assignedTheme> ?t ;
        <{QI}assignedTo> ?item ; <{QI}reason> ?reason . ?t <http://www.w3.org/2004/02/skos/core#prefLabel> ?themeLabel
        OPTIONAL {{ ?a <{QI}note> ?note }} }} ORDER BY ?a""",
    )
    assert found
    for row in _sample(found):
        h1, summary = _head(page(client, _path(client, str(row["a"]))))
        theme = " ".join(str(row["themeLabel"]).split())
        assert theme in h1 and theme in summary, (row["a"], h1)
        slug = str(row["a"]).rstrip("/").rsplit("/", 1)[-1]
        assert slug not in h1 or slug in theme.casefold(), h1  # never the slug for a title
        item = _path(client, str(row["item"])).removeprefix("/id/")
        assert item not in h1 and item not in summary, h1  # the item by its label, not its path
        if row.get("note") is not None:
            assert " ".join(str(row["note"]).split())[:60] in summary


def test_a_measurement_shows_its_value_unit_and_period(client: TestClient) -> None:
    found = rows(
        client,
        f"""SELECT ?m ?value ?unit ?period WHERE {{ ?m a <{QI}Measurement> ; <{QI}value> ?value .
        OPTIONAL {{ ?m <{QI}unit> ?unit }} OPTIONAL {{ ?m <{QI}periodLabel> ?period }} }} ORDER BY ?m""",
    )
    assert found
    for row in found:
        h1, summary = _head(page(client, _path(client, str(row["m"]))))
        value = str(row["value"])
        shown = f"{int(value):,}" if value.isdigit() else value
        assert shown in summary and shown in h1, (row["m"], summary)
        for part in ("unit", "period"):
            if row.get(part) is not None:
                assert str(row[part]) in summary, (row["m"], part)


def test_an_engagement_count_says_what_it_counts_or_that_the_report_does_not(client: TestClient) -> None:
    found = rows(
        client,
        f"""SELECT ?c ?value ?metric WHERE {{ ?c a <{QI}EngagementCount> ; <{QI}value> ?value ; <{QI}metric> ?metric }}
        ORDER BY ?c""",
    )
    metrics = {str(r["metric"]) for r in found}
    assert "unknown" in metrics and metrics - {"unknown"}, metrics  # both kinds are in the seed
    for metric in sorted(metrics):
        for row in [r for r in found if str(r["metric"]) == metric][:5]:
            h1, summary = _head(page(client, _path(client, str(row["c"]))))
            assert str(row["value"]) in h1 and "@" in summary, h1  # the figure and whose tweet
            if metric == "unknown":
                assert "does not say which" in summary and "unknown" not in summary
            else:
                assert re.search(rf"\b{metric[:-1]}(\w+)? on @", summary), summary  # likes, replies, retweets
            assert not re.search(r"Count \d+ of quote", h1)


# --- A4, A14: the theme page's counts and order -----------------------------------------------------------------------


def test_a_theme_pages_counts_are_the_lists_it_shows(client: TestClient) -> None:
    for theme in client.get("/api/themes", params={"flat": True, "limit": 500}).json()["items"]:
        html = page(client, theme["url"])
        _, summary = _head(html)
        reading = html.split('id="read"', 1)[1].split("</section>", 1)[0]
        listed = reading.count('<p class="why">')
        about = re.search(r"(\d+) resources? about it", summary)
        more = re.search(r"(\d+) more only mentioned", summary)
        assert about, summary
        assert int(about.group(1)) + (int(more.group(1)) if more else 0) == listed, (theme["id"], summary)
        said = re.search(r"(\d+) quotes? and", summary)
        assert said and f"What people said ({said.group(1)})" in html, theme["id"]
        assert not re.search(r"\b1 (quotes|resources)\b", summary)


def test_equally_ranked_resources_come_in_the_reports_order(client: TestClient) -> None:
    catalogue = client.app.state.service.catalogue()
    ties = 0
    for theme in catalogue.themes.values():
        ranked = lookups.resources_for_theme(catalogue, theme, True)
        direct = catalogue.local_id(theme.iri, "theme")

        def key(r: dict, direct: str = direct) -> tuple:
            return (r["tier"], -lookups.strongest(r["matched_because"], direct), -r["score"], not r.get("core"))

        for first, second in zip(ranked, ranked[1:], strict=False):
            if key(first) == key(second):
                ties += 1
                assert lookups.report_order(first) <= lookups.report_order(second), (theme.slug, first["id"])
    assert ties > 5
    golden = catalogue.resolve_themes("golden thread")[0]
    top = lookups.resources_for_theme(catalogue, golden, True)[:3]
    lines = [r["report_order"][2] for r in top]
    assert lines == sorted(lines) and all("listed at line" in r["ranked_because"] for r in top)
    assert "in the order the report lists them" in page(client, catalogue.page(golden.iri) or "")


# --- A5, A8, A10: words on the pages ----------------------------------------------------------------------------------


def test_no_page_says_1_people_or_1_replies(client: TestClient) -> None:
    people = client.get("/api/participants", params={"limit": 500}).json()["items"]
    orgs = client.get("/api/organisations", params={"limit": 500}).json()["items"]
    themes = client.get("/api/themes", params={"flat": True, "limit": 500}).json()["items"]
    for url in [p["url"] for p in people] + [o["url"] for o in orgs] + [t["url"] for t in themes]:
        text = visible(page(client, url))
        bad = re.search(r"\b1 (people|replies|quotes or resources|persons)\b|\b(\d{2,}|[02-9]) person\b", text)
        assert not bad, (url, bad.group(0) if bad else None)


def test_the_this_page_as_data_line_never_ends_with_a_separator(client: TestClient) -> None:
    found = rows(client, "SELECT ?s WHERE { ?s <https://w3id.org/qikg/ontology#speaksFor> ?a } ORDER BY ?s")
    urls = [_path(client, str(r["s"])) for r in found]  # pages with no JSON record of their own
    urls += [t["url"] for t in client.get("/api/themes", params={"flat": True, "limit": 2}).json()["items"]]
    assert urls
    for url in urls:
        line = page(client, url).split('<p class="formats">', 1)[1].split("</p>", 1)[0]
        assert not visible(line).endswith("·") and "· ·" not in visible(line), url


def test_the_bridges_show_the_key_they_are_ordered_by(client: TestClient) -> None:
    html = page(client, "/connections")
    bridges = html.split('id="bridges"', 1)[1].split("</section>", 1)[0]
    said = re.findall(r"reaches (\d+) other communit\w+ · betweenness ([\d.]+)", visible(bridges))
    shown = [(int(n), float(b)) for n, b in said]
    assert len(shown) == bridges.count("<li>") > 1
    assert shown == sorted(shown, key=lambda s: (-s[0], -s[1]))


# --- A6, A15: the home page's examples, the search page ---------------------------------------------------------------


def test_the_home_page_shows_each_examples_whole_title(client: TestClient) -> None:
    from api.queries import examples

    html = page(client, "/")
    for _, title, _ in examples():
        assert str(title).replace("'", "&#39;") in html
        assert not title.endswith((",", " an", " the", " a"))


def test_a_title_over_two_comment_lines_is_read_whole() -> None:
    text = "\ufeff# Who connects organisations? People tied to two,\n#   or more.\nPREFIX x: <y>\n# not this\nSELECT"
    assert example_title(text) == "Who connects organisations? People tied to two, or more."
    assert example_title("SELECT * {}") == ""


def test_the_search_page_has_one_search_box(client: TestClient) -> None:
    html = page(client, "/search?q=gemba")
    assert len(parsed(html).forms) == 1 and html.count('type="search"') == 1
    assert 'name="kind"' in html  # the page's own box, with its filter
    assert page(client, "/thesaurus").count('type="search"') == 1  # other pages keep the header's box


def test_the_statements_tables_link_theme_assignments_by_their_words_not_their_slugs(client: TestClient) -> None:
    found = rows(
        client,
        f"""SELECT ?a ?item ?label WHERE {{ ?a a <{QI}ThemeAssignment> ; <{QI}assignedTo> ?item ;
        <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?a""",
    )
    checked = 0
    for row in _sample(found, 10):  # the item's page links its assignments (qi:assignedTo points to it)
        item, tagging = _path(client, str(row["item"])), _path(client, str(row["a"]))
        html = page(client, item).split('<details id="statements"', 1)[1]
        link = re.search(rf'<a href="{re.escape(tagging)}">([^<]+)</a>', html)
        assert link, (item, tagging)
        text = visible(link.group(1))
        assert text != str(row["label"]) and "/" not in text.split(" for ", 1)[0], text
        h1, _ = _head(page(client, tagging))
        assert text == h1  # the link says what the page's title says
        checked += 1
    assert checked
