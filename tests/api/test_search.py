"""Ranked search across labels, titles and texts."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_title_ranks_its_resource_first(client: TestClient) -> None:
    resources = client.get("/api/resources", params={"limit": 500}).json()["items"]
    resource = next(r for r in resources if r["title"] and len(r["title"].split()) >= 3)
    hits = client.get("/api/search", params={"q": resource["title"]}).json()["items"]
    assert hits[0]["kind"] == "resource" and hits[0]["id"] == resource["id"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_quotes_themes_and_people(fixture_client: TestClient) -> None:
    kinds = {h["kind"] for h in fixture_client.get("/api/search", params={"q": "genba"}).json()["items"]}
    assert {"theme", "quote", "resource"} <= kinds
    people = fixture_client.get("/api/search", params={"q": "dana tester", "kind": "participant"}).json()
    assert people["items"][0]["id"] == "DrTester"


def test_search_needs_words(client: TestClient, assert_error) -> None:
    assert_error(client.get("/api/search", params={"q": "?!"}), 400)
    assert_error(client.get("/api/search"), 422)
