"""Who connects whom in the report, through /api/network: each answer with the facts a reader can check."""

from __future__ import annotations

import html
import io
import itertools
import re
from urllib.parse import quote

import networkx as nx
import pytest
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


# --- what links two organisations ----------------------------------------------------------------------------------

QI = "PREFIX qi: <https://w3id.org/qikg/ontology#>\n"


def _ask(client: TestClient, query: str) -> bool:
    answer = client.get("/sparql", params={"query": QI + query}, headers={"accept": "application/sparql-results+json"})
    return answer.json()["boolean"]


def _trusts_with_people(client: TestClient) -> list[dict]:
    """The trusts the graph holds that someone is affiliated with (or that have an account), by name."""
    orgs = client.get("/api/organisations", params={"limit": 500}).json()["items"]
    trusts = [o for o in orgs if o.get("kind") == "trust"]
    return [
        t
        for t in sorted(trusts, key=lambda t: t["label"])
        if _ask(client, f"ASK {{ ?p qi:affiliatedWith|qi:accountOf <{t['iri']}> }}")
    ]


def test_which_ways_link_two_trusts_each_with_its_facts_and_lines(client: TestClient) -> None:
    """Which ways link Leeds Teaching Hospitals and Shrewsbury & Telford (or whichever trusts the graph holds)?"""
    trusts = _trusts_with_people(client)
    assert len(trusts) >= 2
    for first, second in itertools.combinations(trusts[:4], 2):
        answer = client.get(
            "/api/network/organisations/between", params={"first": first["label"].upper(), "second": second["id"]}
        ).json()
        assert (answer["first"]["iri"], answer["second"]["iri"]) == (first["iri"], second["iri"])
        assert answer["linked"] == bool(answer["ways"])
        kinds = [w["kind"] for w in answer["ways"]]
        order = ["part-of", "same-person", "conversation", "same-panel", "named-together", "path"]
        assert kinds == sorted(kinds, key=order.index)
        one_person = _ask(client, f"ASK {{ ?p qi:affiliatedWith <{first['iri']}>, <{second['iri']}> }}")
        assert ("same-person" in kinds) == one_person
        assert ("No one person is affiliated with both" in answer["summary"]) == (bool(kinds) and not one_person)
        for way in answer["ways"]:
            for fact in way["facts"] + [f for hop in way["hops"] for f in hop["facts"]]:
                assert fact["lines"] and all(line["url"].startswith("/report/") for line in fact["lines"])
            if way["kind"] == "same-panel":
                for fact in way["facts"]:
                    if fact["kind"] == "panel":
                        assert _ask(client, f"ASK {{ <{fact['by']['iri']}> qi:panelistOf ?chat }}")
            if way["kind"] == "path":
                assert len(way["hops"]) == len(way["people"]) - 1 == answer["path_length"] >= 2
        if not answer["ways"]:
            assert "Nothing in the report links" in answer["summary"]
            steps = answer["nearest"]
            assert [s["source"]["iri"] for s in steps[:1]] + [s["target"]["iri"] for s in steps] in (
                [],
                [first["iri"]] + [s["target"]["iri"] for s in steps[:-1]] + [second["iri"]],
            )
            assert all(s["facts"] and s["facts"][0]["lines"] for s in steps)


def test_the_panel_links_two_trusts_whose_people_sat_on_it(client: TestClient) -> None:
    """Two trusts whose people were both on a chat's panel are linked by that panel, whoever they are."""
    trusts = _trusts_with_people(client)
    on_panel = [
        t
        for t in trusts
        if _ask(client, f"ASK {{ ?p qi:affiliatedWith|qi:accountOf <{t['iri']}> ; qi:panelistOf ?chat }}")
    ]
    assert len(on_panel) >= 2
    first, second = on_panel[:2]
    answer = client.get(
        "/api/network/organisations/between", params={"first": first["id"], "second": second["label"]}
    ).json()
    assert "same-panel" in [w["kind"] for w in answer["ways"]]
    page = html.unescape(_page(client, f"/connections?first={first['id']}&second={second['id']}"))
    assert answer["summary"] in page
    assert all(w["about"] in page for w in answer["ways"])
    asked_from = html.unescape(_page(client, first["url"]))  # the organisation's own page asks the same question
    assert f'href="/connections?first={quote(first["label"])}#between"' in asked_from


