"""The app on a real Virtuoso answers exactly as on the embedded store: the JSON routes, the start-up indexes behind
them, and /sparql SELECT / CONSTRUCT / DESCRIBE (Virtuoso 7.2 from Debian, started by the tests; skipped where it is
not installed, `.ci/run` installs it). QIKG_TEST_BACKENDS=virtuoso runs the whole API suite on it too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api.main import create_app

pytestmark = pytest.mark.server

JSON_ROUTES = [
    "/api/themes",
    "/api/themes/genba",
    "/api/resources?theme=golden thread",
    "/api/resources?theme=genba",
    "/api/organisations",
    "/api/questions",
    "/api/quotes?limit=500",
    "/api/quotes?theme=psychological safety",
    "/api/stats",
    "/api/search?q=genba",
    "/api/search?q=improvement&kind=quote",
    "/api/network/people/nodes",
    "/api/network/organisations/links",
]


def _answer(body: object) -> object:
    """A JSON answer without the name of the back-end (the one thing that should differ)."""
    if isinstance(body, dict):
        return {k: _answer(v) for k, v in body.items() if k != "backend"}
    if isinstance(body, list):
        return [_answer(v) for v in body]
    return body


@pytest.fixture(scope="module")
def pair(graph_dir: Path, app_settings) -> Iterator[tuple[TestClient, TestClient]]:
    """The same build served from the embedded store and from a Virtuoso."""
    embedded = app_settings(graph_dir, "oxigraph", "answers-embedded", query_timeout=30.0)
    virtuoso = app_settings(graph_dir, "virtuoso", "answers", query_timeout=30.0)
    with TestClient(create_app(embedded)) as left, TestClient(create_app(virtuoso)) as right:
        yield left, right


def test_the_app_on_virtuoso_is_ready_with_the_same_graph(pair) -> None:
    embedded, virtuoso = pair
    assert virtuoso.get("/health").status_code == 200
    assert virtuoso.get("/api/stats").json()["backend"] == "remote"


@pytest.mark.parametrize("route", JSON_ROUTES)
def test_a_json_route_answers_the_same_on_virtuoso(pair, route: str) -> None:
    embedded, virtuoso = pair
    left, right = embedded.get(route), virtuoso.get(route)
    assert left.status_code == right.status_code == 200, right.text[:500]
    assert _answer(right.json()) == _answer(left.json())


def test_people_and_their_records_are_the_same(pair) -> None:
    embedded, virtuoso = pair
    handles = [p["handle"] for p in embedded.get("/api/stats").json().get("top_participants", [])][:5]
    handles = handles or ["jimmy_parvin"]
    for handle in handles:
        mine, theirs = virtuoso.get(f"/api/participants/{handle}"), embedded.get(f"/api/participants/{handle}")
        assert theirs.status_code == 200 and _answer(mine.json()) == _answer(theirs.json())


SPARQL_SELECT = (
    "PREFIX qi: <https://w3id.org/qikg/ontology#> SELECT ?q ?h WHERE { ?q a/<http://www.w3.org/2000/01/rdf-schema#"
    "subClassOf>* qi:Quote ; qi:saidBy ?p . ?p qi:handle ?h OPTIONAL { ?q qi:inChat ?c } } ORDER BY ?q ?h"
)


def test_sparql_select_is_the_same(pair) -> None:
    embedded, virtuoso = pair
    accept = {"Accept": "application/sparql-results+json"}
    left = embedded.get("/sparql", params={"query": SPARQL_SELECT}, headers=accept)
    right = virtuoso.get("/sparql", params={"query": SPARQL_SELECT}, headers=accept)
    assert right.status_code == 200, right.text[:500]
    assert right.json()["results"]["bindings"] == left.json()["results"]["bindings"] != []


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?t ?p ?o } WHERE { ?t a <https://w3id.org/qikg/ontology#Theme> ; ?p ?o }",
        "DESCRIBE <https://w3id.org/qikg/id/theme/genba>",
    ],
)
def test_sparql_graphs_are_the_same(pair, query: str) -> None:
    embedded, virtuoso = pair
    accept = {"Accept": "application/n-triples"}
    left = embedded.get("/sparql", params={"query": query}, headers=accept)
    right = virtuoso.get("/sparql", params={"query": query}, headers=accept)
    assert right.status_code == 200, right.text[:500]
    mine, theirs = Graph().parse(data=right.text, format="nt"), Graph().parse(data=left.text, format="nt")
    assert len(theirs) > 5
    assert set(mine) == set(theirs)  # DESCRIBE too: the resource's own statements, not those pointing at it


@pytest.mark.parametrize(
    "page", ["/id/theme/genba", "/id/participant/jimmy_parvin", "/id/chat/2022-10-19", "/thesaurus", "/connections"]
)
def test_a_page_reads_the_same_on_virtuoso(pair, page: str) -> None:
    """Lists on pages (types, shared resources, alt labels, statements) come in one order on every store."""
    embedded, virtuoso = pair
    left, right = (
        embedded.get(page, headers={"Accept": "text/html"}),
        virtuoso.get(page, headers={"Accept": "text/html"}),
    )
    assert left.status_code == right.status_code == 200, right.text[:300]
    import difflib

    assert right.text == left.text, "\n".join(
        list(difflib.unified_diff(left.text.splitlines(), right.text.splitlines(), lineterm="", n=0))[:20]
    )
