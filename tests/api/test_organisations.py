"""Organisations and their participants."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_organisation_has_a_page_by_id_and_name(client: TestClient) -> None:
    orgs = client.get("/api/organisations", params={"limit": 500}).json()["items"]
    assert orgs
    for org in orgs[:15]:
        assert client.get(f"/api/organisations/{org['id']}").json()["id"] == org["id"]
        assert client.get(f"/api/organisations/{org['label'].lower()}").json()["id"] == org["id"]


def test_an_organisation_lists_its_people_and_accounts(fixture_client: TestClient, assert_error) -> None:
    body = fixture_client.get("/api/organisations/EHT").json()
    assert {(p["handle"], p["relation"]) for p in body["participants"]} == {
        ("ExampleTrustQI", "account"),
        ("QI_Nurse", "affiliated"),
    }
    assert "example-school" in [
        o["id"] for o in fixture_client.get("/api/organisations/example-university").json()["sub_organisations"]
    ]
    assert assert_error(fixture_client.get("/api/organisations/Example Universty Hospital"), 404)["suggestions"]
