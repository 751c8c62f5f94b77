"""RDF graph -> networkx graph: the one place that decides what the graph view draws.

The view is a projection of the knowledge graph, read with the SPARQL queries in `queries/` so the selection is
inspectable and testable apart from any drawing. Three projections: "full" (every kind of node), "overview"
(people, organisations, themes and questions; quotes and resources folded into weighted participant edges) and
"people" (who connects whom: people tied by replies and mentions, from kg/network.py, with its measures).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from importlib import resources
from typing import Literal

import networkx as nx
from rdflib import Dataset, Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.graph import ConjunctiveGraph
from rdflib.query import ResultRow

from kg.indexes.network import Network, Networks
from kg.iris import QI, QID

Mode = Literal["full", "overview", "people"]
MODES: tuple[Mode, ...] = ("full", "overview", "people")

KINDS: tuple[str, ...] = ("participant", "organisation", "theme", "resource", "question", "quote")
OVERVIEW_KINDS: frozenset[str] = frozenset({"participant", "organisation", "theme", "question"})

SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"

# Class -> kind, in priority order: a node typed both qi:Lesson and qi:Theme is a theme, an organisation's own
# account (qi:OrganisationAccount, a qi:Participant) is a participant.
_CLASS_KIND: dict[str, str] = {
    QI + "Quote": "quote",
    QI + "Tweet": "quote",
    QI + "Comment": "quote",
    QI + "PullQuote": "quote",
    QI + "Question": "question",
    QI + "Resource": "resource",
    QI + "Theme": "theme",
    QI + "Lesson": "theme",
    QI + "Organisation": "organisation",
    QI + "Participant": "participant",
    QI + "OrganisationAccount": "participant",
}
_KIND_PRIORITY = {
    kind: i for i, kind in enumerate(("quote", "question", "resource", "theme", "organisation", "participant"))
}

_RELATIONS: dict[str, str] = {
    QI + "saidBy": "saidBy",
    QI + "answers": "answers",
    QI + "hasTheme": "hasTheme",
    QI + "sharedBy": "sharedBy",
    QI + "affiliatedWith": "affiliatedWith",
    QI + "mentions": "mentions",
    SKOS + "broader": "broader",
    QI + "askedBy": "askedBy",
    QI + "accountOf": "accountOf",
    ORG + "subOrganizationOf": "subOrganizationOf",
    QI + "sameAgentAs": "sameAgentAs",
}

_PROPERTIES: dict[str, str] = {
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    SKOS + "prefLabel": "prefLabel",
    SKOS + "altLabel": "altLabel",
    QI + "handle": "handle",
    QI + "alias": "alias",
    QI + "text": "text",
    QI + "number": "number",
    "http://xmlns.com/foaf/0.1/name": "name",
    QI + "displayName": "displayName",
    QI + "role": "role",
    "http://purl.org/dc/terms/title": "title",
    QI + "creatorName": "creator",  # the creator as printed (dcterms:creator is the agent node)
    "http://purl.org/dc/terms/issued": "issued",
    "http://purl.org/dc/terms/publisher": "publisher",
    "http://purl.org/dc/terms/date": "date",
    QI + "resourceType": "resourceType",
    QI + "core": "core",
    QI + "orgKind": "orgKind",
    QI + "altName": "altName",
    "https://schema.org/url": "url",
    "http://purl.org/ontology/bibo/doi": "doi",
}


@cache
def query_text(name: str) -> str:
    """The SPARQL text of `queries/{name}.rq` (kept as files so they can be read and run on their own)."""
    return resources.files("visualizations").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


def _rows(g: Graph, name: str) -> list[ResultRow]:
    """The rows of the SELECT query `queries/{name}.rq` over `g`."""
    return [row for row in g.query(query_text(name)) if isinstance(row, ResultRow)]


def as_graph(graph: Graph) -> Graph:
    """One graph over all named graphs: the view draws facts and thesaurus together, wherever each is stored."""
    if isinstance(graph, Dataset | ConjunctiveGraph):
        union = Graph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return graph


def node_id(iri: URIRef | str) -> str:
    """Short, stable node id: the IRI's path below `qid:` (e.g. 'participant/alice'), else the IRI itself."""
    text = str(iri)
    return text.removeprefix(str(QID)) if text.startswith(str(QID)) else text


def _sort_key(value: str) -> tuple[int, str]:
    return (len(value), value)


