"""Participants, found by handle in any case and through aliases."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_participant_by_handle_in_any_case_and_by_alias(client: TestClient) -> None:
    people = client.get("/api/participants", params={"limit": 500}).json()["items"]
    assert people
    for person in people[:20]:
        for needle in [person["handle"].upper(), "@" + person["handle"].lower(), *person["aliases"]]:
            response = client.get(f"/api/participants/{needle}")
            assert response.status_code == 200, needle
            assert response.json()["handle"] == person["handle"]


def test_a_participant_shows_quotes_resources_and_organisations(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/participants/dr_tester").json()
    assert body["handle"] == "DrTester" and body["matched_via"] == "alias"
    assert [q["id"] for q in body["quotes"]] == ["2022-10-19/1"]
    assert [r["id"] for r in body["resources_shared"]] == ["genba-walks"]
    assert [o["id"] for o in body["affiliations"]] == ["example-school"]
    assert [q["number"] for q in body["questions_answered"]] == [1]


def test_an_unknown_handle_is_404_with_suggestions(fixture_client: TestClient, assert_error) -> None:
    body = assert_error(fixture_client.get("/api/participants/DrTestor"), 404)
    assert "DrTester" in body["suggestions"]
