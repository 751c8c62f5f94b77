"""A real uvicorn server on loopback: a real SPARQL client in every result format (schemathesis: test_contract)."""

from __future__ import annotations

import time

import httpx
import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.server

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 7"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 7"


def client(url: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{url}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


def test_select_as_json_and_xml(server_url: str) -> None:
    rows = client(server_url, SELECT, JSON).query().convert()["results"]["bindings"]
    assert len(rows) == 7
    document = client(server_url, SELECT, XML).query().convert()
    assert len(document.getElementsByTagName("result")) == 7


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_select_as_csv_and_tsv(server_url: str, fmt: str) -> None:
    text = client(server_url, SELECT, fmt).query().convert().decode()
    assert len(text.strip().splitlines()) == 8


def test_post_and_ask(server_url: str) -> None:
    assert len(client(server_url, SELECT, JSON, POST).query().convert()["results"]["bindings"]) == 7
    assert client(server_url, "ASK { ?s ?p ?o }", JSON).query().convert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD])
def test_construct_as_turtle_and_jsonld(server_url: str, fmt: str) -> None:
    result = client(server_url, CONSTRUCT, fmt).query().convert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(graph) == 7


def test_theme_lookup_latency_over_http(server_url: str) -> None:
    """Not a benchmark (bench/ is), but a guard: the theme lookup answers in well under 100 ms on loopback."""
    themes = httpx.get(f"{server_url}/api/themes", params={"flat": True}).json()["items"]
    with httpx.Client(base_url=server_url) as http:
        timings = []
        for theme in themes[:20] * 3:
            start = time.perf_counter()
            assert http.get("/api/resources", params={"theme": theme["id"]}).status_code == 200
            timings.append(time.perf_counter() - start)
    timings.sort()
    assert timings[len(timings) // 2] < 0.1
