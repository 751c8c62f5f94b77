"""HermiT over what a changed chat can change, not the whole graph again (`qikg add` / `qikg remove`).

Why a region is exact for this ontology (each premise is checked here at run time, `premises`; when one fails the
build reasons over everything and says why):

- The TBox (and the thesaurus, which goes in whole) state only subclasses and subproperties, equivalences between
  named classes or unions/intersections of them, domains and ranges, class disjointness, inverse, symmetric,
  transitive and functional properties; no restrictions, cardinalities, nominals, keys, property chains, inverse
  functional or reflexive properties. No chat graph speaks OWL or RDFS (no `owl:sameAs`, no subclass axioms).
- Then what HermiT derives about an individual (its types, or a clash: two disjoint classes, two values of a
  functional data property) depends only on the TBox and the triples it is subject or object of, and on those of
  the individuals it is one with: two values of a functional object property are one individual (OWL has no
  unique names), so their types merge, and their own functional values merge in turn. A transitive, inverse or
  symmetric property adds edges but no type (the new edge's ends already have an edge of that property), unless it
  feeds a functional property, which is a failed premise here.
- A change (the triples of an added or removed graph) touches only the nodes that graph mentions (the seeds).
  The region is the seeds closed over (a) the values of functional object properties of region nodes and
  (b) whole equivalence classes (what the functional properties merge, over the whole graph); every node outside
  the region then has the same triples, the same class and so the same derived types as in the build before, whose
  inferred graph the cache keeps (`kg.pipeline.cache.BuildState.inferred`). Dropping (a) misses a merge of two old
  nodes through a new one (`tests/kg/checks/test_reason_region.py`).
- HermiT's input: the TBox, the thesaurus, every triple of a chat graph with a region node at either end, and the
  asserted types of the nodes at the other end (without them HermiT has to try each class of a union domain or
  range on every such node: 55 s instead of 3 at 50 chats; they change no answer about a region node). It is a
  subset of the whole input, so a clash it finds is one of the whole graph (OWL is monotonic); a clash of the whole
  graph is at some node whose triples changed, so in the region, where the input holds all its triples.
- `qikg add`'s rewrite of an older graph (`kg.rdf.assemble.supersede_announcements`) removes only literal-valued
  schedule triples of the added chat's own node, a seed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef
from rdflib.term import BNode, Node

from kg import iris

NOT_FACTS = (iris.ONTOLOGY_GRAPH, iris.THEMES_GRAPH, iris.INFERRED_GRAPH)
_OWL, _RDF, _RDFS = str(OWL), str(RDF), str(RDFS)

# the OWL / RDF / RDFS terms a TBox may use for the region to be exact (any other term of those namespaces: fall back)
TBOX_PREDICATES = frozenset(
    {
        RDF.type,
        RDF.first,
        RDF.rest,
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.inverseOf,
        OWL.unionOf,
        OWL.intersectionOf,
        OWL.disjointWith,
        OWL.members,
        OWL.imports,
        OWL.versionInfo,
        OWL.versionIRI,
        OWL.priorVersion,
        OWL.deprecated,
    }
)
TBOX_TYPES = frozenset(
    {
        OWL.Class,
        RDFS.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.FunctionalProperty,
        OWL.SymmetricProperty,
        OWL.TransitiveProperty,
        OWL.AllDisjointClasses,
        OWL.Ontology,
        OWL.NamedIndividual,
        RDFS.Datatype,
        RDF.List,
    }
)
# what a chat graph may use of those namespaces (anything else, e.g. owl:sameAs or a subclass axiom: fall back)
FACT_PREDICATES = frozenset({RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy})


def _logical(term: Node) -> bool:
    """A term of the OWL, RDF or RDFS namespaces (the ones with meaning to a reasoner)."""
    return isinstance(term, URIRef) and str(term).startswith((_OWL, _RDF, _RDFS))


def _sub_properties(schema: Graph, prop: Node) -> set[Node]:
    """`prop` and every property below it (subPropertyOf, equivalentProperty both ways), transitively."""
    found, todo = {prop}, [prop]
    while todo:
        p = todo.pop()
        below = set(schema.subjects(RDFS.subPropertyOf, p)) | set(schema.subjects(OWL.equivalentProperty, p))
        below |= set(schema.objects(p, OWL.equivalentProperty))
        for q in below - found:
            found.add(q)
            todo.append(q)
    return found


def _super_properties(schema: Graph, prop: Node) -> set[Node]:
    found, todo = {prop}, [prop]
    while todo:
        p = todo.pop()
        above = set(schema.objects(p, RDFS.subPropertyOf)) | set(schema.objects(p, OWL.equivalentProperty))
        above |= set(schema.subjects(OWL.equivalentProperty, p))
        for q in above - found:
            found.add(q)
            todo.append(q)
    return found


def functional_object_properties(schema: Graph) -> set[Node]:
    """Functional properties that are not datatype properties (their values are individuals a second value merges)."""
    return {
        p
        for p in schema.subjects(RDF.type, OWL.FunctionalProperty)
        if (p, RDF.type, OWL.DatatypeProperty) not in schema
    }


def schema_premises(schema: Graph, where: str) -> list[str]:
    """Why the region would not be exact for this TBox or thesaurus (empty: it is)."""
    failed: set[str] = set()
    for _, p, o in schema:
        if _logical(p) and p not in TBOX_PREDICATES:
            failed.add(f"{where} uses {schema.qname(str(p))}")
        if p == RDF.type and _logical(o) and o not in TBOX_TYPES:
            failed.add(f"{where} has a {schema.qname(str(o))}")
    functional = functional_object_properties(schema)
    feeding = set().union(*(_sub_properties(schema, f) for f in functional)) if functional else set()
    for p in sorted(feeding, key=str):  # an edge such a property adds would be a functional value (a merge) too
        kinds = set(schema.objects(p, RDF.type))
        inverse = (p, OWL.inverseOf, None) in schema or (None, OWL.inverseOf, p) in schema
        if kinds & {OWL.SymmetricProperty, OWL.TransitiveProperty} or inverse:
            failed.add(f"{where}: {schema.qname(str(p))} is symmetric, transitive or inverse below a functional one")
    return sorted(failed)


def fact_premises(ds: Dataset) -> list[str]:
    """Why the region would not be exact for the chats' graphs: they state OWL or RDFS (found in the indexes)."""
    failed: set[str] = set()
    predicates = {p for p in TBOX_PREDICATES | {OWL.sameAs, OWL.differentFrom} if p not in FACT_PREDICATES}
    for p in sorted(predicates, key=str):
        for _, _, _, g in ds.quads((None, p, None, None)):
            if getattr(g, "identifier", g) not in NOT_FACTS:
                failed.add(f"a chat graph uses {p.n3(ds.namespace_manager)}")
                break
    for t in sorted(TBOX_TYPES | {OWL.Restriction}, key=str):
        for _, _, _, g in ds.quads((None, RDF.type, t, None)):
            if getattr(g, "identifier", g) not in NOT_FACTS:
                failed.add(f"a chat graph states a {t.n3(ds.namespace_manager)}")
                break
    return sorted(failed)


