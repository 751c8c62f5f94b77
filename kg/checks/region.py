"""SHACL over what new chats change, not the whole graph again: the part of the data a new graph can affect.

When graphs are only added (the old graphs' triples are the same apart from what `supersede_announcements` removes
about the new chats' own chat nodes), a SHACL result can only change for a focus node whose neighbourhood changed:

- `region`: the nodes whose findings are recomputed: every subject of a new graph, every node a new graph mentions
  that an old graph also mentions (the shared people, organisations, resources, chats it touches), and, for a shared
  node that gets a type it did not have, every old node pointing at it (an `sh:class` / `sh:not` on that value may
  now answer otherwise).
- `subset`: what those nodes are validated over: the new graphs, the thesaurus, every triple (of any graph) about a
  region node, and the types of every node those triples point to, so value checks (`sh:class`, `sh:or` of classes)
  see what the full graph says. The shapes' SPARQL constraints on such nodes read a question's fellow questions of
  its chat, a ranking's entries, an assignment's evidence: all in the chat's own graph, so in the subset.
- The thesaurus's nodes (the concept scheme's SPARQL checks read every item and assignment of every chat) are
  validated over the whole data graph, with the shapes cut down to the thesaurus's classes (`split_shapes`): they
  are few, so that is cheap, and exact.
- Findings: a region node's come from the subset, the thesaurus's from the whole graph, any other node's are the
  previous build's (its triples and its values' types are what they were).

`tests/kg/pipeline/test_incremental_add.py` checks this against a full build: the same warnings, and a chat that
breaks a shape through a shared node found as SHACL over everything finds it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import SH, SKOS
from rdflib.term import BNode, Node

from kg import iris
from kg.checks.validate import Finding, PreparedQueries
from kg.iris import QI

NOT_FACTS = (iris.ONTOLOGY_GRAPH, iris.THEMES_GRAPH, iris.INFERRED_GRAPH)


@dataclass
class Region:
    subset: Graph  # the data SHACL runs over (no TBox: it goes in as the ontology, as in a full validation)
    nodes: set[Node]  # focus nodes whose findings come from the subset
    thesaurus_classes: set[Node]  # the classes of the thesaurus's nodes (and their superclasses)
    # what the thesaurus's shapes run over instead of the whole graph (`thesaurus_subset`); None: the whole graph
    thesaurus_subset: Graph | None = None


def _resource(term: Node) -> bool:
    return isinstance(term, URIRef | BNode)


def changed_region(ds: Dataset, new_graphs: Iterable[URIRef]) -> Region:
    """The subset of `ds` (a full, assembled dataset) SHACL must see to re-check what `new_graphs` change."""
    new_ids = set(new_graphs)
    thesaurus = ds.graph(iris.THEMES_GRAPH)
    tbox_terms = set(ds.graph(iris.ONTOLOGY_GRAPH).subjects())
    theme_nodes = set(thesaurus.subjects())
    new = [g for g in ds.graphs() if g.identifier in new_ids]
    old = [g for g in ds.graphs() if g.identifier not in new_ids and g.identifier not in NOT_FACTS]

    facts: set[Node] = {g.identifier for g in new} | {g.identifier for g in old}
    by_subject = _Triples(ds, facts)  # every triple of a facts graph, by subject (looked up in the indexes)
    old_ids: set[Node] = {g.identifier for g in old}
    pointing = _Pointing(ds, old_ids)  # old graphs: object -> subjects pointing at it
    new_subjects: set[Node] = set()
    mentioned: set[Node] = set()
    new_types: dict[Node, set[Node]] = defaultdict(set)
    for g in new:
        for s, p, o in g:
            new_subjects.add(s)
            mentioned.add(s)
            if _resource(o) and p != RDF.type:
                mentioned.add(o)
            if p == RDF.type:
                new_types[s].add(o)
    shared = {
        n
        for n in mentioned - tbox_terms - theme_nodes
        if any(g in old_ids for g in by_subject.graphs_of(n)) or pointing.get(n)
    }
    old_types: dict[Node, set[Node]] = {
        n: {o for _, p, o in by_subject.get(n, ()) if p == RDF.type and by_subject.in_old(n, o, old_ids)}
        for n in shared
    }
    retyped = {n for n in shared if not new_types.get(n, set()) <= old_types.get(n, set())}
    nodes = new_subjects | shared
    for n in retyped:
        nodes |= pointing.get(n, set())
    nodes -= theme_nodes | tbox_terms

    subset = PreparedQueries()
    for prefix, ns in iris.PREFIXES.items():
        subset.bind(prefix, ns)
    for t in thesaurus:
        subset.add(t)
    for g in new:
        for t in g:
            subset.add(t)
    values: set[Node] = set()
    for n in nodes:
        for s, p, o in by_subject.get(n, ()):
            subset.add((s, p, o))
            if _resource(o) and p != RDF.type:
                values.add(o)
    for v in values - nodes:
        for t in by_subject.get(v, ()):
            if t[1] == RDF.type:
                subset.add(t)
    classes = {o for o in thesaurus.objects(None, RDF.type)}
    tbox = ds.graph(iris.ONTOLOGY_GRAPH)
    for c in list(classes):
        classes |= {x for x in tbox.transitive_objects(c, RDFS.subClassOf) if x is not None}
    region = Region(subset, nodes, classes)
    targeted = set(classes)  # what the thesaurus's shapes target: its classes and every subclass of one
    for c in classes:
        targeted |= {x for x in tbox.transitive_subjects(RDFS.subClassOf, c) if x is not None}
    typed = any(g in facts for c in targeted for _, _, _, g in _quads(ds, (None, RDF.type, c)))
    skos_of_others = any(
        g in facts and s not in theme_nodes for p in SKOS_TERMS for s, _, _, g in _quads(ds, (None, p, None))
    )
    if not typed and not skos_of_others:
        region.thesaurus_subset = thesaurus_subset(region, by_subject, pointing, theme_nodes)
    return region


SKOS_TERMS = frozenset(SKOS[name] for name in SKOS.__annotations__)


def _quads(ds: Dataset, pattern: tuple) -> Iterable[tuple]:
    """(s, p, o, graph IRI) of every quad matching `pattern`, from the store's indexes."""
    for s, p, o, g in ds.quads((*pattern, None)):
        yield s, p, o, getattr(g, "identifier", g)


