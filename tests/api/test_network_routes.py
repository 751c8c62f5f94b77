"""Who connects whom in the report, through /api/network: each answer with the facts a reader can check."""

from __future__ import annotations

import html
import io

import networkx as nx
from fastapi.testclient import TestClient


def test_the_three_networks_say_what_makes_a_tie(client: TestClient) -> None:
    networks = {n["network"]: n for n in client.get("/api/network").json()}
    assert set(networks) == {"people", "organisations", "themes"}
    assert networks["people"]["ties_used"] == ["reply", "mention"]
    assert networks["people"]["nodes"] > networks["people"]["isolated"] > 0


def test_who_connects_organisations_matches_the_sparql_example(client: TestClient) -> None:
    """The people the API says link two organisations are those the SPARQL example finds (two implementations)."""
    example = client.get(
        "/sparql",
        params={"query": open("api/queries/examples/07-who-connects-organisations.rq").read()},
        headers={"accept": "application/sparql-results+json"},
    ).json()
    expected = {b["handle"]["value"] for b in example["results"]["bindings"]}
    links = client.get("/api/network/organisations/links", params={"limit": 500}).json()
    found = {p["person"]["id"] for link in links["items"] for p in link["people"]}
    assert expected and found == expected
    for link in links["items"]:
        for person in link["people"]:
            assert person["first"]["kind"] in ("affiliation", "account", "mentions-organisation")
            if person["second"]["kind"] == "mentions-organisation":
                assert person["second"]["url"].startswith("/id/quote/")


def test_every_tie_of_a_person_comes_with_the_quotes_that_make_it(client: TestClient) -> None:
    top = client.get("/api/network/people/nodes", params={"limit": 1}).json()["items"][0]
    detail = client.get(f"/api/network/people/nodes/{top['id'].upper()}").json()
    assert detail["node"]["iri"] == top["iri"] and detail["rank"]["betweenness"] == 1
    assert len(detail["neighbours"]) == top["degree"]
    quotes = {q["iri"] for q in client.get("/api/quotes", params={"limit": 500}).json()["items"]}
    for neighbour in detail["neighbours"]:
        assert neighbour["evidence"] and all(e["kind"] in ("reply", "mention") for e in neighbour["evidence"])
        for evidence in neighbour["evidence"]:
            assert evidence["iri"] in quotes


def test_bridges_name_the_communities_each_broker_reaches(client: TestClient) -> None:
    bridges = client.get("/api/network/people/bridges").json()
    assert bridges["total"] > 0
    for broker in bridges["items"]:
        own = broker["node"]["community"]
        assert broker["reaches"] and own not in broker["reaches"]
        assert {t["other"]["community"] for t in broker["ties"]} == set(broker["reaches"])


def test_the_chats_rankings_sit_beside_ours_with_a_correlation(client: TestClient) -> None:
    compared = client.get("/api/network/compare", params={"chat": "2022-10-19"}).json()
    labels = {c["label"] for c in compared["items"]}
    assert {"Most active accounts", "Most original tweets", "Highest impact accounts"} <= labels
    for comparison in compared["items"]:
        assert [r["report_rank"] for r in comparison["rows"]] == sorted(r["report_rank"] for r in comparison["rows"])
        assert comparison["rho"] is None or -1 <= comparison["rho"] <= 1


def test_communities_cover_every_tied_node_once(client: TestClient) -> None:
    summary = client.get("/api/network/themes").json()
    communities = client.get("/api/network/themes/communities", params={"limit": 500}).json()
    members = [m["iri"] for c in communities["items"] for m in c["members"]]
    assert len(members) == len(set(members)) == summary["nodes"] - summary["isolated"]


def test_the_network_opens_in_gephi_formats_with_its_measures(client: TestClient) -> None:
    gexf = client.get("/api/network/people/export", params={"format": "gexf"})
    assert gexf.status_code == 200 and gexf.headers["content-type"].startswith("application/gexf+xml")
    graph = nx.read_gexf(io.BytesIO(gexf.content))
    some = next(iter(graph.nodes(data=True)))[1]
    assert {"betweenness", "brokerage", "community", "kind"} <= set(some)
    graphml = client.get("/api/network/organisations/export", params={"format": "graphml"})
    assert nx.read_graphml(io.BytesIO(graphml.content)).number_of_nodes() > 0


