"""With two chats loaded, does every page that names a question say which chat it is of? Every chat numbers its
questions from 1, so "Q2" alone is ambiguous: person, theme and quote pages, search results and the graph view's
panel say "Q2 (19 Oct 2022)"; a one-chat graph keeps "Q2". And does a report's line page list everything taken
from each line, the people the report names without a handle included, by name?

The build is real: the seed report and the invented report of 26 September 2023 (TEST DATA,
tests/kg/extract/fixtures/) in a registry of their own, built without the reasoner. Expected answers come from the
JSON API and from SPARQL over the build, never from the pages themselves."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.indexes.catalogue.values import chat_day

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ROOT = Path(__file__).resolve().parents[2]
LATER = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-09-26-report.txt"
NAMED = re.compile(r"^Q\d+ \((\d{1,2} [A-Z][a-z]{2} \d{4})\)")  # "Q2 (19 Oct 2022)"


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, app_settings) -> Iterator[TestClient]:
    from api.main import create_app
    from kg.sources.registry import Registry
    from tests.kg.smallchats import SEED, qikg

    root = tmp_path_factory.mktemp("two-chats")
    registry = root / "sources" / "registry.yaml"
    Registry(registry).add(SEED)
    Registry.load(registry).add(LATER)
    out = root / "out"
    qikg("build", "--registry", str(registry), "--out", str(out), "--no-reason")
    with TestClient(create_app(app_settings(out, "oxigraph", "two-chats-pages", registry=registry))) as client:
        client.out = out  # type: ignore[attr-defined]
        yield client


def days(client: TestClient) -> dict[str, str]:
    """Chat id -> its day as the pages write it, from the API."""
    chats = client.get("/api/stats").json()["chats"]
    return {c["id"]: chat_day(c["date"]) for c in chats}


def section(page: str, section_id: str) -> str:
    """A page's section: from its heading to the next section's heading (groups nest their own sections)."""
    return page.split(f'id="{section_id}"', 1)[1].split("</h2>", 1)[1].split("<h2", 1)[0]


def headings(part: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in re.findall(r"<h3>(.*?)</h3>", part, re.S)]


def expected_questions(client: TestClient, quotes: list[dict]) -> set[str]:
    """'Q2 (19 Oct 2022)' for each question the quotes answer."""
    day = days(client)
    return {f"Q{q['question_number']} ({day[q['chat']]})" for q in quotes if q["question"]}


def test_two_chats_with_questions_are_loaded(two: TestClient) -> None:
    asked = {q["chat"] for q in two.get("/api/questions", params={"limit": 500}).json()["items"]}
    assert {days(two)[c] for c in asked} == {"19 Oct 2022", "26 Sep 2023"}  # others are chats the seed announces


def test_a_persons_page_names_the_chat_of_every_question_they_answered(two: TestClient) -> None:
    quotes = two.get("/api/quotes", params={"author": "DrNicolaBurgess", "limit": 500}).json()["items"]
    expected = expected_questions(two, quotes)
    assert {e.split(" (")[1] for e in expected} == {"19 Oct 2022)", "26 Sep 2023)"}  # she answered in both
    page = two.get("/id/participant/drnicolaburgess", headers=BROWSER).text
    said = [h for h in headings(section(page, "said")) if h != "Not in answer to a question"]
    assert said and all(NAMED.match(h) for h in said), said
    assert {NAMED.match(h).group(0) for h in said} == expected  # type: ignore[union-attr]
    answered = re.findall(r"<li><a [^>]*>([^<]+)</a></li>", section(page, "questions"))
    assert {NAMED.match(html.unescape(a)).group(0) for a in answered} == expected  # type: ignore[union-attr]


def test_a_themes_page_names_the_chat_of_each_questions_group(two: TestClient) -> None:
    page = two.get("/id/theme/genba", headers=BROWSER).text
    said = [h for h in headings(section(page, "said")) if h != "Not in answer to a question"]
    assert {NAMED.match(h).group(1) for h in said if NAMED.match(h)} == {"19 Oct 2022", "26 Sep 2023"}
    assert all(NAMED.match(h) for h in said), said


def test_a_quotes_heading_names_the_chat_of_its_question(two: TestClient) -> None:
    day = days(two)
    for chat in {q["chat"] for q in two.get("/api/questions", params={"limit": 500}).json()["items"]}:
        quote = next(
            q
            for q in two.get("/api/quotes", params={"chat": chat, "limit": 500}).json()["items"]
            if q["question"] and q["author"]
        )
        page = two.get(quote["url"], headers=BROWSER).text
        title = html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))  # type: ignore[union-attr]
        assert title.endswith(f" on Q{quote['question_number']} ({day[chat]})"), title


def test_search_results_name_the_chat_of_a_question(two: TestClient) -> None:
    page = two.get("/search", params={"q": "leaders", "kind": "question"}, headers=BROWSER).text
    labels = [html.unescape(x) for x in re.findall(r'<a href="/id/question/[^"]+">([^<]+)</a>', page)]
    assert labels and all(NAMED.match(x) for x in labels), labels
    assert {NAMED.match(x).group(1) for x in labels} == {"19 Oct 2022", "26 Sep 2023"}  # type: ignore[union-attr]


def test_the_graph_views_panel_names_the_chat_of_each_question(two: TestClient) -> None:
    text = (two.out / "graph.html").read_text(encoding="utf-8")  # type: ignore[attr-defined]
    data = json.loads(text.split('<script type="application/json" id="qikg-data">', 1)[1].split("</script>", 1)[0])
    answered = next(
        f for f in data["info"]["participant/drnicolaburgess"]["facts"] if f["name"] == "Questions answered"
    )
    labels = [r["label"] for r in answered["refs"]]
    assert all(NAMED.match(x) for x in labels), labels
    assert {NAMED.match(x).group(1) for x in labels} == {"19 Oct 2022", "26 Sep 2023"}  # type: ignore[union-attr]
    assert all(NAMED.match(q["label"]) for q in data["questions"])  # the question filter's options


def test_with_one_chat_a_question_is_named_by_its_number_alone(fixture_client: TestClient) -> None:
    assert len({q["chat"] for q in fixture_client.get("/api/questions").json()["items"]}) == 1
    quote = next(q for q in fixture_client.get("/api/quotes").json()["items"] if q["question"])
    page = fixture_client.get(quote["url"], headers=BROWSER).text
    title = html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))  # type: ignore[union-attr]
    assert title.endswith(f" on Q{quote['question_number']}"), title


PEOPLE_BY_NAME = """
PREFIX qi: <https://w3id.org/qikg/ontology#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?person ?name ?line ?source WHERE {
  GRAPH ?g { ?person prov:wasDerivedFrom ?source ; qi:sourceLine ?line }
  ?person a ?type ; foaf:name ?name .
  VALUES ?type { foaf:Person foaf:Agent }
  FILTER NOT EXISTS { ?person qi:handle ?handle }
}
"""


def test_a_reports_lines_list_the_people_named_without_a_handle_by_name(two: TestClient) -> None:
    rows = two.get("/sparql", params={"query": PEOPLE_BY_NAME}, headers={"accept": "application/sparql-results+json"})
    people = rows.json()["results"]["bindings"]
    assert people
    reports: dict[str, str] = {}
    for row in people:
        slug = row["source"]["value"].rsplit("/", 1)[-1]
        if slug not in reports:
            reports[slug] = two.get(f"/report/{slug}", headers=BROWSER).text
        line = re.search(rf'<li id="L{row["line"]["value"]}".*?</li>', reports[slug], re.S)
        assert line, (slug, row["line"]["value"])
        taken = line.group(0).split('<span class="taken">', 1)[-1]
        url = "/id/" + row["person"]["value"].split("/id/", 1)[1]
        assert f'<a href="{url}">{html.escape(row["name"]["value"])}</a>' in taken, (row, line.group(0))
    # the panel members named beside a team's account, as the seed report lists them
    assert {"Sue Jenkins", "James Owen"} <= {row["name"]["value"] for row in people}
