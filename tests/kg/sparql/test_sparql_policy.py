"""The endpoint's policy decided on the parsed query: what is refused stays refused, however often it is sent."""

from __future__ import annotations

import pytest

from kg.sparql.policy import MalformedQuery, PolicyError, check_query

GRAPH = "https://w3id.org/qikg/graph/chat/2022-10-19"


def test_a_query_naming_a_graph_is_judged_against_the_graphs_held_each_time() -> None:
    query = f"SELECT * FROM <{GRAPH}> WHERE {{ ?s ?p ?o }} LIMIT 1"
    assert check_query(query, [GRAPH]).form == "SELECT"
    with pytest.raises(PolicyError):
        check_query(query, [])  # the same text, remembered as accepted, is refused once the graph is not held
    assert check_query(query, [GRAPH]).form == "SELECT"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "LOAD <http://example.org/data.ttl>",
        "SELECT * FROM <http://example.org/x> WHERE { ?s ?p ?o }",
    ],
)
def test_a_refused_query_is_refused_again_when_repeated(query: str) -> None:
    for _ in range(3):
        with pytest.raises(PolicyError):
            check_query(query, [GRAPH])


def test_a_query_that_does_not_parse_says_so_every_time() -> None:
    for _ in range(2):
        with pytest.raises(MalformedQuery):
            check_query("SELECT * WHERE { ?s ?p }", [GRAPH])
