"""Quotes, braces, '} UNION {', newlines and very long input in every parameter: a clear 4xx or a normal
answer, never a 500, never data that was not asked for."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

PAYLOADS = [
    '"',
    "'",
    "\\",
    "{",
    "}",
    "} UNION { ?s ?p ?o }",
    '" } UNION { ?s ?p ?o } #',
    "?s",
    "<urn:x>",
    "genba\n} INSERT DATA { <a:b> <a:c> <a:d> }",
    "%00",
    "\u0000",
    "🙂",
    "x" * 600,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "SELECT * WHERE { ?s ?p ?o }",
]
QUERY_PARAMS = [
    ("/api/resources", "theme"),
    ("/api/resources", "q"),
    ("/api/resources", "shared_by"),
    ("/api/quotes", "theme"),
    ("/api/quotes", "author"),
    ("/api/quotes", "q"),
    ("/api/quotes", "chat"),
    ("/api/participants", "q"),
    ("/api/organisations", "q"),
    ("/api/organisations", "kind"),
    ("/api/questions", "chat"),
    ("/api/search", "q"),
    ("/api/themes", "flat"),
    ("/api/quotes", "question"),
    ("/api/resources", "limit"),
    ("/api/resources", "offset"),
    ("/sparql", "format"),
    ("/ontology", "format"),
]
PATHS = [
    "/api/themes/{}",
    "/api/resources/{}",
    "/api/participants/{}",
    "/api/organisations/{}",
    "/api/questions/{}",
    "/id/theme/{}",
    "/download/{}",
]


def _harmless(response, client: TestClient) -> None:
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        assert "error" in response.json()


@pytest.mark.parametrize(("path", "param"), QUERY_PARAMS)
def test_query_parameters(fixture_client: TestClient, path: str, param: str) -> None:
    before = fixture_client.get("/health").json()["triples"]
    for payload in PAYLOADS:
        response = fixture_client.get(path, params={param: payload})
        _harmless(response, fixture_client)
        if response.status_code == 200 and path.startswith("/api/") and param not in {"flat", "limit", "offset", "q"}:
            assert response.json()["total"] == 0, (param, payload)  # a value, never query text
    assert fixture_client.get("/health").json()["triples"] == before


@pytest.mark.parametrize("template", PATHS)
def test_path_parameters(fixture_client: TestClient, template: str) -> None:
    for payload in PAYLOADS:
        _harmless(fixture_client.get(template.format(quote(payload, safe=""))), fixture_client)