class _Triples:
    """A node's triples in the facts graphs, looked up when asked (the region is small, the graph is not)."""

    def __init__(self, ds: Dataset, graphs: set[Node]) -> None:
        self.ds, self.graphs = ds, graphs
        self._seen: dict[Node, list[tuple[tuple, Node]]] = {}

    def _of(self, node: Node) -> list[tuple[tuple, Node]]:
        if node not in self._seen:
            found = _quads(self.ds, (node, None, None))
            self._seen[node] = [((s, p, o), g) for s, p, o, g in found if g in self.graphs]
        return self._seen[node]

    def get(self, node: Node, default=()) -> list[tuple]:
        found = list(dict.fromkeys(t for t, _ in self._of(node)))
        return found or list(default)

    def graphs_of(self, node: Node) -> set[Node]:
        return {g for _, g in self._of(node)}

    def in_old(self, node: Node, value: Node, old: set[Node]) -> bool:
        return any(g in old for t, g in self._of(node) if t[1] == RDF.type and t[2] == value)


class _Pointing:
    """The subjects of the old graphs pointing at a node, looked up when asked."""

    def __init__(self, ds: Dataset, graphs: set[Node]) -> None:
        self.ds, self.graphs = ds, graphs
        self._seen: dict[Node, set[Node]] = {}

    def get(self, node: Node, default=None) -> set[Node]:
        if node not in self._seen:
            self._seen[node] = {s for s, _, _, g in _quads(self.ds, (None, None, node)) if g in self.graphs}
        return self._seen[node] or (set() if default is None else default)


THEME_LINKS = (QI.assignedTo, QI.assignedTheme, QI.hasTheme)  # the chats' triples the thesaurus's checks read


def thesaurus_subset(region: Region, by_subject: _Triples, pointing: _Pointing, theme_nodes: set[Node]) -> Graph:
    """What the thesaurus's shapes see of the chats when a build only adds graphs: the region's subset, every chat's
    triples about a theme (a lesson's notes, where a report states it) with the types of their values, and the theme
    assignments and `qi:hasTheme` triples that tie to the region's nodes.

    Why that is exact (`thesaurus_exact` checks the premises on the shapes, `changed_region` on the data): no chat
    node has a class the thesaurus's shapes target and no chat uses a SKOS property but of a theme, so every check
    of a theme, a lesson or the scheme that reads only SKOS and the themes' own triples sees all it reads. The
    concept scheme's two checks that read the chats ("an assignment has its `qi:hasTheme` triple", "a `qi:hasTheme`
    has its assignment") report a row per assignment or item (`?value`, the subject of the row's positive triple):
    rows can only appear through a new triple, whose subject is a region node (an added triple cannot remove a row
    of the build before, which had none: they are violations). A row of a region node is answered exactly when the
    subset has the whole `NOT EXISTS` side: the `qi:hasTheme` triples of each assignment's item and every assignment
    of each item, closed over both, which is what is added here; a row over the subset is then a row of the whole
    graph, and each row of the whole graph that can be new is found.
    """
    assigned_to = QI.assignedTo
    subset = PreparedQueries()
    for prefix, ns in region.subset.namespaces():
        subset.bind(prefix, ns)
    for t in region.subset:
        subset.add(t)
    for theme in theme_nodes:
        for t in by_subject.get(theme, ()):
            subset.add(t)
            if _resource(t[2]) and t[1] != RDF.type:
                for typed in by_subject.get(t[2], ()):
                    if typed[1] == RDF.type:
                        subset.add(typed)
    items: set[Node] = set(region.nodes)
    assignments: set[Node] = set()
    todo = [(n, "item") for n in region.nodes] + [(n, "assignment") for n in region.nodes]
    while todo:
        node, role = todo.pop()
        if role == "item":
            for a in pointing.get(node, ()):
                if a not in assignments and (a, assigned_to, node) in by_subject.get(a, ()):
                    assignments.add(a)
                    todo.append((a, "assignment"))
        else:
            for _, p, o in by_subject.get(node, ()):
                if p == assigned_to and o not in items:
                    items.add(o)
                    todo.append((o, "item"))
    for a in assignments:
        for t in by_subject.get(a, ()):
            subset.add(t)
    for i in items:
        for t in by_subject.get(i, ()):
            if t[1] == QI.hasTheme:
                subset.add(t)
    return subset


