"""A request that names its dataset (SPARQL 1.1 Protocol `default-graph-uri` / `named-graph-uri`) is answered over
those graphs of this store, on every back-end: they replace the query's own FROM and the union default graph, a graph
the store does not hold is empty, and nothing is ever fetched by its IRI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import uvicorn_server
from tests.api.test_sparql_no_outbound import listener  # noqa: F401 (a fixture)

ONTOLOGY = "https://w3id.org/qikg/graph/ontology"
THEMES = "https://w3id.org/qikg/graph/themes"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_IN = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{}> {{ ?s ?p ?o }} }}"


def number(client: TestClient, query: str, **params: object) -> int:
    response = client.get("/sparql", params={"query": query, **params}, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text[:300]
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_the_default_graph_is_the_graph_the_request_names(fixture_client: TestClient) -> None:
    themes = number(fixture_client, COUNT_IN.format(THEMES))
    assert 0 < themes < number(fixture_client, COUNT)  # the union holds more than the themes graph
    assert number(fixture_client, COUNT, **{"default-graph-uri": THEMES}) == themes


def test_two_default_graphs_are_merged(fixture_client: TestClient) -> None:
    both = number(fixture_client, COUNT, **{"default-graph-uri": [THEMES, ONTOLOGY]})
    assert both == number(fixture_client, COUNT_IN.format(THEMES)) + number(fixture_client, COUNT_IN.format(ONTOLOGY))


def test_named_graphs_are_only_those_the_request_names(fixture_client: TestClient) -> None:
    response = fixture_client.post(
        "/sparql",
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": THEMES},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200, response.text[:300]
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [THEMES]
    # and the default graph is then empty: the request named no default graph
    assert number(fixture_client, COUNT, **{"named-graph-uri": THEMES}) == 0


def test_the_request_s_dataset_wins_over_the_query_s_from(fixture_client: TestClient) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert number(fixture_client, query) == number(fixture_client, COUNT_IN.format(ONTOLOGY))
    assert number(fixture_client, query, **{"default-graph-uri": THEMES}) == number(
        fixture_client, COUNT_IN.format(THEMES)
    )


def test_a_graph_the_store_does_not_hold_is_empty(fixture_client: TestClient) -> None:
    assert number(fixture_client, COUNT, **{"default-graph-uri": "http://example.org/not-here"}) == 0
    response = fixture_client.get(
        "/sparql", params={"query": "ASK {}", "default-graph-uri": "http://example.org/not-here"}
    )
    assert response.status_code == 200 and response.json()["boolean"] is True


@pytest.mark.parametrize("value", ["", "not an iri", "relative/path"])
@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
def test_a_graph_name_that_is_not_an_iri_is_a_400_naming_the_parameter(
    assert_error, fixture_client: TestClient, name: str, value: str
) -> None:
    form = {"query": "ASK {}", name: value}
    by_get = assert_error(fixture_client.get("/sparql", params=form), 400)
    by_post = assert_error(fixture_client.post("/sparql", data=form), 400)
    assert by_get == by_post and name in by_post["detail"]


def test_an_update_naming_a_dataset_is_still_refused(assert_error, fixture_client: TestClient) -> None:
    response = fixture_client.post(
        "/sparql",
        params={"using-graph-uri": THEMES},
        content=b"CLEAR ALL",
        headers={"content-type": "application/sparql-update"},
    )
    assert_error(response, 403)
    assert number(fixture_client, COUNT_IN.format(THEMES)) > 0


def test_a_graph_named_by_a_loopback_url_is_never_fetched(
    fixture_dir: Path,
    tmp_path: Path,
    listener: tuple[str, list],  # noqa: F811
) -> None:
    """On a real server: the request names graphs at a listener's address; it is answered (empty graphs) and the
    listener receives no connection."""
    url, connections = listener
    with uvicorn_server(fixture_dir, tmp_path / "store") as server:
        import httpx

        response = httpx.get(
            f"{server}/sparql",
            params={"query": COUNT, "default-graph-uri": f"{url}/data.ttl", "named-graph-uri": f"{url}/named.ttl"},
            headers={"accept": "application/json"},
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
    assert connections == []