def premises(ds: Dataset) -> list[str]:
    """Every failed premise of the region argument (empty: reasoning over the region is exact)."""
    return (
        schema_premises(ds.graph(iris.ONTOLOGY_GRAPH), "the ontology")
        + schema_premises(ds.graph(iris.THEMES_GRAPH), "the thesaurus")
        + fact_premises(ds)
    )


def mentioned(triples: Iterable[tuple]) -> set[Node]:
    """The nodes a graph's triples mention: every subject and every object that is not a literal or a type."""
    found: set[Node] = set()
    for s, p, o in triples:
        found.add(s)
        if isinstance(o, URIRef | BNode) and p != RDF.type:
            found.add(o)
    return found


_NT_IRI = re.compile(r"<([^>]*)>")


def mentioned_in_ntriples(lines: Iterable[str]) -> set[Node] | None:
    """`mentioned` of a graph kept as N-Triples lines (a removed graph's, from the dump cache); None when it has blank
    nodes (their labels are not the ones of any other graph)."""
    found: set[Node] = set()
    for line in lines:
        if line.startswith("_:") or " _:" in line.split('"', 1)[0]:
            return None
        terms = _NT_IRI.findall(line.split('"', 1)[0])
        if len(terms) < 2:
            continue
        found.add(URIRef(terms[0]))
        if len(terms) == 3 and terms[1] != str(RDF.type):
            found.add(URIRef(terms[2]))
    return found


