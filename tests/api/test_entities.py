"""Linked data pages under /id/: HTML for browsers, RDF by Accept, links between entities."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def entity_paths(client: TestClient) -> list[str]:
    paths = [t["url"] for t in client.get("/api/themes", params={"flat": True, "limit": 5}).json()["items"]]
    paths += [r["url"] for r in client.get("/api/resources", params={"limit": 5}).json()["items"]]
    paths += [p["url"] for p in client.get("/api/participants", params={"limit": 5}).json()["items"]]
    paths += [q["url"] for q in client.get("/api/quotes", params={"limit": 5}).json()["items"]]
    return [p for p in paths if p]


@pytest.mark.parametrize(
    ("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt")]
)
def test_every_entity_dereferences_as_rdf(client: TestClient, accept: str, fmt: str) -> None:
    for path in entity_paths(client):
        response = client.get(path, headers={"accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        graph = Graph().parse(data=response.text, format=fmt)
        assert (URIRef("https://w3id.org/qikg" + path), None, None) in graph


def test_a_browser_gets_a_page_with_links_and_provenance(client: TestClient) -> None:
    for path in entity_paths(client):
        page = client.get(path, headers=BROWSER)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'href="/id/' in page.text or 'href="/ontology#' in page.text


def test_provenance_line_on_the_page(fixture_client: TestClient) -> None:
    page = fixture_client.get("/id/resource/genba-walks", headers=BROWSER).text
    assert "Fixture report" in page and "line 51" in page
    assert 'href="/id/participant/drtester"' in page


def test_xss_in_labels_is_escaped(fixture_client: TestClient) -> None:
    page = fixture_client.get("/id/theme/xss", headers=BROWSER).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    person = fixture_client.get("/id/participant/xss_user", headers=BROWSER).text
    assert "<img src=x" not in person


def test_unknown_entity_is_404_with_suggestions(fixture_client: TestClient, assert_error) -> None:
    body = assert_error(fixture_client.get("/id/theme/genbaa"), 404)
    assert "theme/genba" in body["suggestions"]
    assert_error(fixture_client.get("/id/theme/genba", headers={"accept": "image/png"}), 406)
