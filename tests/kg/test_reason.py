"""HermiT: is the graph consistent, are inferred types materialised, and is a contradiction caught and located?"""

from __future__ import annotations

from rdflib import RDF, Dataset
from rdflib.namespace import SKOS

from kg import iris, ontology
from kg.build import build_dataset
from kg.iris import FOAF, QI
from kg.reason import explain_inconsistency, reason
from kg.records import ChatRecords

SLUG = "2022-10-19"


def _dataset(records: ChatRecords) -> Dataset:
    from kg.aliases import AliasTable

    return build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus())


def test_the_small_chat_is_consistent_and_gets_inferred_types(records: ChatRecords) -> None:
    ds = _dataset(records)
    result = reason(ds)
    assert result.consistent and result.findings == []
    tweet = iris.quote(SLUG, 1)
    assert (tweet, RDF.type, QI.Quote) in result.inferred  # Tweet ⊑ Quote
    lesson = iris.theme("golden-thread")
    assert {QI.Theme, SKOS.Concept} <= (
        set(result.inferred.objects(lesson, RDF.type)) | set(ds.graph(iris.THEMES_GRAPH).objects(lesson, RDF.type)))
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
    from kg.pipeline import load_build

    result, out = real_build
    ds = load_build(out)
    inferred = ds.graph(iris.INFERRED_GRAPH)
    assert len(inferred) > 0
    assert all(p == RDF.type for _, p, _ in inferred)
    assert result.counts["qi:Quote"] == result.counts["qi:Tweet"] + result.counts["qi:Comment"] + result.counts[
        "qi:PullQuote"]
