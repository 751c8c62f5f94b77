"""OWL reasoning with HermiT (via owlready2): is the graph consistent, and which types follow from the ontology?

Choices, and why:
- A fresh owlready2 `World` per run: owlready2 keeps a process-wide default world, and two runs must not see each
  other's triples.
- Input goes in as N-Triples built by rdflib (owlready2 cannot read Turtle) and never through `owl:imports`
  (owlready2 would fetch them from the network).
- Data literals of datatypes outside the OWL 2 map (xsd:date, xsd:gYear) are ignored by HermiT
  (`--ignoreUnsupportedDatatypes`); they carry no class-level meaning in our ontology.
- Inferred types go into their own named graph, `iris.INFERRED_GRAPH` (https://w3id.org/qikg/graph/inferred):
  asserted facts stay apart from what the reasoner derived, and the union (the default graph of the store, the flat
  Turtle/N-Triples files) holds both. Every inferred type is the full closure (all named superclasses), sorted, so
  output is deterministic and plain SPARQL (`?q a qi:Quote`) works without a reasoner at query time.
- When HermiT finds the graph inconsistent it cannot say why; `explain_inconsistency` looks for the usual causes
  (one node typed with two disjoint classes, two values of a functional property) to name the nodes.
"""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import dataclass, field
from itertools import combinations

from owlready2 import (
    OwlReadyInconsistentOntologyError,
    OwlReadyJavaError,
    ThingClass,
    World,
    sync_reasoner_hermit,
)
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef
from rdflib.term import Node

from kg import iris
from kg.iris import QID
from kg.validate import Finding, source_line

INFERRED_GRAPH = iris.INFERRED_GRAPH
INPUT_ONTOLOGY = "https://w3id.org/qikg/reasoning-input"


@dataclass
class ReasonResult:
    consistent: bool
    inferred: Graph
    findings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _input_graph(ds: Dataset) -> Graph:
    """Every named graph (TBox, thesaurus, facts, minus earlier inferences) as one graph, without owl:imports."""
    g = Graph()
    for ctx in ds.graphs():
        if ctx.identifier == INFERRED_GRAPH:
            continue
        for s, p, o in ctx:
            if p != OWL.imports:
                g.add((s, p, o))
    return g


def _superclasses(tbox: Graph) -> dict[Node, set[Node]]:
    """Named superclasses of every named class (reflexive, transitive), from subClassOf and equivalentClass."""
    direct: dict[Node, set[Node]] = {}
    for s, o in tbox.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct.setdefault(s, set()).add(o)
    for s, o in tbox.subject_objects(OWL.equivalentClass):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct.setdefault(s, set()).add(o)
            direct.setdefault(o, set()).add(s)
    closure: dict[Node, set[Node]] = {}
    for start in direct:
        seen, todo = {start}, [start]
        while todo:
            for sup in direct.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        closure[start] = seen
    return closure


def _disjoint_pairs(tbox: Graph) -> set[frozenset[Node]]:
    pairs = {frozenset((a, b)) for a, b in tbox.subject_objects(OWL.disjointWith)}
    for group in tbox.subjects(RDF.type, OWL.AllDisjointClasses):
        members_list = tbox.value(group, OWL.members)
        if members_list is not None:
            members = list(tbox.items(members_list))
            pairs |= {frozenset(p) for p in combinations(members, 2)}
    return pairs


def explain_inconsistency(graph: Graph) -> list[Finding]:
    """Name the nodes behind an inconsistency: disjoint types on one node, two values of a functional property."""
    supers = _superclasses(graph)
    disjoint = _disjoint_pairs(graph)
    findings = []
    for node in sorted(set(graph.subjects(RDF.type, None)), key=str):
        if not isinstance(node, URIRef) or not str(node).startswith(str(QID)):
            continue
        types: set[Node] = set()
        for t in graph.objects(node, RDF.type):
            types |= supers.get(t, {t})
        for pair in disjoint:
            a, b = sorted(pair, key=str)
            if a in types and b in types:
                findings.append(Finding("Violation", str(node), f"owl:disjointWith {graph.qname(a)} / {graph.qname(b)}",
                                        "typed with two disjoint classes", source_line(graph, node), "reasoner"))
    for prop in sorted(set(graph.subjects(RDF.type, OWL.FunctionalProperty)), key=str):
        for node in sorted(set(graph.subjects(prop, None)), key=str):
            values = set(graph.objects(node, prop))
            if len(values) > 1 and all(not isinstance(v, URIRef) for v in values):
                findings.append(Finding("Violation", str(node), f"owl:FunctionalProperty {graph.qname(prop)}",
                                        f"{len(values)} different values", source_line(graph, node), "reasoner"))
    return findings


def reason(ds: Dataset) -> ReasonResult:
    """Run HermiT over the whole dataset; return consistency, the inferred types graph and timings."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    graph = _input_graph(ds)
    nt = graph.serialize(format="nt", encoding="utf-8")
    world = World()
    onto = world.get_ontology(INPUT_ONTOLOGY)
    onto.load(fileobj=io.BytesIO(nt), format="ntriples")
    timings["reason_load_s"] = round(time.perf_counter() - t0, 3)
    inferred = Graph()
    for prefix, ns in iris.PREFIXES.items():
        inferred.bind(prefix, ns)
    if shutil.which("java") is None:
        finding = Finding("Warning", INPUT_ONTOLOGY, "reasoner", "java not found: HermiT skipped, no types inferred")
        return ReasonResult(True, inferred, [finding], timings)
    t1 = time.perf_counter()
    try:
        sync_reasoner_hermit(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
    except OwlReadyInconsistentOntologyError:
        timings["reason_hermit_s"] = round(time.perf_counter() - t1, 3)
        findings = explain_inconsistency(graph) or [
            Finding("Violation", INPUT_ONTOLOGY, "OWL consistency (HermiT)",
                    "the ontology with the data is inconsistent; no simple cause found", None, "reasoner")]
        world.close()
        return ReasonResult(False, inferred, findings, timings)
    except OwlReadyJavaError as err:
        world.close()
        message = str(err).strip().splitlines()[-1][:300] if str(err).strip() else "HermiT failed"
        return ReasonResult(False, inferred, [Finding("Violation", INPUT_ONTOLOGY, "HermiT", message, None,
                                                      "reasoner")], timings)
    timings["reason_hermit_s"] = round(time.perf_counter() - t1, 3)
    t2 = time.perf_counter()
    asserted = {(s, o) for s, o in graph.subject_objects(RDF.type)}
    individuals = sorted({s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(QID))},
                         key=str)
    for node in individuals:
        entity = world[str(node)]
        if entity is None or isinstance(entity, ThingClass) or not hasattr(entity, "is_a"):
            continue
        classes: set[str] = set()
        for cls in entity.is_a:
            if isinstance(cls, ThingClass):
                classes |= {a.iri for a in cls.ancestors() if isinstance(a, ThingClass)}
        for iri in sorted(classes - {str(OWL.Thing)}):
            if (node, URIRef(iri)) not in asserted:
                inferred.add((node, RDF.type, URIRef(iri)))
    world.close()
    timings["reason_materialise_s"] = round(time.perf_counter() - t2, 3)
    return ReasonResult(True, inferred, [], timings)
