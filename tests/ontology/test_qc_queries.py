"""Do the quality-check queries parse, share one result layout, stay silent on clean data and catch each defect?"""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from kg.rdf import ontology

COLUMNS = ["entity", "property", "value", "message"]


@pytest.fixture(scope="module")
def queries() -> dict[str, str]:
    return ontology.qc_queries()


def test_there_are_quality_checks(queries: dict[str, str]) -> None:
    assert len(queries) >= 10


def test_every_query_parses_and_returns_the_report_columns(queries: dict[str, str]) -> None:
    for name, text in queries.items():
        query = prepareQuery(text)
        assert [str(v) for v in query.algebra["PV"]] == COLUMNS, name


def test_every_query_explains_itself_in_a_header_comment(queries: dict[str, str]) -> None:
    for name, text in queries.items():
        first = text.splitlines()[0]
        assert first.startswith(f"# {name}: ") and len(first) > len(name) + 20, name


def test_every_query_is_exercised_by_a_defect(queries: dict[str, str], defects: list) -> None:
    assert set(queries) <= {d.qc_query for d in defects}


def test_clean_data_returns_no_rows(queries: dict[str, str], minimal_with_thesaurus: Graph) -> None:
    noisy = {name: list(minimal_with_thesaurus.query(text)) for name, text in queries.items()}
    assert not {name: rows for name, rows in noisy.items() if rows}


def test_each_defect_is_reported_by_its_check(queries: dict[str, str], broken_graph: Graph, qc_defect) -> None:
    rows = list(broken_graph.query(queries[qc_defect.qc_query]))
    entities = {row.entity for row in rows}
    assert qc_defect.qc_entity in entities, f"{qc_defect.qc_query} did not report {qc_defect.qc_entity}"
    assert all(row.message for row in rows)


@pytest.fixture(scope="module")
def oxigraph_broken(broken_graph: Graph):
    """The broken graph in Oxigraph, the store the API serves from: the checks must run there too."""
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(ontology.to_ntriples(broken_graph), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def test_oxigraph_reports_the_same_defects(queries: dict[str, str], oxigraph_broken, qc_defect) -> None:
    solutions = oxigraph_broken.query(queries[qc_defect.qc_query])
    entities = {solution["entity"].value for solution in solutions}
    assert str(qc_defect.qc_entity) in entities
