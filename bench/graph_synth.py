"""A synthetic graph N times the size of a real one, for the graph view's scale test only (never published).

It is the real graph copied: copy 0 is the graph itself, each further copy renames its quotes, questions, resources
and most participants (as if another chat had happened), while themes and organisations are shared and about a
third of the participants come back (decided by a seeded random draw), so the copies stay one connected network
with busier hubs, as a series of chats would.
"""

from __future__ import annotations

import math
import random

from rdflib import RDF, Graph, URIRef

from kg.iris import QID
from visualizations.model import as_graph, full_graph

QI = "https://w3id.org/qikg/ontology#"
_SHARED_CLASSES = {URIRef(QI + c) for c in ("Theme", "Lesson", "Organisation")}
_PARTICIPANT_CLASSES = {URIRef(QI + c) for c in ("Participant", "OrganisationAccount")}
RETURNING_SHARE = 0.3


def synthesize(graph: Graph, factor: float = 10.0, seed: int = 7) -> Graph:
    """A graph whose view has at least `factor` times as many nodes as `graph`'s."""
    g = as_graph(graph)
    shared = {s for s, _, o in g.triples((None, RDF.type, None)) if o in _SHARED_CLASSES}
    participants = sorted({s for s, _, o in g.triples((None, RDF.type, None)) if o in _PARTICIPANT_CLASSES})
    rng = random.Random(seed)
    returning = {p for p in participants if rng.random() < RETURNING_SHARE}
    kept = shared | returning

    seed_nodes = full_graph(g).number_of_nodes()
    per_copy = max(seed_nodes - len(shared) - len(returning), 1)
    copies = 1 + math.ceil((factor * seed_nodes - seed_nodes) / per_copy)

    out = Graph()
    for prefix, namespace in g.namespaces():
        out.bind(prefix, namespace, override=True)
    qid = str(QID)
    for k in range(copies):

        def rename(term, k=k):
            if k == 0 or not isinstance(term, URIRef) or term in kept or not str(term).startswith(qid):
                return term
            return URIRef(f"{term}-x{k}")

        for s, p, o in g:
            out.add((rename(s), p, rename(o)))
    return out
