"""Who connects whom, in the graph view of the report itself, in headless Chromium: the people view, the bridges
list, sizing by a measure, colouring by community, a person's neighbourhood, readable labels on the largest nodes.

Expected ties are read from the RDF with SPARQL, not from the page's own data."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from rdflib import Dataset

from visualizations.model import as_graph
from visualizations.render import write_graph_html

pytestmark = pytest.mark.browser

QID = "https://w3id.org/qikg/id/"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIES = """
PREFIX qi: <https://w3id.org/qikg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?a ?b WHERE {
  ?quote qi:saidBy ?a .
  { ?quote qi:repliesTo ?b } UNION { ?quote qi:mentions ?b . ?b a/rdfs:subClassOf* qi:Participant }
  FILTER(?a != ?b)
}"""


@pytest.fixture(scope="module")
def report() -> Dataset:
    from kg.pipeline.run import build, load_build

    out = Path(tempfile.mkdtemp()) / "build"
    build(out, reasoner=False)
    dataset = load_build(out)
    shutil.rmtree(out.parent, ignore_errors=True)
    return dataset


@pytest.fixture(scope="module")
def page_file(report: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_graph_html(report, tmp_path_factory.mktemp("view") / "graph.html", mode="full")


@pytest.fixture(scope="module")
def ties(report: Dataset) -> set[frozenset[str]]:
    return {frozenset((str(a).removeprefix(QID), str(b).removeprefix(QID))) for a, b in as_graph(report).query(TIES)}


@pytest.fixture
def people(open_page, page_file: Path):
    visit = open_page(page_file.as_uri() + "?mode=people")
    assert visit.js("window.qikg.mode") == "people"
    return visit


def test_the_people_view_draws_exactly_the_replies_and_mentions_between_people(people, ties) -> None:
    drawn = {frozenset((e["from"], e["to"])) for e in people.js("window.qikg.edges.get()")}
    assert drawn == ties
    assert people.errors == []


def test_people_with_no_tie_are_hidden_and_counted_until_asked_for(people, ties) -> None:
    tied = {n for pair in ties for n in pair}
    assert set(people.js("window.qikg.visibleNodeIds()")) == tied
    lonely = people.js("window.qikg.isolated")
    assert lonely and not set(lonely) & tied
    assert f"Show the {len(lonely)} nodes with no connection" in people.page.inner_text("#isolated-row")


def test_a_bridge_in_the_list_selects_that_person_whose_ties_reach_other_communities(people) -> None:
    first = people.page.locator("#bridges button").first
    node = first.get_attribute("data-id")
    first.click()
    assert people.js("window.qikg.selected") == node
    assert "Betweenness" in people.page.inner_text("#panel-network")
    measures = people.js("JSON.parse(document.getElementById('qikg-data').textContent).network.measures")
    own = measures[node]["community"]
    near = {
        e["to"] if e["from"] == node else e["from"]
        for e in people.js("window.qikg.edges.get()")
        if node in (e["from"], e["to"])
    }
    assert {measures[n]["community"] for n in near} - {own}


def test_sizing_by_betweenness_makes_the_top_bridge_the_largest_person(people) -> None:
    people.page.select_option("#size-by", "betweenness")
    measures = people.js("JSON.parse(document.getElementById('qikg-data').textContent).network.measures")
    top = max(measures, key=lambda n: (measures[n]["betweenness"], n))
    sizes = {n["id"]: n["size"] for n in people.js("window.qikg.nodes.get()")}
    assert max(sizes, key=sizes.get) == top
    nobody = next(n for n, m in measures.items() if m["betweenness"] == 0)
    assert sizes[nobody] < sizes[top] / 3
    assert "betweenness" in people.page.inner_text("#size-hint")


def test_colour_by_community_gives_one_colour_per_community(people) -> None:
    measures = people.js("JSON.parse(document.getElementById('qikg-data').textContent).network.measures")
    colours = {n["id"]: n["color"]["background"] for n in people.js("window.qikg.nodes.get()")}
    by_community: dict[int, set[str]] = {}
    for node, m in measures.items():
        if m["community"] is not None and m["community"] < 10:
            by_community.setdefault(m["community"], set()).add(colours[node])
    assert all(len(c) == 1 for c in by_community.values())
    assert len({next(iter(c)) for c in by_community.values()}) == len(by_community)
    people.page.select_option("#colour-by", "kind")
    assert len({n["color"]["background"] for n in people.js("window.qikg.nodes.get()")}) == 1


def test_a_persons_neighbourhood_one_and_two_steps_then_escape(people, ties) -> None:
    person = people.page.locator("#bridges button").first.get_attribute("data-id")
    people.js(f"window.qikg.select('{person}', true)")
    people.page.click("#panel .steps button[data-steps='1']")
    one = {n for pair in ties if person in pair for n in pair}
    assert set(people.js("window.qikg.visibleNodeIds()")) == one
    people.page.click("#panel .steps button[data-steps='2']")
    two = one | {n for pair in ties if pair & one for n in pair}
    assert set(people.js("window.qikg.visibleNodeIds()")) == two
    people.page.keyboard.press("Escape")
    assert people.page.locator("#panel").is_hidden()
    people.page.keyboard.press("Escape")
    assert len(people.js("window.qikg.visibleNodeIds()")) > len(two)


def test_the_largest_nodes_labels_are_readable_in_the_first_picture(open_page, page_file: Path) -> None:
    for mode in ("overview", "people"):
        visit = open_page(page_file.as_uri() + f"?mode={mode}")
        scale = visit.js("window.qikg.network.getScale()")
        labelled = visit.js("window.qikg.labelled")
        assert len(labelled) >= 10
        for node in visit.js(f"window.qikg.nodes.get({labelled!r})"):
            assert node["font"]["size"] * scale >= 12, node["id"]  # pixels on screen


def test_a_screenshot_of_who_connects_whom_is_saved(people) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    people.page.screenshot(path=str(ARTIFACTS / "graph-people.png"))
    assert (ARTIFACTS / "graph-people.png").stat().st_size > 20_000
