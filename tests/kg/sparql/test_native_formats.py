"""Does an answer the query worker writes from the engine's own terms read exactly as the rdflib path writes it?

The embedded store's workers encode SELECT and ASK answers themselves (kg/sparql/formats.encode_native); clients
must not be able to tell: the same bytes in JSON, XML and CSV, the same row limit and the same byte budget.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.sparql import formats as fmt
from kg.store import AnswerTooLarge, RowLimitExceeded
from kg.store.base import Deadline
from kg.store.convert import from_ox_result

EX = "http://example.org/"
DATA = f"""
<{EX}a> <{EX}name> "Ann & <Bob> \\"quoted\\"\\nnew line, comma" .
<{EX}a> <{EX}label> "Straße"@de-DE .
<{EX}a> <{EX}age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{EX}a> <{EX}knows> _:b1 .
_:b1 <{EX}name> "plain" .
<{EX}c> <{EX}when> "2022-10-19"^^<http://www.w3.org/2001/XMLSchema#date> .
<{EX}c> <{EX}note> "emoji 🙂 and tab\\t" .
<{EX}c%20d> <{EX}name> "x"@en .
"""

QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    f"SELECT ?s ?n ?missing WHERE {{ ?s ?p ?o OPTIONAL {{ ?s <{EX}name> ?n }} }} ORDER BY ?s ?p",
    "SELECT (COUNT(*) AS ?n) (GROUP_CONCAT(STR(?o); separator='|') AS ?all) WHERE { ?s ?p ?o }",
    f"SELECT ?x WHERE {{ ?x <{EX}nothing> ?y }}",
    f"ASK {{ <{EX}a> <{EX}knows> ?x }}",
    f"ASK {{ <{EX}a> <{EX}nothing> ?x }}",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(DATA.encode(), format=ox.RdfFormat.N_TRIPLES)
    return s


@pytest.mark.parametrize("media", fmt.NATIVE_FORMATS)
@pytest.mark.parametrize("query", QUERIES)
def test_the_worker_writes_the_same_bytes_as_the_rdflib_path(store: ox.Store, query: str, media: str) -> None:
    expected = fmt.serialize_rows(from_ox_result(store.query(query), None, Deadline(None)), media)
    assert fmt.encode_native(store.query(query), media, row_limit=None, byte_limit=None) == expected


def test_json_answers_keep_language_datatype_and_blank_nodes(store: ox.Store) -> None:
    import json

    body = fmt.encode_native(store.query("SELECT ?s ?o WHERE { ?s ?p ?o }"), fmt.JSON, row_limit=None, byte_limit=None)
    values = [b["o"] for b in json.loads(body)["results"]["bindings"]]
    assert {"type": "literal", "value": "Straße", "xml:lang": "de-de"} in values
    assert {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"} in values
    assert any(v["type"] == "bnode" for v in values)
    assert {"type": "literal", "value": "plain"} in values  # xsd:string is not spelt out


def test_values_keep_the_engines_own_spelling() -> None:
    """rdflib respells some values (a dateTime's Z as +00:00); the worker sends what the store holds, as Oxigraph
    server does."""
    s = ox.Store()
    when = ox.Literal("2022-10-19T20:00:00Z", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    s.add(ox.Quad(ox.NamedNode(EX + "c"), ox.NamedNode(EX + "when"), when))
    body = fmt.encode_native(s.query("SELECT ?o WHERE { ?s ?p ?o }"), fmt.CSV, row_limit=None, byte_limit=None)
    assert body == b"o\r\n2022-10-19T20:00:00Z\r\n"


def test_too_many_rows_is_refused_the_same_way(store: ox.Store) -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    with pytest.raises(RowLimitExceeded, match="more than 3 rows"):
        fmt.encode_native(store.query(query), fmt.JSON, row_limit=3, byte_limit=None)
    with pytest.raises(RowLimitExceeded, match="more than 3 rows"):
        from_ox_result(store.query(query), 3, Deadline(None))


def test_an_answer_past_the_byte_budget_is_refused_before_it_is_built() -> None:
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("x" * 5000)))
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    for media in fmt.NATIVE_FORMATS:
        with pytest.raises(AnswerTooLarge):
            fmt.encode_native(s.query(query), media, row_limit=None, byte_limit=4000)
    assert fmt.encode_native(s.query(query), fmt.JSON, row_limit=None, byte_limit=6000)


def test_tsv_and_graphs_are_not_written_natively(store: ox.Store) -> None:
    assert fmt.TSV not in fmt.NATIVE_FORMATS
    with pytest.raises(ValueError, match="not a format"):
        fmt.encode_native(store.query("SELECT * WHERE { ?s ?p ?o }"), fmt.TSV, row_limit=None, byte_limit=None)
    with pytest.raises(TypeError, match="SELECT and ASK"):
        fmt.encode_native(
            store.query("CONSTRUCT WHERE { ?s ?p ?o }"),
            fmt.JSON,
            row_limit=None,
            byte_limit=None,  # type: ignore[arg-type]
        )
