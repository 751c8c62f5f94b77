"""Do the SHACL shapes accept well-formed data and reject each kind of broken data with a clear message?"""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from kg.iris import QI
from kg.rdf import ontology


def run(data: Graph) -> tuple[bool, list[tuple[URIRef, str, URIRef]]]:
    """Validate with the TBox as ontology graph; return conformance and (focus, message, severity) per result."""
    conforms, report, _text = validate(data, shacl_graph=ontology.shapes(), ont_graph=ontology.tbox(), advanced=True)
    results = [
        (report.value(r, SH.focusNode), str(report.value(r, SH.resultMessage)), report.value(r, SH.resultSeverity))
        for r in report.subjects(SH.resultSeverity, None)
    ]
    return conforms, results


@pytest.fixture(scope="module")
def broken_results(broken_graph: Graph) -> list[tuple[URIRef, str, URIRef]]:
    return run(broken_graph)[1]


def test_shapes_graph_is_valid_shacl() -> None:
    """pySHACL checks the shapes against SHACL's own shapes (meta-SHACL) and raises if they are malformed."""
    conforms, _report, text = validate(Graph(), shacl_graph=ontology.shapes(), meta_shacl=True, advanced=True)
    assert conforms, text


def test_the_thesaurus_alone_conforms_without_warnings() -> None:
    conforms, results = run(ontology.thesaurus())
    assert conforms and not results


def test_the_minimal_example_conforms(minimal_with_thesaurus: Graph) -> None:
    conforms, results = run(minimal_with_thesaurus)
    assert conforms, results


def test_each_defect_is_reported_with_a_clear_message(broken_results: list, shacl_defect) -> None:
    defect = shacl_defect
    matching = [(f, m, s) for f, m, s in broken_results if f == defect.focus and defect.message in m]
    assert matching, f"no result on {defect.focus} saying {defect.message!r}"
    assert all(s == defect.severity for _f, _m, s in matching)


def test_missing_themes_are_warnings_not_violations(minimal_with_thesaurus: Graph) -> None:
    data = minimal_with_thesaurus
    data.remove((None, QI.hasTheme, None))
    for assignment in list(data.subjects(RDF.type, QI.ThemeAssignment)):
        data.remove((assignment, None, None))
    conforms, results = run(data)
    assert not conforms
    assert {s for _f, _m, s in results} == {SH.Warning}
    assert validate(data, shacl_graph=ontology.shapes(), ont_graph=ontology.tbox(), advanced=True, allow_warnings=True)[
        0
    ]


def test_a_shared_resource_nobody_is_named_for_is_a_warning_a_shared_core_resource_is_fine(
    minimal_with_thesaurus: Graph,
) -> None:
    """A report's table may leave a row's 'Shared by' cell empty (its sharer is unknown, so absent); a core resource
    of one report that another report's table shares is one node with a sharer (kg/rdf/identity.py): no problem."""
    data = minimal_with_thesaurus
    shared = next(r for r in data.subjects(RDF.type, QI.Resource) if (r, QI.sharedBy, None) in data)
    sharer = data.value(shared, QI.sharedBy)
    data.remove((shared, QI.sharedBy, None))
    conforms, results = run(data)
    assert not conforms
    assert [(f, s) for f, m, s in results if "names nobody who shared it" in m] == [(shared, SH.Warning)]
    assert all(s == SH.Warning for _f, _m, s in results)
    core = next(r for r in data.subjects(QI.core, None) if data.value(r, QI.core).toPython() is True)
    data.add((core, QI.sharedBy, sharer))
    _conforms, results = run(data)
    assert [(f, m) for f, m, s in results if f == core and s == SH.Violation] == []
