"""The SPARQL endpoint: protocol, formats, read-only safety, time and row limits."""

from __future__ import annotations

import csv
import io
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_select_as_sparql_json_by_default(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    body = response.json()
    assert body["head"]["vars"] == ["s", "p", "o"] and len(body["results"]["bindings"]) == 5


@pytest.mark.parametrize(
    ("accept", "check"),
    [
        ("application/sparql-results+xml", lambda text: ET.fromstring(text).tag.endswith("sparql")),
        ("text/csv", lambda text: next(csv.reader(io.StringIO(text))) == ["s", "p", "o"]),
        (
            "text/tab-separated-values",
            lambda text: text.splitlines()[0] == "?s\t?p\t?o" and len(text.splitlines()) == 6,
        ),
    ],
)
def test_select_in_every_row_format(client: TestClient, accept: str, check) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    assert check(response.text)


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json"])
def test_construct_in_every_graph_format(client: TestClient, accept: str) -> None:
    from rdflib import Graph

    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}[accept]
    assert len(Graph().parse(data=response.text, format=fmt)) == 5


def test_ask_answers_a_boolean(client: TestClient) -> None:
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_post_as_sparql_query_and_as_form(client: TestClient) -> None:
    direct = client.post("/sparql", content=SELECT, headers={"content-type": "application/sparql-query"})
    form = client.post("/sparql", data={"query": SELECT})
    assert direct.status_code == form.status_code == 200
    assert direct.json() == form.json()


def test_a_format_nobody_offers_is_406(assert_error, client: TestClient) -> None:
    assert_error(client.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"}), 406)
    assert_error(client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/turtle"}), 406)


def test_without_a_query_the_service_description(client: TestClient) -> None:
    response = client.get("/sparql", headers={"accept": "text/turtle"})
    assert response.status_code == 200 and "sd:Service" in response.text and "sd:UnionDefaultGraph" in response.text


def test_a_browser_gets_the_query_page_with_examples_and_results(client: TestClient) -> None:
    page = client.get("/sparql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and "<textarea" in page.text and "<option value=" in page.text
    assert "http://" not in page.text.split("<textarea")[0].replace("http://www.w3.org", "")  # no external loads
    run = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/html"})
    assert run.status_code == 200 and run.text.count("<tr>") == 6


def test_malformed_query_is_400_with_the_parser_message(assert_error, client: TestClient) -> None:
    body = assert_error(client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"}), 400)
    assert "does not parse" in body["detail"] and "col" in body["detail"]


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP ALL",
        "LOAD <http://127.0.0.1:9/data.ttl>",
    ],
)
def test_updates_are_refused_and_change_nothing(assert_error, client: TestClient, update: str) -> None:
    before = client.get("/health").json()["triples"]
    assert "read-only" in assert_error(client.get("/sparql", params={"query": update}), 403)["detail"]
    assert_error(client.post("/sparql", data={"update": update}), 403)
    assert_error(client.post("/sparql", content=update, headers={"content-type": "application/sparql-update"}), 403)
    assert client.get("/health").json()["triples"] == before


def test_a_graph_of_ours_may_be_named_in_from(client: TestClient) -> None:
    graphs = client.get("/api/stats").json()["named_graphs"]
    query = f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> WHERE {{ ?s ?p ?o }}"
    assert client.get("/sparql", params={"query": query}).status_code == 200


def test_a_too_long_query_is_413(assert_error, client: TestClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000
    assert_error(client.get("/sparql", params={"query": query}), 413)


def test_the_row_limit_ends_a_huge_answer_with_a_clear_error(assert_error, fixture_client: TestClient) -> None:
    body = assert_error(fixture_client.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"}), 422)
    assert "more than 1000 rows" in body["detail"]


def test_a_runaway_query_is_stopped_while_health_stays_fast(assert_error, fixture_client: TestClient) -> None:
    fixture_client.get("/sparql", params={"query": "ASK {}"})  # the workers are up
    outcome: dict = {}

    def run() -> None:
        start = time.monotonic()
        outcome["response"] = fixture_client.get("/sparql", params={"query": RUNAWAY})
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run)
    thread.start()
    health_times = []
    time.sleep(0.2)
    while thread.is_alive():
        start = time.monotonic()
        assert fixture_client.get("/health").status_code == 200
        health_times.append(time.monotonic() - start)
        time.sleep(0.1)
    thread.join()
    body = assert_error(outcome["response"], 503)
    assert body["error"] == "query timeout"
    assert outcome["seconds"] < 1.5 + 1.0  # the limit (1.5 s in this app) plus scheduling slack
    assert health_times and max(health_times) < 0.5
    # the endpoint still answers after the worker was killed
    assert fixture_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_xss_in_data_is_escaped_on_the_query_page(fixture_client: TestClient) -> None:
    query = "SELECT ?t WHERE { ?s <https://w3id.org/qikg/ontology#text> ?t }"
    page = fixture_client.get("/sparql", params={"query": query}, headers={"accept": "text/html"}).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;quote&#39;)" in page
