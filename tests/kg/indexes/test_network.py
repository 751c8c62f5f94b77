"""Who connects whom, on graphs whose answers are known: betweenness, brokerage, communities, bridges, rankings."""

from __future__ import annotations

import itertools

import pytest

from kg.indexes.network import Fact, RankingRow, brokers, build, community_bridges, compare, organisation_links, ranked

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
    assert sorted(map(sorted, people.communities)) == [
        [P + f"l{i}" for i in range(1, 5)],
        [P + f"r{i}" for i in range(1, 5)],
    ]
    crossing = community_bridges(people)
    assert [(sorted((a, b)), [t.evidence for t in ties]) for a, b, ties in crossing] == [
        ([P + "l4", P + "r1"], ["urn:quote:l4-r1-12"])
    ]
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
    facts = [
        *replies(("a", "b"), chat="urn:chat:1"),
        *replies(("c", "d"), chat="urn:chat:2"),
        Fact("affiliation", P + "a", "urn:org:x"),
        Fact("affiliation", P + "c", "urn:org:y"),
    ]
    first = build(facts, "people", chat="urn:chat:1")
    assert set(first.graph) == {P + "a", P + "b"}
    orgs = build(facts, "organisations", chat="urn:chat:1")
    assert set(orgs.graph.edges) == {(P + "a", "urn:org:x")}


def test_a_person_tied_to_two_organisations_links_them_with_both_facts() -> None:
    facts = [
        Fact("affiliation", P + "a", "urn:org:x"),
        Fact("mentions-organisation", P + "a", "urn:org:y", "urn:quote:1", "urn:chat:1"),
        Fact("affiliation", P + "b", "urn:org:x"),
    ]
    links = organisation_links(build(facts, "organisations"))
    assert len(links) == 1
    x, y, people = links[0]
    assert (x, y) == ("urn:org:x", "urn:org:y")
    assert [(p, t1.kind, t2.kind, t2.evidence) for p, t1, t2 in people] == [
        (P + "a", "affiliation", "mentions-organisation", "urn:quote:1")
    ]


def test_the_reports_ranking_is_compared_by_rank_correlation_and_disagreements() -> None:
    people = build(replies(*[("hub", leaf) for leaf in "abcd"], ("a", "x"), ("x", "y")), "people")
    rows = [
        RankingRow("urn:r", "Most active", "urn:chat:1", rank, P + who)
        for rank, who in enumerate(["hub", "a", "x", "b"], start=1)
    ]
    found = compare(people, rows, "betweenness")[0]
    # betweenness: hub 12 pairs, a 8 (x and y to the rest), x 5, b none: the same order as the report's
    assert [(p, theirs, mine) for p, theirs, mine in found.rows] == [
        (P + "hub", 1, 1),
        (P + "a", 2, 2),
        (P + "x", 3, 3),
        (P + "b", 4, 4),
    ]
    assert found.rho == pytest.approx(1.0) and found.disagreements == []
    reversed_rows = [RankingRow("urn:r", None, "urn:chat:1", 5 - r.rank, r.participant) for r in rows]
    assert compare(people, reversed_rows, "betweenness")[0].rho == pytest.approx(-1.0)


def test_people_the_report_ranks_but_the_network_barely_knows_are_disagreements() -> None:
    people = build(replies(*[("hub", leaf) for leaf in "abcdefgh"]), "people")
    rows = [RankingRow("urn:r", None, "urn:chat:1", 1, P + "h"), RankingRow("urn:r", None, "urn:chat:1", 2, P + "hub")]
    found = compare(people, rows, "betweenness")[0]
    assert found.report_only == [P + "h"]  # ranked first by the report, ninth here
    assert found.network_only == []  # our second, a leaf, bridges nothing: no reason to list it
    alone = compare(people, [RankingRow("urn:r2", None, "urn:chat:1", 1, P + "h")], "betweenness")[0]
    assert alone.network_only == [P + "hub"]  # the one bridge of the star, missing from that list


def test_the_answer_does_not_depend_on_the_order_the_store_returns_facts_in() -> None:
    """Louvain's communities depend on the order nodes are added; two back-ends give rows in different orders."""
    left = [(a, b) for a, b in itertools.combinations(["l1", "l2", "l3"], 2)]
    right = [(a, b) for a, b in itertools.combinations(["r1", "r2", "r3"], 2)]
    facts = replies(*left, *right, ("l3", "r1"), ("r3", "x"), ("x", "y"), ("y", "l1"))
    forwards, backwards = build(facts, "people"), build(list(reversed(facts)), "people")
    assert forwards.communities == backwards.communities
    assert forwards.betweenness == backwards.betweenness


