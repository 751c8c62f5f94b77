"""Who connects whom: betweenness, brokerage, communities and bridges, on graphs whose answers are known, then on
the report's own network through the API."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.network import Fact, RankingRow, brokers, build, community_bridges, compare, organisation_links, ranked

P = "urn:p:"


def replies(*pairs: tuple[str, str], chat: str = "urn:chat:1") -> list[Fact]:
    return [Fact("reply", P + a, P + b, f"urn:quote:{a}-{b}-{i}", chat) for i, (a, b) in enumerate(pairs)]


def test_on_a_path_the_middle_person_bridges_most() -> None:
    people = build(replies(("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")), "people")
    assert ranked(people, "betweenness")[:3] == [P + "c", P + "b", P + "d"]
    assert people.betweenness[P + "c"] == pytest.approx(4 / 6)  # a-d, a-e, b-d, b-e of the 6 pairs around c
    assert people.betweenness[P + "a"] == 0


def test_the_centre_of_a_star_brokers_between_contacts_who_do_not_know_each_other() -> None:
    people = build(replies(*[("hub", leaf) for leaf in "abcde"]), "people")
    assert people.betweenness[P + "hub"] == pytest.approx(1.0)
    assert people.brokerage[P + "hub"] == pytest.approx(5.0)  # five contacts, none tied to another
    assert people.brokerage[P + "a"] == pytest.approx(1.0)
    assert ranked(people, "brokerage")[0] == P + "hub"


def test_two_cliques_joined_by_one_tie_are_two_communities_and_that_tie_is_the_bridge() -> None:
    left = [(a, b) for a, b in itertools.combinations(["l1", "l2", "l3", "l4"], 2)]
    right = [(a, b) for a, b in itertools.combinations(["r1", "r2", "r3", "r4"], 2)]
    people = build(replies(*left, *right, ("l4", "r1")), "people")
    assert sorted(map(sorted, people.communities)) == [[P + f"l{i}" for i in range(1, 5)],
                                                       [P + f"r{i}" for i in range(1, 5)]]
    crossing = community_bridges(people)
    assert [(sorted((a, b)), [t.evidence for t in ties]) for a, b, ties in crossing] == \
        [([P + "l4", P + "r1"], ["urn:quote:l4-r1-12"])]
    assert sorted(p for p, _ in brokers(people)) == [P + "l4", P + "r1"]
    assert {ranked(people, "betweenness")[0], ranked(people, "betweenness")[1]} == {P + "l4", P + "r1"}


def test_someone_who_only_answered_is_in_the_network_without_ties_or_community() -> None:
    facts = [*replies(("a", "b")), Fact("answer", P + "quiet", "urn:question:1", "urn:quote:q", "urn:chat:1")]
    people = build(facts, "people")
    assert people.isolated() == [P + "quiet"]
    assert people.community[P + "quiet"] is None


def test_co_answering_ties_people_only_when_asked_for() -> None:
    facts = [Fact("answer", P + name, "urn:question:1", f"urn:quote:{name}", "urn:chat:1") for name in "abc"]
    assert build(facts, "people").graph.number_of_edges() == 0
    joint = build(facts, "people", people_ties=["co-answer"])
    assert joint.graph.number_of_edges() == 3
    assert [t.evidence for t in joint.ties(P + "a", P + "b")] == ["urn:question:1"]


def test_one_chat_holds_its_own_ties_and_the_stated_affiliations_of_its_people() -> None:
    facts = [*replies(("a", "b"), chat="urn:chat:1"), *replies(("c", "d"), chat="urn:chat:2"),
             Fact("affiliation", P + "a", "urn:org:x"), Fact("affiliation", P + "c", "urn:org:y")]
    first = build(facts, "people", chat="urn:chat:1")
    assert set(first.graph) == {P + "a", P + "b"}
    orgs = build(facts, "organisations", chat="urn:chat:1")
    assert set(orgs.graph.edges) == {(P + "a", "urn:org:x")}


def test_a_person_tied_to_two_organisations_links_them_with_both_facts() -> None:
    facts = [Fact("affiliation", P + "a", "urn:org:x"), Fact("mentions-organisation", P + "a", "urn:org:y",
                                                            "urn:quote:1", "urn:chat:1"),
             Fact("affiliation", P + "b", "urn:org:x")]
    links = organisation_links(build(facts, "organisations"))
    assert len(links) == 1
    x, y, people = links[0]
    assert (x, y) == ("urn:org:x", "urn:org:y")
    assert [(p, t1.kind, t2.kind, t2.evidence) for p, t1, t2 in people] == \
        [(P + "a", "affiliation", "mentions-organisation", "urn:quote:1")]


def test_the_reports_ranking_is_compared_by_rank_correlation_and_disagreements() -> None:
    people = build(replies(*[("hub", leaf) for leaf in "abcd"], ("a", "x"), ("x", "y")), "people")
    rows = [RankingRow("urn:r", "Most active", "urn:chat:1", rank, P + who) for rank, who in
            enumerate(["hub", "a", "x", "b"], start=1)]
    found = compare(people, rows, "betweenness")[0]
    # betweenness: hub 12 pairs, a 8 (x and y to the rest), x 5, b none: the same order as the report's
    assert [(p, theirs, mine) for p, theirs, mine in found.rows] == [(P + "hub", 1, 1), (P + "a", 2, 2),
                                                                      (P + "x", 3, 3), (P + "b", 4, 4)]
    assert found.rho == pytest.approx(1.0) and found.disagreements == []
    reversed_rows = [RankingRow("urn:r", None, "urn:chat:1", 5 - r.rank, r.participant) for r in rows]
    assert compare(people, reversed_rows, "betweenness")[0].rho == pytest.approx(-1.0)


def test_people_the_report_ranks_but_the_network_barely_knows_are_disagreements() -> None:
    people = build(replies(*[("hub", leaf) for leaf in "abcdefgh"]), "people")
    rows = [RankingRow("urn:r", None, "urn:chat:1", 1, P + "h"), RankingRow("urn:r", None, "urn:chat:1", 2, P + "hub")]
    found = compare(people, rows, "betweenness")[0]
    assert P + "h" in found.disagreements  # ranked first by the report, ninth here


# --- the report's network, through the API -------------------------------------------------------------------------


def test_the_three_networks_say_what_makes_a_tie(client: TestClient) -> None:
    networks = {n["network"]: n for n in client.get("/api/network").json()}
    assert set(networks) == {"people", "organisations", "themes"}
    assert networks["people"]["ties_used"] == ["reply", "mention"]
    assert networks["people"]["nodes"] > networks["people"]["isolated"] > 0


def test_who_connects_organisations_matches_the_sparql_example(client: TestClient) -> None:
    """The people the API says link two organisations are those the SPARQL example finds (two implementations)."""
    example = client.get("/sparql", params={"query": open("api/queries/examples/07-who-connects-organisations.rq")
                                            .read()}, headers={"accept": "application/sparql-results+json"}).json()
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
    graph = nx.read_gexf(__import__("io").BytesIO(gexf.content))
    some = next(iter(graph.nodes(data=True)))[1]
    assert {"betweenness", "brokerage", "community", "kind"} <= set(some)
    graphml = client.get("/api/network/organisations/export", params={"format": "graphml"})
    assert nx.read_graphml(__import__("io").BytesIO(graphml.content)).number_of_nodes() > 0


def test_bad_choices_get_clear_errors(client: TestClient, assert_error) -> None:
    assert_error(client.get("/api/network/people", params={"ties": "gossip"}), 400)
    assert_error(client.get("/api/network/people", params={"chat": "1999-01-01"}), 404)
    assert_error(client.get("/api/network/people/nodes/nobody-at-all-xyz"), 404)
    assert client.get("/api/network/friends").status_code == 422
