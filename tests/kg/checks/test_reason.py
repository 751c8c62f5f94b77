"""HermiT: is the graph consistent, are inferred types materialised, and is a contradiction caught and located?"""

from __future__ import annotations

from rdflib import OWL, RDF, Dataset
from rdflib.namespace import SKOS

from kg import iris
from kg.checks.reason import explain_inconsistency, reason
from kg.iris import FOAF, QI
from kg.rdf import ontology
from kg.rdf.build import build_dataset
from kg.records import ChatRecords

SLUG = "2022-10-19"


def _dataset(records: ChatRecords) -> Dataset:
    from kg.sources.aliases import AliasTable

    return build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus())


def test_the_small_chat_is_consistent_and_gets_inferred_types(records: ChatRecords) -> None:
    ds = _dataset(records)
    result = reason(ds)
    assert result.consistent and result.findings == []
    tweet = iris.quote(SLUG, 1)
    assert (tweet, RDF.type, QI.Quote) in result.inferred  # Tweet ⊑ Quote
    lesson = iris.theme("golden-thread")
    assert {QI.Theme, SKOS.Concept} <= (
        set(result.inferred.objects(lesson, RDF.type)) | set(ds.graph(iris.THEMES_GRAPH).objects(lesson, RDF.type))
    )
    assert (tweet, RDF.type, QI.Tweet) not in result.inferred  # asserted types are not repeated
    assert result.timings["reason_hermit_s"] > 0


def test_an_organisation_account_typed_as_a_person_is_inconsistent_and_named(records: ChatRecords) -> None:
    ds = _dataset(records)
    wbs = iris.participant("WarwickBSchool")
    ds.graph(iris.source_graph(records.source_slug)).add((wbs, RDF.type, FOAF.Person))
    result = reason(ds)
    assert not result.consistent
    assert any(f.node == str(wbs) and f.line == 21 and "disjoint" in f.rule for f in result.findings)


def test_explanations_find_two_values_of_a_functional_property(records: ChatRecords) -> None:
    from rdflib import Literal

    ds = _dataset(records)
    g = ds.graph(iris.source_graph(records.source_slug))
    q2 = iris.question(SLUG, 2)
    g.add((q2, QI.number, Literal(7)))
    union = ds.graph(iris.ONTOLOGY_GRAPH) + g
    found = explain_inconsistency(union)
    assert any(f.node == str(q2) and "qi:number" in f.rule and f.line == 151 for f in found)


def test_the_real_build_materialised_types_into_the_inferred_graph(real_build) -> None:
    from kg.pipeline.run import load_build

    result, out = real_build
    ds = load_build(out)
    inferred = ds.graph(iris.INFERRED_GRAPH)
    assert len(inferred) > 0
    assert all(p == RDF.type for _, p, _ in inferred)
    assert (
        result.counts["qi:Quote"]
        == result.counts["qi:Tweet"] + result.counts["qi:Comment"] + result.counts["qi:PullQuote"]
    )


def test_hermits_answer_is_read_into_the_full_closure_of_types() -> None:
    from rdflib import OWL, RDFS, Graph, URIRef

    from kg.checks.reason import materialise, parse_hermit_output

    ns = "https://w3id.org/qikg/ontology#"
    a, b, c, d = (URIRef(ns + x) for x in "ABCD")
    node = iris.quote(SLUG, 1)
    asserted = Graph()
    asserted.add((node, RDF.type, a))
    asserted.add((a, RDFS.subClassOf, b))
    output = "\n".join(
        [
            f"SubClassOf( <{a}> <{b}> )",
            f"EquivalentClasses( <{b}> <{c}> )",
            f"SubClassOf( <{c}> <{OWL.Thing}> )",
            f"SubObjectPropertyOf( <{ns}p> ObjectInverseOf( <{ns}q> ) )",  # properties and anonymous parts: not needed
            f"Type( <{node}> <{a}> )",
            f"Type( <{iris.quote(SLUG, 2)}> <{d}> )",  # an individual without asserted type: none of ours
        ]
    )
    parents, types = parse_hermit_output(output)
    assert parents[str(b)] == {str(c)} and parents[str(c)] == {str(b), str(OWL.Thing)}
    inferred = materialise([asserted], parents, types)
    assert set(inferred) == {(node, RDF.type, b), (node, RDF.type, c)}  # not A (asserted), not owl:Thing


def test_the_reasoners_input_is_the_same_from_oxigraph_and_from_rdflib(records: ChatRecords) -> None:
    from kg.checks.reason import input_ntriples
    from kg.checks.validate import quality_store

    ds = _dataset(records)
    ds.graph(iris.ONTOLOGY_GRAPH).add((ontology.ONTOLOGY_IRI, OWL.imports, ontology.ONTOLOGY_IRI))
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from_store = Graph().parse(data=input_ntriples(ds, quality_store(ds)), format="nt")
    from_rdflib = Graph().parse(data=input_ntriples(ds), format="nt")
    assert isomorphic(from_store, from_rdflib) and len(from_store) > 1000  # the same but for blank node labels
    assert not list(from_store.triples((None, OWL.imports, None)))  # never handed to the reasoner


def test_a_hermit_that_fails_is_a_violation_with_its_message(records: ChatRecords, monkeypatch) -> None:
    import sys

    from kg.checks import reason as reason_module

    def failing(input_path, triples):
        return [
            sys.executable,
            "-c",
            "import sys; print('java.lang.OutOfMemoryError: boom', file=sys.stderr); sys.exit(3)",
        ]

    monkeypatch.setattr(reason_module, "hermit_command", failing)
    result = reason(_dataset(records))
    assert not result.consistent
    assert [(f.severity, f.rule, f.message) for f in result.findings] == [
        ("Violation", "HermiT", "java.lang.OutOfMemoryError: boom")
    ]


def test_a_reasoner_that_is_closed_early_stops_its_process_and_leaves_no_files(
    records: ChatRecords, tmp_path, monkeypatch
) -> None:
    import sys
    import tempfile

    from kg.checks import reason as reason_module

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(
        reason_module,
        "hermit_command",
        lambda input_path, triples: [sys.executable, "-c", "import time; time.sleep(60)"],
    )
    with reason_module.Reasoning(_dataset(records)) as run:
        assert run.process is not None and run.process.poll() is None
    assert run.process.poll() is not None
    assert list(tmp_path.iterdir()) == []