@dataclass
class Region:
    """What HermiT runs over: `nodes` (whose derived types it answers) and `input` (their triples, TBox, thesaurus)."""

    nodes: set[Node]
    input: Graph


def _fact_quads(ds: Dataset, pattern: tuple) -> Iterable[tuple]:
    for s, p, o, g in ds.quads((*pattern, None)):
        if getattr(g, "identifier", g) not in NOT_FACTS:
            yield s, p, o


def merged_classes(ds: Dataset, functional: set[Node], schema: Graph) -> dict[Node, set[Node]]:
    """Each individual that a functional object property makes one with others -> its whole class (over every
    chat graph). Two values of one subject are one; the values of one class's members are one in turn."""
    if not functional:
        return {}
    feeding = {f: _sub_properties(schema, f) for f in functional}
    parent: dict[Node, Node] = {}

    def find(x: Node) -> Node:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a: Node, b: Node) -> bool:
        ra, rb = find(a), find(b)
        if ra == rb:
            return False
        parent[ra] = rb
        return True

    values: dict[tuple[Node, Node], set[Node]] = {}  # (subject, functional property) -> its individual values
    for f, props in feeding.items():
        for p in props:
            for s, _, o in _fact_quads(ds, (None, p, None)):
                if isinstance(o, URIRef | BNode):
                    values.setdefault((s, f), set()).add(o)
    changed = True
    while changed:  # the values of a class's members under one property are one: until nothing new merges
        changed = False
        by_class: dict[tuple[Node, Node], set[Node]] = {}
        for (s, f), vs in values.items():
            by_class.setdefault((find(s), f), set()).update(vs)
        for vs in by_class.values():
            first, *rest = sorted(vs, key=str)
            for v in rest:
                changed |= union(first, v)
    classes: dict[Node, set[Node]] = {}
    for x in list(parent):
        classes.setdefault(find(x), {find(x)}).add(x)
    return {x: members for members in classes.values() for x in members}


def changed_region(ds: Dataset, seeds: set[Node], *, values: bool = True, merged: bool = True) -> Region:
    """The seeds closed over functional object properties' values and merged classes, and HermiT's input for them.

    `values=False` / `merged=False` drop one half of the closure: only for the tests that show each is needed."""
    schema = ds.graph(iris.ONTOLOGY_GRAPH)
    functional = functional_object_properties(schema)
    feeding = set().union(*(_sub_properties(schema, f) for f in functional)) if functional else set()
    classes = merged_classes(ds, functional, schema) if merged else {}
    nodes: set[Node] = set()
    todo = list(seeds)
    while todo:
        n = todo.pop()
        if n in nodes:
            continue
        nodes.add(n)
        more = set(classes.get(n, ()))
        if values:
            for p in feeding:
                more |= {o for _, _, o in _fact_quads(ds, (n, p, None)) if isinstance(o, URIRef | BNode)}
        todo.extend(more - nodes)
    graph = Graph()
    for identifier in (iris.ONTOLOGY_GRAPH, iris.THEMES_GRAPH):
        for t in ds.graph(identifier):
            if t[1] != OWL.imports:
                graph.add(t)
    ends: set[Node] = set()
    for n in nodes:
        for t in _fact_quads(ds, (n, None, None)):
            graph.add(t)
            if t[1] != RDF.type and isinstance(t[2], URIRef | BNode):
                ends.add(t[2])
        for t in _fact_quads(ds, (None, None, n)):
            graph.add(t)
            ends.add(t[0])
    for n in ends - nodes:  # their asserted types: HermiT need not guess which class of a union domain they are in
        for t in _fact_quads(ds, (n, RDF.type, None)):
            graph.add(t)
    return Region(nodes, graph)