def test_bad_choices_get_clear_errors(client: TestClient, assert_error) -> None:
    assert "query.ties" in str(assert_error(client.get("/api/network/people", params={"ties": "gossip"}), 422))
    assert_error(client.get("/api/network/people", params={"chat": "1999-01-01"}), 404)
    assert_error(client.get("/api/network/people/nodes/nobody-at-all-xyz"), 404)
    assert client.get("/api/network/friends").status_code == 422


# --- the same figures on the pages people read ---------------------------------------------------------------------


def _page(client: TestClient, path: str) -> str:
    response = client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_a_persons_page_says_where_they_stand_in_the_people_network(client: TestClient) -> None:
    top = client.get("/api/network/people/nodes", params={"limit": 1}).json()
    person = top["items"][0]
    html = _page(client, person["url"])
    assert "Who connects whom" in html
    assert f"1 of {top['total']} people" in html
    detail = client.get(f"/api/network/people/nodes/{person['id']}").json()
    for neighbour in detail["neighbours"][:3]:
        assert f'href="{neighbour["node"]["url"]}"' in html


def test_the_chat_page_sets_the_reports_rankings_beside_the_network(client: TestClient) -> None:
    compared = client.get("/api/network/compare", params={"chat": "2022-10-19"}).json()
    text = html.unescape(_page(client, "/id/chat/2022-10-19"))
    for comparison in compared["items"]:
        assert f"{comparison['label']}: the report beside the network" in text
        if comparison["rho"] is not None:
            assert f"rank correlation over these {len(comparison['rows'])}: {comparison['rho']:.2f}" in text
        for person in comparison["network_only"]:
            assert person["id"] not in {r["participant"]["id"] for r in comparison["rows"] if r["participant"]}


def test_an_organisations_page_names_the_organisations_linked_to_it_and_through_whom(client: TestClient) -> None:
    links = client.get("/api/network/organisations/links", params={"limit": 500}).json()["items"]
    link = links[0]
    html = _page(client, link["first"]["url"])
    assert "Organisations it is linked to through one person" in html
    assert f'href="{link["second"]["url"]}"' in html
    assert all(f'href="{p["person"]["url"]}"' in html for p in link["people"])


def test_a_themes_page_says_who_talks_about_it_most(client: TestClient) -> None:
    detail = client.get("/api/network/themes/nodes/golden-thread").json()
    html = _page(client, "/id/theme/golden-thread")
    assert "Who talks about it most" in html
    strongest = detail["neighbours"][0]
    assert f'href="{strongest["node"]["url"]}"' in html


def test_a_person_with_no_handle_is_named_as_the_panel_names_them(client: TestClient) -> None:
    """Who speaks for a team's account on the panel has no handle of their own: the network, its look-up and the
    organisation's page name them ("Sue Jenkins"), never as a made-up @handle from their IRI."""
    nodes = client.get("/api/network/organisations/nodes", params={"limit": 500}).json()["items"]
    people = [n for n in nodes if n["kind"] == "participant" and "/id/person/" in (n["url"] or "")]
    assert people, "the panel's people with no handle (speakers for team accounts) are tied to their organisations"
    for person in people:
        assert not person["label"].startswith("@") and person["label"] != person["id"], person
        response = client.get(f"/api/network/organisations/nodes/{person['id']}")
        assert response.status_code == 200, response.text[:300]
        assert client.get(f"/api/network/organisations/nodes/{person['label']}").json()["node"]["iri"] == person["iri"]
        for neighbour in response.json()["neighbours"]:
            page = html.unescape(_page(client, neighbour["node"]["url"]))
            assert f'<a href="{person["url"]}">{person["label"]}</a>' in page
            assert f">@{person['id']}<" not in page
