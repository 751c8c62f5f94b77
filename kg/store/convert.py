"""Terms between pyoxigraph and rdflib, and Oxigraph query answers as a neutral `QueryResult`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.store.base import Budget, Deadline, QueryResult, limited

_XSD_STRING = str(XSD.string)


_LANG_STRING = str(RDF.langString)


def from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """pyoxigraph term -> rdflib term (plain strings stay plain, language tags kept)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term in a result: {term!r}")


def _text_size(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> int:
    if isinstance(term, ox.Triple):
        return _text_size(term.subject) + _text_size(term.predicate) + _text_size(term.object)
    return len(term.value)


def _memo_from_ox(
    budget: Budget | None = None, size: int = 65_536
) -> Callable[[ox.NamedNode | ox.BlankNode | ox.Literal], Node]:
    """`from_ox` that converts each distinct term of one result once: types, people, chats and themes repeat on
    many rows, and rdflib checks every IRI it is given (at 1 M quads half of reading the quotes was conversion).
    Every term read is charged to `budget` (before it is converted, so a huge value is refused, not copied)."""
    cache: dict[object, tuple[Node, int]] = {}
    budget = budget or Budget(None)

    def convert(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        known = cache.get(term)
        if known is not None:
            budget.charge(known[1])
            return known[0]
        chars = _text_size(term)
        budget.charge(chars)
        node = from_ox(term)
        if len(cache) < size:
            cache[term] = (node, chars)
        return node

    return convert


def from_ox_result(
    result: ox.QueryBoolean | ox.QuerySolutions | Iterable,
    row_limit: int | None,
    deadline: Deadline,
    byte_limit: int | None = None,
) -> QueryResult:
    """pyoxigraph results (from a query or parsed from a server's answer) -> QueryResult, within the limits (rows,
    time, and the text of the terms: `byte_limit` characters, each term counted with TERM_OVERHEAD)."""
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(result))
    convert = _memo_from_ox(Budget(byte_limit))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in limited(result, row_limit, deadline, "rows"):
            rows.append({name: convert(value) for name in names if (value := solution[name]) is not None})
        return QueryResult("SELECT", variables=names, rows=rows)
    triples = [
        (convert(t.subject), convert(t.predicate), convert(t.object))
        for t in limited(result, row_limit, deadline, "triples")
    ]
    return QueryResult("CONSTRUCT", triples=triples)


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """rdflib term -> pyoxigraph term, for substitutions."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot bind {term!r}: expected an IRI, blank node or literal")
