"""The graph speaks only the vocabulary the ontology declares: no typo'd property slips into users' queries."""

from __future__ import annotations

from rdflib import RDF, Dataset, URIRef
from rdflib.namespace import OWL, RDFS

from kg.iris import QID
from kg.rdf import ontology

DECLARING = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
    RDFS.Class,
    OWL.SymmetricProperty,
    OWL.FunctionalProperty,
    OWL.TransitiveProperty,
}
BUILT_IN = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
)


def _declared() -> set[URIRef]:
    tbox = ontology.tbox()
    return {s for s, _, t in tbox.triples((None, RDF.type, None)) if t in DECLARING and isinstance(s, URIRef)}


def test_every_property_and_class_the_graph_uses_is_declared(real_build):
    _, out = real_build
    ds = Dataset()
    ds.parse(out / "qikg.trig", format="trig")
    declared = _declared()
    used_p = {p for _, p, _, _ in ds.quads((None, None, None, None))}
    used_c = {o for _, _, o, _ in ds.quads((None, RDF.type, None, None)) if isinstance(o, URIRef)}
    undeclared = sorted(
        str(t)
        for t in used_p | used_c
        if t not in declared and not str(t).startswith(BUILT_IN) and not str(t).startswith(str(QID))
    )
    assert undeclared == []
