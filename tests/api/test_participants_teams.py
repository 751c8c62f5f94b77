"""A team's account (issue 15): the API and its page say it is a team's, with the person who speaks for it, and its
words stay the account's (the real seed graph: @KPOteam_SASH 'SASH+', spoken for on the panel by Sue Jenkins)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_team_account_names_who_speaks_for_it_and_is_no_person(client: TestClient) -> None:
    body = client.get("/api/participants/kpoteam_sash").json()
    assert body["organisation_account"] is True
    assert [s["name"] for s in body["spoken_for_by"]] == ["Sue Jenkins"]
    assert body["spoken_for_by"][0]["url"].endswith("/id/person/sue-jenkins")
    assert "Sue Jenkins" not in body["names"] and body["display_names"] == ["SASH+"]
    assert [o["label"] for o in body["account_of"]] == ["SASH+"]
    assert any("go to the genba" in q["text"] for q in body["quotes"])  # its words are the account's


def test_a_persons_own_account_has_nobody_speaking_for_it(client: TestClient) -> None:
    body = client.get("/api/participants/DrNicolaBurgess").json()
    assert body["organisation_account"] is False and body["spoken_for_by"] == []
    assert "Nicola Burgess" in body["names"]


def test_the_team_accounts_page_and_the_panel_show_the_speaker(client: TestClient) -> None:
    page = client.get("/id/participant/kpoteam_sash", headers={"Accept": "text/html"}).text
    assert "A team&#39;s or organisation&#39;s account" in page or "A team's or organisation's account" in page
    assert 'href="/id/person/sue-jenkins"' in page
    panel = client.get("/id/chat/2022-10-19", headers={"Accept": "text/html"}).text
    assert "spoken for by" in panel and "Sue Jenkins" in panel and "James Owen" in panel
    person = client.get("/id/person/sue-jenkins", headers={"Accept": "text/html"})
    assert person.status_code == 200 and "Sue Jenkins" in person.text
    assert ">person<" in person.text and "Speaks for" in person.text
    assert 'href="/id/participant/kpoteam_sash"' in person.text
