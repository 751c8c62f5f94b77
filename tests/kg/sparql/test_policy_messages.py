"""Where a query does not parse, said in the user's own text (line and column as an editor counts them), and what
the grammar wanted there; a query file saved with a byte-order mark is the query without it."""

from __future__ import annotations

import pytest

from kg.sparql.policy import MalformedQuery, PolicyError, canonical_text, check_query

GRAPH = "https://w3id.org/qikg/graph/chat/2022-10-19"


def _refusal(query: str) -> str:
    with pytest.raises(MalformedQuery) as raised:
        check_query(query, [GRAPH])
    return str(raised.value)


@pytest.mark.parametrize(
    ("query", "line", "column", "near"),
    [
        ("SELEC * WHERE { ?s ?p ?o }", 1, 1, "SELEC"),  # the misspelt keyword, not 36 columns on
        ("SELECT * WHERE { ?s ?p }", 1, 18, "?s ?p }"),  # the pattern that is incomplete
        ("PREFIX ex: <http://example.org/>\n\nSELECT ?x\nWHERE { ?x ex:p ?y } LIMT 3", 4, 22, "LIMT 3"),
        ("\t\tSELEC *", 1, 3, "SELEC"),  # tabs are one column each, as in an editor (pyparsing counts 8)
        ("SELECT ?x WHERE {\r\n\t?x ?p ?y .\r\n\tFILTER( }", 3, 2, "FILTER"),  # CRLF lines
    ],
)
def test_a_syntax_error_is_placed_in_the_users_own_text(query: str, line: int, column: int, near: str) -> None:
    message = _refusal(query)
    assert f"line {line}, column {column}" in message
    assert f"at '{near}" in message
    assert "char" not in message  # no offset into a text the user never wrote


def test_a_syntax_error_says_what_was_expected_in_words() -> None:
    assert "expected a query form: SELECT, CONSTRUCT, DESCRIBE or ASK" in _refusal("SELEC * WHERE { ?s ?p ?o }")
    assert "the rest of a SELECT query" in _refusal("SELECT * WHERE { ?s ?p }")
    assert "the end of the query" in _refusal("SELECT * WHERE { ?s ?p ?o } LIMT 3")
    assert "SelectQuery" not in _refusal("SELECT * WHERE { ?s ?p }")  # the grammar's own names stay inside


def test_one_leading_byte_order_mark_is_not_part_of_the_query() -> None:
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    checked = check_query("\ufeff" + query, [GRAPH])
    assert checked.form == "SELECT" and checked.text == query == canonical_text("\ufeff" + query)
    _refusal("\ufeff\ufeff" + query)  # only one: a second is text of the query, which does not parse


def test_a_byte_order_mark_hides_nothing_from_the_check() -> None:
    with pytest.raises(PolicyError):
        check_query("\ufeffSELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", [GRAPH])
    with pytest.raises(PolicyError):
        check_query("\ufeffINSERT DATA { <urn:a> <urn:b> <urn:c> }", [GRAPH])
