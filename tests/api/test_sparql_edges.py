"""What a careless client or an odd request gets from /sparql and the negotiated pages: positions of a syntax error
in the user's own text, a query file with a byte-order mark, a POST without a query, the Host header never echoed,
`Accept: application/json` on graph-shaped answers, and `Allow` naming HEAD (walk findings B1, B4-B8)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api.main import create_app
from tests.api.conftest import make_settings

SPARQL_QUERY = {"content-type": "application/sparql-query"}
ENDPOINT = "http://127.0.0.1:8000/sparql"  # the server's configured address (QIKG_HOST, QIKG_PORT) + /sparql


def test_a_syntax_error_is_placed_in_the_users_own_query(fixture_client: TestClient, assert_error) -> None:
    """The endpoint once prepended `BASE <...> ` (36 characters) to line 1: 'SELEC' at column 1 was said to be at 37."""
    for response in (
        fixture_client.get("/sparql", params={"query": "SELEC * WHERE { ?s ?p ?o }"}),
        fixture_client.post("/sparql", content="SELEC * WHERE { ?s ?p ?o }", headers=SPARQL_QUERY),
    ):
        detail = assert_error(response, 400)["detail"]
        assert "line 1, column 1, at 'SELEC" in detail and "SELECT, CONSTRUCT, DESCRIBE or ASK" in detail
    detail = assert_error(fixture_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}), 400)["detail"]
    assert "line 1, column 18" in detail and "char" not in detail


def test_the_query_page_shows_the_same_position(fixture_client: TestClient) -> None:
    page = fixture_client.get(
        "/sparql", params={"query": "SELEC * WHERE { ?s ?p ?o }"}, headers={"accept": "text/html"}
    )
    assert page.status_code == 400 and "line 1, column 1" in page.text


def test_relative_iris_resolve_against_the_configured_endpoint(fixture_client: TestClient) -> None:
    """The base goes to the engine beside the text (no BASE added to it); on every store back-end."""
    query = "SELECT ?x WHERE { BIND(<rel> AS ?x) }"
    rows = fixture_client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
    assert rows == [{"x": {"type": "uri", "value": "https://w3id.org/qikg/rel"}}]
    own = fixture_client.get("/sparql", params={"query": "BASE <http://example.org/a/> " + query}).json()
    assert own["results"]["bindings"][0]["x"]["value"] == "http://example.org/a/rel"  # the query's BASE wins


@pytest.mark.parametrize("how", ["body", "form", "parameter"])
def test_a_query_saved_with_a_byte_order_mark_runs(fixture_client: TestClient, how: str) -> None:
    query = "\ufeffASK { ?s ?p ?o }"
    if how == "body":
        response = fixture_client.post("/sparql", content=query.encode("utf-8"), headers=SPARQL_QUERY)
    elif how == "form":
        response = fixture_client.post("/sparql", data={"query": query})
    else:
        response = fixture_client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def test_a_byte_order_mark_gets_nothing_past_the_policy(fixture_client: TestClient, assert_error) -> None:
    query = "\ufeffSELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_error(fixture_client.post("/sparql", content=query.encode("utf-8"), headers=SPARQL_QUERY), 403)


@pytest.mark.parametrize(
    ("body", "content_type", "named"),
    [
        ("", "application/sparql-query", "the body"),
        ("  \n\t ", "application/sparql-query", "the body"),
        ("\ufeff", "application/sparql-query", "the body"),
        ("foo=bar", "application/x-www-form-urlencoded", "no 'query' field"),
        ("", "application/x-www-form-urlencoded", "no 'query' field"),
        ("query=&format=json", "application/x-www-form-urlencoded", "'query' field is empty"),
        ("query=%20%20", "application/x-www-form-urlencoded", "'query' field is empty"),
    ],
)
def test_a_post_without_a_query_is_a_400_naming_what_is_missing(
    fixture_client: TestClient, assert_error, body: str, content_type: str, named: str
) -> None:
    response = fixture_client.post("/sparql", content=body.encode("utf-8"), headers={"content-type": content_type})
    detail = assert_error(response, 400)["detail"]
    assert detail.startswith("no query given") and named in detail


def test_an_empty_query_parameter_is_a_400_and_a_bare_get_the_service_description(
    fixture_client: TestClient, assert_error
) -> None:
    assert "query parameter is empty" in assert_error(fixture_client.get("/sparql?query="), 400)["detail"]
    bare = fixture_client.get("/sparql", headers={"accept": "text/turtle"})
    assert bare.status_code == 200 and "sd:Service" in bare.text


@pytest.mark.parametrize("path", ["/sparql", "/.well-known/void"])
def test_descriptions_name_the_configured_base_never_the_host_header(fixture_client: TestClient, path: str) -> None:
    response = fixture_client.get(path, headers={"accept": "text/turtle", "host": "evil.example"})
    assert response.status_code == 200
    assert "evil.example" not in response.text
    graph = Graph().parse(data=response.text, format="turtle")
    named = {str(term) for triple in graph for term in triple}
    assert ENDPOINT in named  # sd:endpoint / void:sparqlEndpoint
    assert not any("testserver" in term for term in named)


@pytest.mark.parametrize("path", ["/sparql", "/.well-known/void"])
def test_descriptions_name_the_public_address_where_one_is_set(fixture_dir, tmp_path, path: str) -> None:
    """A server behind https://qi.example.org names its endpoint and dumps there (QIKG_PUBLIC_URL), while the data's
    IRIs keep their base."""
    settings = make_settings(fixture_dir, tmp_path / "store", public_url="https://qi.example.org/")
    with TestClient(create_app(settings)) as client:
        response = client.get(path, headers={"accept": "text/turtle"})
    named = {str(term) for triple in Graph().parse(data=response.text, format="turtle") for term in triple}
    assert "https://qi.example.org/sparql" in named and ENDPOINT not in named


@pytest.mark.parametrize("path", ["/id/theme/genba", "/ontology", "/sparql", "/.well-known/void"])
def test_a_json_client_of_a_graph_gets_json_ld(fixture_client: TestClient, path: str) -> None:
    response = fixture_client.get(path, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/ld+json")
    assert "accept" in response.headers["vary"].lower()
    assert len(Graph().parse(data=response.text, format="json-ld")) > 0
    json.loads(response.text)  # JSON, as asked


def test_a_json_client_of_rows_still_gets_sparql_results_json(fixture_client: TestClient) -> None:
    select = fixture_client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, headers={"accept": "application/json"}
    )
    assert select.headers["content-type"].startswith("application/sparql-results+json")
    construct = fixture_client.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"},
        headers={"accept": "application/json"},
    )
    assert construct.status_code == 200 and construct.headers["content-type"].startswith("application/ld+json")


def test_html_and_turtle_clients_are_unchanged_by_the_json_rule(fixture_client: TestClient) -> None:
    both = fixture_client.get("/id/theme/genba", headers={"accept": "application/json;q=0.5, text/turtle"})
    assert both.headers["content-type"].startswith("text/turtle")
    browser = fixture_client.get("/id/theme/genba", headers={"accept": "text/html,application/json;q=0.9"})
    assert browser.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/id/theme/genba", "GET, HEAD, OPTIONS"),
        ("/", "GET, HEAD, OPTIONS"),
        ("/api/themes", "GET, HEAD, OPTIONS"),
        ("/sparql", "GET, HEAD, OPTIONS, POST"),
    ],
)
def test_allow_names_head_wherever_head_works(fixture_client: TestClient, path: str, allowed: str) -> None:
    options = fixture_client.options(path)
    assert options.status_code == 204 and options.headers["allow"] == allowed
    assert fixture_client.head(path).status_code == 200  # and it does work
    refused = fixture_client.delete(path)
    assert refused.status_code == 405 and refused.headers["allow"] == allowed
