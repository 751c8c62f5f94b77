"""Does HermiT (through owlready2) find the TBox and thesaurus consistent, and does it notice contradictions?"""

from __future__ import annotations

import io
import shutil

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import FOAF

from kg.iris import QI, QID
from kg.rdf import ontology

owlready2 = pytest.importorskip("owlready2")
pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs a Java runtime")


def reason(graph: Graph) -> None:
    """Load the graph into a fresh owlready2 world (as N-Triples) and run HermiT; raises if inconsistent."""
    world = owlready2.World()
    onto = world.get_ontology(str(ontology.ONTOLOGY_IRI))
    onto.load(fileobj=io.BytesIO(ontology.to_ntriples(graph)), format="ntriples")
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert not list(world.inconsistent_classes())


def tbox_and_thesaurus() -> Graph:
    graph = Graph()
    graph += ontology.tbox()
    graph += ontology.thesaurus()
    return graph


def test_hermit_finds_tbox_and_thesaurus_consistent() -> None:
    reason(tbox_and_thesaurus())


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (FOAF.Person, QI.Organisation),
        (FOAF.Person, QI.OrganisationAccount),
        (QI.Quote, QI.Participant),
        (QI.Tweet, QI.Comment),
    ],
)
def test_hermit_rejects_a_node_of_two_disjoint_classes(first: URIRef, second: URIRef) -> None:
    graph = tbox_and_thesaurus()
    node = QID["participant/confused"]
    graph.add((node, RDF.type, first))
    graph.add((node, RDF.type, second))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        reason(graph)


def test_hermit_rejects_two_handles_for_one_account() -> None:
    graph = tbox_and_thesaurus()
    node = QID["participant/someone"]
    graph.add((node, RDF.type, QI.Participant))
    graph.add((node, QI.handle, Literal("someone")))
    graph.add((node, QI.handle, Literal("someone_else")))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        reason(graph)