def thesaurus_exact(thesaurus_shapes: Graph) -> bool:
    """True when `thesaurus_subset` answers the thesaurus's shapes as the whole graph does: their SPARQL reads of the
    chats only `THEME_LINKS` (besides SKOS, `rdf:type` and `rdfs:subClassOf`), and a constraint reading those is a
    violation (so the build before had none of its rows). Anything else (a new shape): the whole graph."""
    from rdflib.plugins.sparql import prepareQuery

    allowed = {RDF.type, RDFS.subClassOf, *THEME_LINKS}
    namespaces = dict(thesaurus_shapes.namespaces())
    targeted = {s for p in (SH.targetClass, *TARGETS) for s in thesaurus_shapes.subjects(p)}
    for shape, constraint in thesaurus_shapes.subject_objects(SH.sparql):
        if shape not in targeted:  # a shape of the chats' nodes (its targets went to the local shapes)
            continue
        text = thesaurus_shapes.value(constraint, SH.select)
        if text is None:
            return False
        try:
            query = prepareQuery(str(text), initNs=namespaces)
        except Exception:  # a text rdflib cannot parse: no claim about what it reads
            return False
        read = _predicates(query.algebra)
        if any(p not in allowed and p not in SKOS_TERMS for p in read):
            return False
        severity = thesaurus_shapes.value(constraint, SH.severity) or thesaurus_shapes.value(shape, SH.severity)
        if read & set(THEME_LINKS) and severity not in (None, SH.Violation):
            return False
    return True


def _predicates(algebra) -> set[Node]:
    """Every IRI in a predicate position (paths included) of a parsed query's algebra."""
    from rdflib.paths import Path as PropertyPath
    from rdflib.plugins.sparql.parserutils import CompValue

    found: set[Node] = set()

    def path_iris(p) -> None:
        if isinstance(p, URIRef):
            found.add(p)
        elif isinstance(p, PropertyPath):
            for part in getattr(p, "args", None) or [getattr(p, "path", None), getattr(p, "arg", None)]:
                if part is not None:
                    path_iris(part)

    def walk(node) -> None:
        if isinstance(node, CompValue):
            if node.name == "BGP":
                for _, p, _ in node.triples:
                    path_iris(p)
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(algebra)
    return found


TARGETS = (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def split_shapes(shapes: Graph, thesaurus_classes: set[Node]) -> tuple[Graph, Graph]:
    """(local, thesaurus): the shapes without the thesaurus's target classes (for the subset), and the shapes that
    target only those classes (for the whole graph). Other kinds of target (SPARQL targets: theme assignments) stay
    with the local shapes."""
    local, only = Graph(), Graph()
    for prefix, ns in shapes.namespaces():
        local.bind(prefix, ns)
        only.bind(prefix, ns)
    for s, p, o in shapes:
        if p == SH.targetClass:
            (only if o in thesaurus_classes else local).add((s, p, o))
            continue
        local.add((s, p, o))
        if p not in TARGETS:
            only.add((s, p, o))
    return local, only


def merged_findings(
    region: Region, recomputed: list[Finding], thesaurus: list[Finding], previous: list[Finding], thesaurus_nodes
) -> list[Finding]:
    """The findings of the whole graph: the region's from the subset (`recomputed`), the thesaurus's nodes' from the
    whole graph (`thesaurus`), every other node's as in the previous build."""
    inside = {str(n) for n in region.nodes}
    theirs = {str(n) for n in thesaurus_nodes}
    kept = [f for f in previous if f.node not in inside and f.node not in theirs]
    fresh = [f for f in recomputed if f.node in inside]
    return sorted(set(kept) | set(fresh) | set(thesaurus))