# --- what links two organisations ----------------------------------------------------------------------------------

ORG = "urn:org:"


def _between(facts: list[Fact], context: list[Fact], first: str, second: str):
    from kg.indexes.network import between

    return between(build(facts, "people"), build(facts, "organisations"), context, ORG + first, ORG + second)


def test_which_ways_link_two_organisations_strongest_first() -> None:
    facts = [
        Fact("affiliation", P + "ann", ORG + "x"),
        Fact("affiliation", P + "ann", ORG + "y"),  # one person of both
        Fact("affiliation", P + "bob", ORG + "x"),
        Fact("affiliation", P + "cat", ORG + "y"),
        *replies(("bob", "cat")),  # their people talk
        Fact("affiliation", P + "dan", ORG + "x"),
        Fact("affiliation", P + "eve", ORG + "y"),
        *replies(("dan", "mid"), ("mid", "eve")),  # two steps through someone of neither
    ]
    context = [
        Fact("panel", P + "bob", "urn:chat:1", None, "urn:chat:1"),
        Fact("panel", P + "eve", "urn:chat:1", None, "urn:chat:1"),
        Fact("named", "urn:quote:9", ORG + "x", "urn:quote:9", "urn:chat:1"),
        Fact("named", "urn:quote:9", ORG + "y", "urn:quote:9", "urn:chat:1"),
    ]
    found = _between(facts, context, "x", "y")
    assert [w.kind for w in found.ways] == ["same-person", "conversation", "same-panel", "named-together"]
    assert found.ways[0].people == (P + "ann",)
    assert found.ways[1].people == (P + "bob", P + "cat") and found.ways[1].facts[0].evidence == "urn:quote:bob-cat-0"
    assert set(found.ways[2].people) == {P + "bob", P + "eve"}
    assert found.path_length == 1  # bob and cat reply to each other: no longer path is listed


def test_a_path_through_someone_of_neither_is_listed_with_its_people() -> None:
    facts = [
        Fact("affiliation", P + "dan", ORG + "x"),
        Fact("affiliation", P + "eve", ORG + "y"),
        *replies(("dan", "mid"), ("mid", "eve")),
    ]
    found = _between(facts, [], "x", "y")
    assert [(w.kind, w.people) for w in found.ways] == [("path", (P + "dan", P + "mid", P + "eve"))]
    assert [hop[:2] for hop in found.ways[0].hops] == [(P + "dan", P + "mid"), (P + "mid", P + "eve")]
    assert found.path_length == 2


def test_when_nothing_links_them_the_answer_says_so_and_names_the_nearest_chain() -> None:
    facts = [
        Fact("affiliation", P + "dan", ORG + "x"),
        Fact("mentions-organisation", P + "dan", ORG + "z", "urn:quote:1", "urn:chat:1"),
        Fact("affiliation", P + "eve", ORG + "z"),
        Fact("affiliation", P + "eve", ORG + "y"),
    ]
    found = _between(facts, [], "x", "y")
    assert found.ways == []
    assert [(u, v, t.kind) for u, v, t in found.nearest] == [
        (ORG + "x", P + "dan", "affiliation"),
        (P + "dan", ORG + "z", "mentions-organisation"),
        (ORG + "z", P + "eve", "affiliation"),
        (P + "eve", ORG + "y", "affiliation"),
    ]
    assert found.nearest[1][2].evidence == "urn:quote:1"
    alone = _between([*facts, Fact("affiliation", P + "zed", ORG + "w")], [], "x", "w")
    assert alone.ways == [] and alone.nearest == []


def test_a_teams_account_affiliated_with_a_trust_links_the_team_and_the_trust_but_is_no_second_panellist() -> None:
    facts = [
        Fact("account", P + "teamaccount", ORG + "team"),
        Fact("affiliation", P + "teamaccount", ORG + "trust"),
        *replies(("teamaccount", "someone")),
    ]
    panel = [Fact("panel", P + "teamaccount", "urn:chat:1", None, "urn:chat:1")]
    found = _between(facts, panel, "team", "trust")
    assert [(w.kind, w.people) for w in found.ways] == [("account", (P + "teamaccount",))]