def test_the_pairs_are_grouped_by_kind_and_trust_trust_says_none_when_no_one_links_two_trusts(
    client: TestClient,
) -> None:
    links = client.get("/api/network/organisations/links", params={"limit": 500}).json()["items"]
    page = html.unescape(_page(client, "/connections"))
    for group in {link["group"] for link in links}:
        assert f'id="kind-{group}"' in page
    if "trust–trust" not in {link["group"] for link in links}:
        assert "trust–trust: none of this kind" in re.sub(r"<[^>]+>", "", page)


def test_the_pairs_filtered_by_one_organisation(client: TestClient, assert_error) -> None:
    links = client.get("/api/network/organisations/links", params={"limit": 500}).json()["items"]
    chosen = links[0]["second"]
    only = client.get("/api/network/organisations/links", params={"organisation": chosen["label"].lower()}).json()
    assert only["total"] == sum(chosen["iri"] in (li["first"]["iri"], li["second"]["iri"]) for li in links) > 0
    assert all(chosen["iri"] in (li["first"]["iri"], li["second"]["iri"]) for li in only["items"])
    page = _page(client, f"/connections?organisation={chosen['id']}")
    assert all(f'href="{li["first"]["url"]}"' in page for li in only["items"])
    wrong = assert_error(
        client.get("/api/network/organisations/links", params={"organisation": chosen["label"][:-2] + "zz"}), 404
    )
    assert wrong["detail"].startswith("organisation:") and chosen["label"] in wrong["suggestions"]


def test_bad_pairs_get_errors_that_name_the_parameter(client: TestClient, assert_error) -> None:
    trust = _trusts_with_people(client)[0]
    between = "/api/network/organisations/between"
    assert assert_error(client.get(between, params={"first": "nowhere-xyz", "second": trust["id"]}), 404)[
        "detail"
    ].startswith("first:")
    assert "second" in str(assert_error(client.get(between, params={"first": trust["id"]}), 422))
    assert_error(client.get(between, params={"first": trust["id"], "second": trust["label"]}), 400)
    page = _page(client, f"/connections?first=nowhere-xyz&second={trust['id']}")
    assert "No organisation is called" in page


def test_when_nothing_links_two_organisations_the_nearest_chain_runs_from_one_to_the_other(client: TestClient) -> None:
    orgs = sorted(client.get("/api/organisations", params={"limit": 500}).json()["items"], key=lambda o: o["id"])
    chains = 0
    for first, second in itertools.combinations(orgs[:14], 2):
        answer = client.get(
            "/api/network/organisations/between", params={"first": first["id"], "second": second["id"]}
        ).json()
        if answer["ways"] or not answer["nearest"]:
            assert not (answer["ways"] and answer["nearest"])
            continue
        chains += 1
        chained = (first, second)
        steps = answer["nearest"]
        assert steps[0]["source"]["iri"] == first["iri"] and steps[-1]["target"]["iri"] == second["iri"]
        assert all(a["target"]["iri"] == b["source"]["iri"] for a, b in itertools.pairwise(steps))
        assert all(s["facts"][0]["lines"] for s in steps), steps  # every step is a fact of the report, with its line
        assert f"a chain of {len(steps)} steps" in answer["summary"]
    if chains:  # the page shows the chain too
        page = html.unescape(_page(client, f"/connections?first={chained[0]['id']}&second={chained[1]['id']}"))
        assert "The nearest link" in page


def test_every_chat_the_api_names_has_networks_even_one_only_announced(client: TestClient) -> None:
    """The report announces later chats (no one spoke in them yet): their networks are empty, never a fault."""
    unknown = client.get("/api/network/people/nodes", params={"chat": "no-such-chat"})
    assert unknown.status_code == 404
    chats = unknown.json()["detail"].split("the chats are ")[1].split(", ")
    assert len(chats) >= 2
    for chat in chats:
        for path in (
            "/api/network/people/nodes",
            "/api/network/organisations/nodes",
            "/api/network/themes/nodes",
            "/api/network/organisations/links",
            "/api/network/people/communities",
            "/api/network/people/bridges",
        ):
            response = client.get(path, params={"chat": chat})
            assert response.status_code == 200, (path, chat, response.text[:200])