def full_graph(graph: Graph) -> nx.MultiDiGraph:
    """Every participant, organisation, theme, resource, question and quote, with the relations between them.

    Node attributes: kind, iri, props (property name -> sorted literal strings), and for questions chat (the chat's
    date); graph attribute chats: how many chats the questions come from. Edge key and `relation` attribute:
    the relation's short name (saidBy, hasTheme, broader, ...), direction as in the data.
    """
    g = as_graph(graph)
    kinds: dict[str, str] = {}
    iris: dict[str, str] = {}
    lessons: set[str] = set()
    # The queries have no FILTER on term types: rdflib evaluates a FILTER per row (~0.3 ms each), so the checks
    # (IRI nodes, literal values) are done here instead.
    for row in _rows(g, "nodes"):
        node, cls = row[0], str(row[1])
        if not isinstance(node, URIRef):
            continue
        nid = node_id(node)
        if cls == QI + "Lesson":
            lessons.add(nid)
        kind = _CLASS_KIND[cls]
        if nid not in kinds or _KIND_PRIORITY[kind] < _KIND_PRIORITY[kinds[nid]]:
            kinds[nid] = kind
        iris[nid] = str(node)

    props: dict[str, dict[str, set[str]]] = {nid: {} for nid in kinds}
    for row in _rows(g, "literals"):
        nid = node_id(row[0])
        if nid in props and isinstance(row[2], RDFLiteral):
            props[nid].setdefault(_PROPERTIES[str(row[1])], set()).add(str(row[2]))

    chat_of: dict[str, str] = {}  # question -> its chat's date (else the chat's id)
    for row in _rows(g, "chats"):
        nid = node_id(row[0])
        if nid in kinds:
            chat_of[nid] = str(row[2]) if isinstance(row[2], RDFLiteral) else node_id(row[1]).removeprefix("chat/")
    # the number of chats the questions come from: above one, a question's number alone does not say which it is
    out = nx.MultiDiGraph(mode="full", chats=len(set(chat_of.values())))
    for nid in sorted(kinds):
        out.add_node(
            nid,
            kind=kinds[nid],
            iri=iris[nid],
            lesson=kinds[nid] == "theme" and nid in lessons,
            props={k: sorted(v, key=_sort_key) for k, v in sorted(props[nid].items())},
            **({"chat": chat_of[nid]} if nid in chat_of else {}),
        )
    edges = set()
    for row in _rows(g, "edges"):
        if not isinstance(row[0], URIRef) or not isinstance(row[2], URIRef):
            continue
        source, target = node_id(row[0]), node_id(row[2])
        if source in kinds and target in kinds and source != target:
            edges.add((source, target, _RELATIONS[str(row[1])]))
    for source, target, relation in sorted(edges):
        out.add_edge(source, target, key=relation, relation=relation, weight=1)
    return out


def overview_graph(full: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """People and themes: quotes and resources folded into participant edges weighted by how many there are.

    A quote said by P on theme T (or a resource P shared on T) adds 1 to the P–T 'discusses' edge; a quote by P
    answering question Q adds 1 to the P–Q 'answered' edge. Relations among the kept kinds stay as they are.
    """
    out = nx.MultiDiGraph(mode="overview")
    for nid, data in full.nodes(data=True):
        if data["kind"] in OVERVIEW_KINDS:
            out.add_node(nid, **data)
    for source, target, relation in full.edges(keys=True):
        if source in out and target in out:
            out.add_edge(source, target, key=relation, relation=relation, weight=1)

    folded: Counter[tuple[str, str, str]] = Counter()
    for nid, data in full.nodes(data=True):
        if data["kind"] not in ("quote", "resource"):
            continue
        authors = [t for _, t, rel in full.out_edges(nid, keys=True) if rel in ("saidBy", "sharedBy")]
        for _, target, rel in full.out_edges(nid, keys=True):
            kind = full.nodes[target]["kind"]
            if rel == "hasTheme" and kind == "theme":
                for author in authors:
                    folded[(author, target, "discusses")] += 1
            elif rel == "answers" and kind == "question":
                for author in authors:
                    folded[(author, target, "answered")] += 1
    for (source, target, relation), count in sorted(folded.items()):
        out.add_edge(source, target, key=relation, relation=relation, weight=count)
    return out


def people_network(graph: Graph) -> Network:
    """The people network of all chats (replies and mentions) with its measures, read from the RDF."""
    g = as_graph(graph)
    return Networks(lambda sparql: [row.asdict() for row in g.query(sparql)]).get("people")  # type: ignore[union-attr]


def people_graph(full: nx.MultiDiGraph, network: Network) -> nx.MultiDiGraph:
    """Who connects whom: the people of `network` (that the full view has) and one edge per tied pair, its relation
    the kinds of tie ('reply', 'mention' or 'reply+mention'), its weight the number of facts behind it."""
    out = nx.MultiDiGraph(mode="people")
    for iri in network.graph:
        nid = node_id(iri)
        if nid in full:
            out.add_node(nid, **full.nodes[nid])
    for u, v, data in network.graph.edges(data=True):
        a, b = sorted((node_id(u), node_id(v)))
        if a in out and b in out:
            relation = "+".join(sorted({t.kind for t in data["ties"]}, reverse=True))
            out.add_edge(a, b, key=relation, relation=relation, weight=int(data["weight"]))
    return out


def project(graph: Graph, mode: Mode = "full") -> nx.MultiDiGraph:
    """The networkx graph drawn for `mode`."""
    if mode not in MODES:
        raise ValueError(f"unknown graph view mode {mode!r}; expected one of {', '.join(MODES)}")
    full = full_graph(graph)
    if mode == "people":
        return people_graph(full, people_network(graph))
    return full if mode == "full" else overview_graph(full)


def narrower_closure(g: nx.MultiDiGraph, theme: str) -> set[str]:
    """The theme and every theme below it (following 'broader' edges backwards, transitively)."""
    seen, todo = {theme}, [theme]
    while todo:
        current = todo.pop()
        for source, _, rel in g.in_edges(current, keys=True):
            if rel == "broader" and source not in seen:
                seen.add(source)
                todo.append(source)
    return seen
