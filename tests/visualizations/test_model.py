"""What does the view draw? The projection of the graph into networkx, checked against plain SPARQL counts."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Dataset, Graph

from visualizations.model import as_graph, full_graph, narrower_closure, overview_graph, project

PREFIXES = """
PREFIX qi: <https://w3id.org/qikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def count(graph: Graph, where: str) -> int:
    rows = list(as_graph(graph).query(PREFIXES + f"SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE {{ {where} }}"))
    return int(rows[0][0])


def test_every_participant_organisation_theme_resource_question_and_quote_is_a_node(mini: Dataset) -> None:
    g = full_graph(mini)
    kinds = Counter(kind for _, kind in g.nodes(data="kind"))
    assert kinds["participant"] == count(mini, "?n a qi:Participant")
    assert kinds["organisation"] == count(mini, "?n a qi:Organisation")
    assert kinds["theme"] == count(mini, "?n a qi:Theme")
    assert kinds["resource"] == count(mini, "?n a qi:Resource")
    assert kinds["question"] == count(mini, "?n a qi:Question")
    assert kinds["quote"] == count(mini, "{ ?n a qi:Tweet } UNION { ?n a qi:Comment } UNION { ?n a qi:PullQuote }")
    assert g.number_of_nodes() == sum(kinds.values())


def test_a_lesson_is_a_theme_marked_as_lesson_and_an_organisation_account_is_a_participant(mini: Dataset) -> None:
    g = full_graph(mini)
    assert g.nodes["theme/cultural-readiness"]["kind"] == "theme"
    assert g.nodes["theme/cultural-readiness"]["lesson"] is True
    assert g.nodes["theme/genba"]["lesson"] is False
    assert g.nodes["participant/exampletrustqi"]["kind"] == "participant"


def test_edges_keep_the_datas_direction_and_relation_names(mini: Dataset) -> None:
    g = full_graph(mini)
    assert g.has_edge("quote/fixture-chat/1", "participant/alice_qi", key="saidBy")
    assert g.has_edge("theme/safety-huddles", "theme/huddles", key="broader")
    assert g.has_edge("resource/improvement-guide", "participant/carol_nhs", key="sharedBy")
    assert g.has_edge("participant/exampletrustqi", "organisation/example-trust", key="accountOf")
    total = len(
        list(
            as_graph(mini).query(
                PREFIXES
                + """
        SELECT ?s ?p ?o WHERE { ?s ?p ?o . VALUES ?p { qi:saidBy qi:answers qi:hasTheme qi:sharedBy
          qi:affiliatedWith qi:mentions skos:broader qi:askedBy qi:accountOf
          <http://www.w3.org/ns/org#subOrganizationOf> qi:sameAgentAs } }"""
            )
        )
    )
    assert g.number_of_edges() == total


def test_the_overview_folds_quotes_into_participant_theme_edges_weighted_by_count(mini: Dataset) -> None:
    ov = overview_graph(full_graph(mini))
    assert {k for _, k in ov.nodes(data="kind")} == {"participant", "organisation", "theme", "question"}
    expected = {}
    for author, theme, n in as_graph(mini).query(
        PREFIXES
        + """
            SELECT ?a ?t (COUNT(DISTINCT ?x) AS ?n) WHERE {
              { ?x qi:saidBy ?a } UNION { ?x qi:sharedBy ?a } ?x qi:hasTheme ?t } GROUP BY ?a ?t"""
    ):
        expected[(str(author).rsplit("id/", 1)[1], str(theme).rsplit("id/", 1)[1])] = int(n)
    found = {(s, t): w for s, t, k, w in ov.edges(keys=True, data="weight") if k == "discusses"}
    assert found == expected
    assert found[("participant/alice_qi", "theme/huddles")] == 1
    assert ov.number_of_nodes() == count(
        mini,
        "{ ?n a qi:Participant } UNION { ?n a qi:Organisation } UNION { ?n a qi:Theme } UNION { ?n a qi:Question }",
    )


def test_who_answered_which_question_is_kept_in_the_overview(mini: Dataset) -> None:
    ov = overview_graph(full_graph(mini))
    answered = {(s, t) for s, t, k in ov.edges(keys=True) if k == "answered"}
    assert ("participant/alice_qi", "question/fixture-chat/q2") in answered
    assert ("participant/dave_vmi", "question/fixture-chat/q1") not in answered


def test_narrower_themes_are_followed_transitively(mini: Dataset) -> None:
    g = full_graph(mini)
    assert narrower_closure(g, "theme/embed-qi-routines") == {
        "theme/embed-qi-routines",
        "theme/huddles",
        "theme/safety-huddles",
    }
    assert narrower_closure(g, "theme/genba") == {"theme/genba"}


def test_a_dataset_and_its_union_graph_give_the_same_view(mini: Dataset) -> None:
    union = as_graph(mini)
    a, b = full_graph(mini), full_graph(union)
    assert sorted(a.nodes) == sorted(b.nodes)
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown graph view mode"):
        project(Graph(), "everything")  # type: ignore[arg-type]
