"""Do the kg.rdf.ontology loaders find the model files and give taggers and reasoners what they need?"""

from __future__ import annotations

import io

from rdflib import OWL, RDF, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, SKOS

from kg.iris import QI, THEMES_GRAPH, theme
from kg.rdf import ontology


def test_tbox_includes_the_stubs_of_external_terms() -> None:
    tbox = ontology.tbox()
    assert (QI.TweetChat, RDF.type, OWL.Class) in tbox
    assert (FOAF.Person, RDF.type, OWL.Class) in tbox
    assert (FOAF.Person, RDF.type, OWL.Class) not in ontology.ontology_only()


def test_loaders_are_cached() -> None:
    assert ontology.tbox() is ontology.tbox()
    assert ontology.thesaurus() is ontology.thesaurus()
    assert ontology.shapes() is ontology.shapes()


def test_thesaurus_graph_holds_the_scheme() -> None:
    assert (ontology.THEME_SCHEME, RDF.type, SKOS.ConceptScheme) in ontology.thesaurus()
    assert str(THEMES_GRAPH).startswith("https://w3id.org/qikg/")


def test_label_index_lists_every_label_longest_first() -> None:
    index = ontology.label_index()
    assert ("genba", theme("genba"), "alt") in index
    assert ("Genba (go and see)", theme("genba"), "pref") in index
    assert ("gemba walk", theme("genba"), "hidden") in index
    lengths = [len(label) for label, _iri, _kind in index]
    assert lengths == sorted(lengths, reverse=True)
    assert {kind for _l, _i, kind in index} == {"pref", "alt", "hidden"}
    assert all(isinstance(iri, URIRef) for _l, iri, _k in index)


def test_every_theme_appears_in_the_label_index() -> None:
    themes = set(ontology.thesaurus().subjects(RDF.type, QI.Theme))
    assert themes == {iri for _l, iri, _k in ontology.label_index()}


def test_qc_queries_are_keyed_by_file_name() -> None:
    queries = ontology.qc_queries()
    assert "missing-label" in queries and queries["missing-label"].lstrip().startswith("# missing-label")


def test_ntriples_round_trip_keeps_every_triple() -> None:
    data = ontology.to_ntriples(ontology.thesaurus())
    assert isinstance(data, bytes)
    assert isomorphic(Graph().parse(io.BytesIO(data), format="nt"), ontology.thesaurus())