def _holding(orgs: list[dict], word: str) -> list[str]:
    """The labels of the organisations whose id or one of whose names holds the word (any case)."""
    return sorted(
        (o["label"] for o in orgs if any(word in n.casefold() for n in [o["id"], o["label"], *o["alt_names"]])),
        key=str.casefold,
    )


def test_a_word_several_organisations_hold_is_ambiguous_and_names_them(client: TestClient, assert_error) -> None:
    """ "nhs" is in several names: the answer says which (by name, once each), not that nothing matches."""
    orgs = client.get("/api/organisations", params={"limit": 500}).json()["items"]
    holding = _holding(orgs, "nhs")
    assert len(holding) >= 2
    between = "/api/network/organisations/between"
    for params in ({"first": "NHS", "second": orgs[0]["id"]}, {"first": orgs[0]["id"], "second": "nhs"}):
        found = assert_error(client.get(between, params=params), 400)
        name = "first" if params["first"] == "NHS" else "second"
        assert found["error"] == "ambiguous organisation"
        assert found["suggestions"] == holding  # only those holding the word, by label, each once, no ids
        assert found["detail"].startswith(f"{name}: several organisations match ")
        assert ", ".join(holding) in found["detail"] and "did you mean" not in found["detail"]
    links = assert_error(client.get("/api/network/organisations/links", params={"organisation": "nhs"}), 400)
    assert links["suggestions"] == holding
    page = _page(client, f"/connections?first=nhs&second={quote(orgs[0]['id'])}")
    problem = re.search(r'<p class="problem".*?</p>', page)
    assert problem is not None
    said = html.unescape(re.sub(r"<[^>]+>", "", problem.group(0)))
    assert said == f"Several organisations match “nhs” (first): {', '.join(holding)}: choose one."
    for label in holding:  # each a link that asks again with that organisation
        assert f'href="/connections?first={quote(label)}&amp;second={quote(orgs[0]["id"])}#between"' in page


def test_words_of_an_organisation_are_whole_words_or_their_starts_never_inside_a_word(
    client: TestClient, assert_error
) -> None:
    """'telf' finds Shrewsbury & Telford (the start of a word); 'elford' is inside 'Telford' and finds nothing."""
    orgs = client.get("/api/organisations", params={"limit": 500}).json()["items"]
    other = orgs[0]["id"]
    between = "/api/network/organisations/between"
    for org in orgs:
        words = [w for w in re.findall(r"[a-z]+", org["label"].casefold()) if len(w) >= 6]
        for word in words:
            inside = word[2:]
            if any(inside in w for o in orgs for w in re.findall(r"[a-z]+", o["label"].casefold()) if w != word):
                continue  # the inner letters start or make another organisation's word
            wrong = assert_error(client.get(between, params={"first": inside, "second": other}), 404)
            assert wrong["error"] == "unknown organisation", (inside, wrong)
            return
    pytest.fail("no organisation label with a long word")


def test_an_unknown_organisation_keeps_did_you_mean_by_name_once(client: TestClient, assert_error) -> None:
    orgs = client.get("/api/organisations", params={"limit": 500}).json()["items"]
    ids = {o["id"] for o in orgs} - {o["label"] for o in orgs}
    for org in orgs:
        misspelt = org["label"][:-2] + "zq"
        if _holding(orgs, misspelt.casefold()):
            continue
        wrong = assert_error(
            client.get("/api/network/organisations/between", params={"first": misspelt, "second": org["id"]}), 404
        )
        assert wrong["error"] == "unknown organisation" and "did you mean: " in wrong["detail"]
        assert org["label"] in wrong["suggestions"], (misspelt, wrong)
        assert len(set(wrong["suggestions"])) == len(wrong["suggestions"]) and not ids & set(wrong["suggestions"])
