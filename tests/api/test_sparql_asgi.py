"""`/sparql` without FastAPI's routing answers exactly as the FastAPI routes do: status, headers and body, for every
kind of request a client sends (the formats, the page, the service description, each refusal and limit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from api.http import is_conditional
from api.main import create_app
from api.routes.sparql_asgi import SparqlEndpoint

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
ALL_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
FORM = {"content-type": "application/x-www-form-urlencoded"}

# (what the request is, method, query string, headers, body)
REQUESTS: list[tuple[str, str, Any, dict[str, str], bytes | None]] = [
    ("select as SPARQL JSON", "GET", {"query": SELECT}, {}, None),
    *[
        (f"select as {accept}", "GET", {"query": SELECT}, {"accept": accept}, None)
        for accept in ("application/sparql-results+xml", "text/csv", "text/tab-separated-values", "application/json")
    ],
    ("select, format=csv", "GET", {"query": SELECT, "format": "csv"}, {}, None),
    ("select, format=xml twice", "GET", [("query", SELECT), ("format", "xml"), ("format", "text/csv")], {}, None),
    ("an unknown format", "GET", {"query": SELECT, "format": "pdf"}, {}, None),
    ("a format longer than the schema allows", "GET", {"query": SELECT, "format": "x" * 201}, {}, None),
    *[
        (f"construct as {accept}", "GET", {"query": CONSTRUCT}, {"accept": accept}, None)
        for accept in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
    ],
    ("ask", "GET", {"query": "ASK { ?s ?p ?o }"}, {}, None),
    ("ask as XML", "GET", {"query": "ASK { ?s ?p ?o }"}, {"accept": "application/sparql-results+xml"}, None),
    ("describe", "GET", {"query": "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1"}, {"accept": "text/turtle"}, None),
    ("the service description", "GET", None, {"accept": "text/turtle"}, None),
    ("the service description as JSON-LD", "GET", {"query": ""}, {"accept": "application/ld+json"}, None),
    ("the query page", "GET", None, {"accept": HTML}, None),
    ("no query, a format nobody offers", "GET", None, {"accept": "image/png"}, None),
    ("a query run on the page", "GET", {"query": SELECT}, {"accept": HTML}, None),
    ("a malformed query", "GET", {"query": "SELECT ?x WHERE { ?x ?y }"}, {}, None),
    ("a malformed query on the page", "GET", {"query": "SELECT ?x WHERE { ?x ?y }"}, {"accept": HTML}, None),
    ("an update as the query", "GET", {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, {}, None),
    ("an update parameter", "GET", {"update": "CLEAR ALL"}, {}, None),
    ("SERVICE", "GET", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, {}, None),
    ("FROM a graph not held", "GET", {"query": "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"}, {}, None),
    ("the query given twice", "GET", [("query", SELECT), ("query", SELECT)], {}, None),
    ("a dataset IRI that is not one", "GET", {"query": SELECT, "default-graph-uri": "not an iri"}, {}, None),
    ("a dataset of a graph not held", "GET", {"query": SELECT, "named-graph-uri": "http://127.0.0.1:9/g"}, {}, None),
    ("rows in a graph format", "GET", {"query": SELECT}, {"accept": "text/turtle"}, None),
    ("a format nobody offers", "GET", {"query": SELECT}, {"accept": "image/png"}, None),
    ("a too long query", "GET", {"query": "ASK {} #" + "x" * 30_000}, {}, None),
    ("more rows than the limit", "GET", {"query": ALL_ROWS}, {}, None),
    ("more rows than the limit, on the page", "GET", {"query": ALL_ROWS}, {"accept": HTML}, None),
    ("an escape that is not UTF-8", "GET", b"query=%ff", {}, None),
    ("a cross-origin request", "GET", {"query": SELECT}, {"origin": "http://elsewhere.example"}, None),
    (
        "a cross-origin request with a cookie",
        "GET",
        {"query": SELECT},
        {"origin": "http://x.example", "cookie": "a=b"},
        None,
    ),  # noqa: E501
    ("a cross-origin POST", "POST", None, {**FORM, "origin": "http://x.example"}, b"query=ASK+%7B%7D"),
    ("a cross-origin HEAD", "HEAD", {"query": SELECT}, {"origin": "http://x.example"}, None),
    ("a cross-origin refusal", "GET", {"update": "CLEAR ALL"}, {"origin": "http://x.example"}, None),
    ("a cross-origin escape that is not UTF-8", "GET", b"query=%C3%28", {"origin": "http://x.example"}, None),
    ("HEAD of the query page", "HEAD", None, {"accept": HTML}, None),
    ("HEAD of a refusal", "HEAD", {"query": "SELECT ?x WHERE { ?x ?y }"}, {}, None),
    ("POST application/sparql-query", "POST", None, {"content-type": "application/sparql-query"}, SELECT.encode()),
    (
        "POST a query as the body and in the URL",
        "POST",
        {"query": SELECT},
        {"content-type": "application/sparql-query"},
        SELECT.encode(),
    ),  # noqa: E501
    ("POST a form", "POST", None, FORM, b"query=" + SELECT.replace(" ", "+").encode()),
    ("POST a form with format=tsv in the URL", "POST", {"format": "tsv"}, FORM, b"query=" + SELECT.encode()),
    ("POST a form with an update", "POST", None, FORM, b"update=CLEAR+ALL"),
    ("POST a form without a query", "POST", None, {**FORM, "accept": "text/turtle"}, b"format=turtle"),
    ("POST a form whose escapes are not UTF-8", "POST", None, FORM, b"query=%ff"),
    ("POST a body that is not UTF-8", "POST", None, {"content-type": "application/sparql-query"}, b"ASK {} \xff"),
    ("POST application/sparql-update", "POST", None, {"content-type": "application/sparql-update"}, b"CLEAR ALL"),
    ("POST text/plain", "POST", None, {"content-type": "text/plain"}, b"ASK {}"),
    ("POST too large a body", "POST", None, {"content-type": "application/sparql-query"}, b"#" * 200_000),
    ("HEAD", "HEAD", {"query": SELECT}, {}, None),
    ("OPTIONS", "OPTIONS", None, {}, None),
    (
        "a CORS preflight",
        "OPTIONS",
        None,
        {"origin": "http://x.example", "access-control-request-method": "POST"},
        None,
    ),
    ("PUT", "PUT", None, {}, b"x"),
    ("a path beside it", "GET", None, {}, None),
    ("a runaway query", "GET", {"query": RUNAWAY}, {}, None),
]
VARYING = {"date", "server"}
GRAPH_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}


@pytest.fixture(scope="module")
def clients(fixture_dir: Path, app_settings) -> Iterator[tuple[TestClient, TestClient]]:
    """The app as served (with the ASGI fast path), and the same app without it (FastAPI's routes answer)."""
    fast = create_app(app_settings(fixture_dir, "oxigraph", "asgi-fast", query_timeout=1.5, row_limit=5))
    routed = create_app(app_settings(fixture_dir, "oxigraph", "asgi-routed", query_timeout=1.5, row_limit=5))
    routed.user_middleware = [m for m in routed.user_middleware if m.cls is not SparqlEndpoint]
    with TestClient(fast) as a, TestClient(routed) as b:
        yield a, b


def _send(client: TestClient, method: str, params: Any, headers: dict[str, str], body: bytes | None, path: str):
    url = path + ("?" + params.decode() if isinstance(params, bytes) else "")
    return client.request(
        method, url, params=None if isinstance(params, bytes) else params, headers=headers, content=body
    )


def test_the_fast_path_stands_in_front_of_our_middlewares(clients: tuple[TestClient, TestClient]) -> None:
    fast, _ = clients
    assert fast.app.user_middleware[0].cls is SparqlEndpoint  # type: ignore[attr-defined]
    # what it adds in their place holds for /sparql only because no answer of it is conditional or Last-Modified
    assert not is_conditional("/sparql") and not is_conditional("/sparql/")


@pytest.mark.parametrize(("what", "method", "params", "headers", "body"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_answers_as_the_routes_do(
    clients: tuple[TestClient, TestClient], what: str, method: str, params: Any, headers: dict, body: bytes | None
) -> None:
    path = "/sparql/" if what == "a path beside it" else "/sparql"
    fast, routed = (_send(c, method, params, headers, body, path) for c in clients)
    assert fast.status_code == routed.status_code, fast.text[:300]
    assert sorted((k, v) for k, v in fast.headers.multi_items() if k not in VARYING) == sorted(
        (k, v) for k, v in routed.headers.multi_items() if k not in VARYING
    )
    media = fast.headers.get("content-type", "").split(";")[0]
    if fast.content != routed.content and media in GRAPH_FORMATS:  # the service description's blank nodes
        parse = GRAPH_FORMATS[media]
        assert isomorphic(Graph().parse(data=fast.text, format=parse), Graph().parse(data=routed.text, format=parse))
    else:
        assert fast.content == routed.content
