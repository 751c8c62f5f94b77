"""The thesaurus's shapes checked over what an added chat changes (`kg.checks.region.thesaurus_subset`) find what
the same shapes find over the whole graph: a theme assignment without its `qi:hasTheme`, a `qi:hasTheme` without
its assignment, through a node the new chat shares with an old one; and when a premise does not hold (a chat node
with a thesaurus class, a SKOS property of a chat node, a shape reading other links) the region says so and the
build checks everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH, SKOS

from kg import iris
from kg.checks.region import changed_region, split_shapes, thesaurus_exact
from kg.checks.validate import shacl_findings, shacl_graph_findings
from kg.iris import QI
from kg.pipeline.run import extract_all
from kg.rdf import ontology
from kg.rdf.assemble import assemble

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
NEW = URIRef(str(iris.source_graph("leadingqi-2099-01-01")))


@pytest.fixture(scope="module")
def seed() -> Dataset:
    return assemble(extract_all([SEED]), [])


def _copy(ds: Dataset) -> Dataset:
    out = Dataset()
    for g in ds.graphs():
        target = out.graph(g.identifier)
        for t in g:
            target.add(t)
    return out


def _an_assignment(ds: Dataset) -> tuple[URIRef, URIRef, URIRef]:
    """(assignment, item, theme) of the seed chat, in a stable order."""
    graph = ds.graph(iris.source_graph("leadingqi-2022-10-19"))
    a = sorted(graph.subjects(RDF.type, QI.ThemeAssignment))[0]
    return a, graph.value(a, QI.assignedTo), graph.value(a, QI.assignedTheme)


def _both(ds: Dataset) -> tuple[set, set]:
    """The thesaurus shapes' findings over the region's subset and over the whole graph."""
    region = changed_region(ds, [NEW])
    _, of_thesaurus = split_shapes(ontology.shapes(), region.thesaurus_classes)
    tbox = ds.graph(iris.ONTOLOGY_GRAPH)
    assert region.thesaurus_subset is not None and thesaurus_exact(of_thesaurus)
    in_region = set(shacl_graph_findings(region.thesaurus_subset, of_thesaurus, tbox))
    everywhere = set(shacl_findings(ds, of_thesaurus, tbox))
    return in_region, everywhere


def test_an_assignment_without_its_triple_on_a_shared_item_is_found_as_over_everything(seed: Dataset) -> None:
    ds = _copy(seed)
    _, item, _ = _an_assignment(ds)
    other = URIRef(str(iris.QID) + "theme/psychological-safety")
    assert (other, RDF.type, None) in ds.graph(iris.THEMES_GRAPH)
    new = ds.graph(NEW)
    assignment = URIRef(str(iris.QID) + "assignment/test-new")
    new.add((assignment, RDF.type, QI.ThemeAssignment))
    new.add((assignment, QI.assignedTo, item))  # an old item, the new chat's assignment, no qi:hasTheme anywhere
    new.add((assignment, QI.assignedTheme, other))
    in_region, everywhere = _both(ds)
    assert in_region == everywhere
    assert any(str(assignment) in f.message and f.is_violation for f in everywhere)


def test_a_has_theme_on_a_shared_item_finds_the_old_chats_assignment(seed: Dataset) -> None:
    """The new chat states what the old chat's assignment records: no finding, as over everything (the old
    assignment is in the subset because it points at a node the new chat mentions)."""
    ds = _copy(seed)
    _, item, theme = _an_assignment(ds)
    ds.graph(NEW).add((item, QI.hasTheme, theme))
    ds.graph(NEW).add((item, QI.sourceLine, Literal(1)))
    in_region, everywhere = _both(ds)
    assert in_region == everywhere
    assert not [f for f in everywhere if f.is_violation]


def test_a_has_theme_nobody_records_is_found_as_over_everything(seed: Dataset) -> None:
    ds = _copy(seed)
    _, item, _ = _an_assignment(ds)
    other = URIRef(str(iris.QID) + "theme/psychological-safety")
    ds.graph(NEW).add((item, QI.hasTheme, other))
    in_region, everywhere = _both(ds)
    assert in_region == everywhere
    assert any("no qi:ThemeAssignment" in f.message and f.is_violation for f in everywhere)


def test_the_seed_chat_added_to_nothing_checks_its_thesaurus_as_a_full_build() -> None:
    """Every theme, lesson and the scheme with all of one real chat as the new graph: the same findings."""
    ds = assemble(extract_all([SEED]), [])
    region = changed_region(ds, [iris.source_graph("leadingqi-2022-10-19")])
    _, of_thesaurus = split_shapes(ontology.shapes(), region.thesaurus_classes)
    tbox = ds.graph(iris.ONTOLOGY_GRAPH)
    assert region.thesaurus_subset is not None
    assert set(shacl_graph_findings(region.thesaurus_subset, of_thesaurus, tbox)) == set(
        shacl_findings(ds, of_thesaurus, tbox)
    )


@pytest.mark.parametrize(
    "triple",
    [
        (URIRef(str(iris.QID) + "quote/x"), RDF.type, SKOS.Concept),  # a chat node with a thesaurus class
        (URIRef(str(iris.QID) + "quote/x"), SKOS.prefLabel, Literal("x", lang="en")),  # SKOS of a chat node
    ],
)
def test_a_chat_that_speaks_thesaurus_is_checked_over_everything(seed: Dataset, triple: tuple) -> None:
    ds = _copy(seed)
    ds.graph(NEW).add(triple)
    assert changed_region(ds, [NEW]).thesaurus_subset is None


def _with_constraint(select: str, severity: URIRef | None = None) -> Graph:
    shapes = Graph()
    for t in ontology.shapes():  # a copy: the project's shapes are read once per process
        shapes.add(t)
    for prefix, ns in ontology.shapes().namespaces():
        shapes.bind(prefix, ns)
    shape, constraint = QI.ConceptSchemeShape, URIRef("urn:test:constraint")
    shapes.add((shape, SH.sparql, constraint))
    shapes.add((constraint, SH.select, Literal(select)))
    if severity is not None:
        shapes.add((constraint, SH.severity, severity))
    _, of_thesaurus = split_shapes(shapes, {SKOS.ConceptScheme, SKOS.Concept, QI.Theme, QI.Lesson})
    return of_thesaurus


def test_the_projects_thesaurus_shapes_are_ones_the_region_answers_exactly() -> None:
    _, of_thesaurus = split_shapes(ontology.shapes(), {SKOS.ConceptScheme, SKOS.Concept, QI.Theme, QI.Lesson})
    assert thesaurus_exact(of_thesaurus)


def test_a_thesaurus_shape_reading_other_links_of_the_chats_makes_the_build_check_everything() -> None:
    other = "SELECT $this ?value WHERE { ?theme skos:inScheme $this . ?value qi:saidBy ?theme }"
    assert not thesaurus_exact(_with_constraint(other))
    warning = "SELECT $this ?value WHERE { ?theme skos:inScheme $this . ?value qi:hasTheme ?theme }"
    assert not thesaurus_exact(_with_constraint(warning, SH.Warning))  # rows the build before may have kept
    assert thesaurus_exact(_with_constraint(warning))
