"""Serialise query results: SPARQL JSON, XML, CSV and TSV for rows; Turtle, N-Triples and JSON-LD for graphs.

Written once over the neutral `QueryResult`, so every store back-end answers in exactly the same formats; and, for
the embedded store, once more over the engine's own terms (`encode_native`): a query worker then writes SELECT and
ASK answers in SPARQL JSON, XML or CSV itself, byte for byte what `serialize_rows` writes, without making an rdflib
term per value or pickling them to the server (the server receives bytes).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.iris import PREFIXES
from kg.store import QueryResult
from kg.store.base import TERM_OVERHEAD, Budget, Deadline, limited

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
HTML = "text/html"

ROW_FORMATS = [JSON, XML, CSV, TSV]
BOOLEAN_FORMATS = [JSON, XML]
GRAPH_FORMATS = [TURTLE, NTRIPLES, JSONLD, RDFXML]

# Short names for ?format= (handy in links and curl) and common aliases clients send in Accept.
FORMAT_NAMES = {
    "json": JSON,
    "xml": XML,
    "csv": CSV,
    "tsv": TSV,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "jsonld": JSONLD,
    "json-ld": JSONLD,
    "n3": TURTLE,  # SPARQLWrapper's name for Turtle results (N3 is a superset of Turtle, which is what is sent)
    "rdfxml": RDFXML,
    "rdf": RDFXML,
    "rdf+xml": RDFXML,
    "html": HTML,
}
# Short names that mean one format for rows and another for graphs (SPARQLWrapper sends format=xml for RDF/XML
# CONSTRUCT answers and for SPARQL XML results alike): every meaning is offered, the query's form picks.
FORM_NAMES = {"xml": f"{XML}, {RDFXML}", "json": f"{JSON}, {JSONLD}"}
ALIASES = {
    "application/json": JSON,
    "application/xml": XML,
    "text/xml": XML,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "application/rdf+turtle": TURTLE,
    "application/x-json+ld": JSONLD,
    "text/n3": TURTLE,
    "text/rdf+n3": TURTLE,
    "application/n3": TURTLE,
    "application/xml+rdf": RDFXML,
}


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def _csv_value(term: Node) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _tsv_value(term: Node) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    text = term.n3()
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def serialize_rows(result: QueryResult, media: str) -> bytes:
    """SELECT rows or an ASK boolean in one of ROW_FORMATS."""
    if media == JSON:
        if result.kind == "ASK":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}).encode()
        bindings = [{k: _json_term(v) for k, v in row.items()} for row in result.rows]
        return json.dumps(
            {"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False
        ).encode()
    if media == XML:
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">', f"<head>{head}</head>"]
        if result.kind == "ASK":
            out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
        else:
            out.append("<results>")
            for row in result.rows:
                cells = "".join(f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>" for k, v in row.items())
                out.append(f"<result>{cells}</result>")
            out.append("</results>")
        out.append("</sparql>\n")
        return "\n".join(out).encode()
    if media == CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_csv_value(row[v]) if v in row else "" for v in result.variables])
        return buffer.getvalue().encode()
    if media == TSV:
        lines = ["\t".join(f"?{v}" for v in result.variables)]
        for row in result.rows:
            lines.append("\t".join(_tsv_value(row[v]) if v in row else "" for v in result.variables))
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"not a row format: {media}")


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def serialize_graph(graph: Graph, media: str) -> bytes:
    """A graph in one of GRAPH_FORMATS."""
    bind_prefixes(graph)
    if media == JSONLD:  # compacted with the graph's prefixes as @context, so keys read as qi:handle, not IRIs
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    fmt = {TURTLE: "turtle", NTRIPLES: "nt", RDFXML: "pretty-xml"}[media]
    return graph.serialize(format=fmt, encoding="utf-8")


# --- answers encoded from the engine's own terms (in the query worker) --------------------------------------------

NATIVE_FORMATS = (JSON, XML, CSV)  # what `encode_native` writes (TSV needs rdflib's N3 spelling of terms)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Encoded:
    """An answer already serialised by the query worker: the media type and the bytes to send."""

    media: str
    body: bytes


def _native_json(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    raise TypeError(f"unsupported term in a result: {term!r}")


def _native_xml(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        attrs = ""
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != _XSD_STRING:
            attrs = f" datatype={quoteattr(term.datatype.value)}"
        return f"<literal{attrs}>{escape(term.value)}</literal>"
    raise TypeError(f"unsupported term in a result: {term!r}")


def _native_csv(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    raise TypeError(f"unsupported term in a result: {term!r}")


def _memo(encode: Callable, budget: Budget, size: int = 65_536) -> Callable:
    """`encode` once per distinct term of an answer (types, people, chats repeat on many rows); every term read is
    charged to `budget` by its text, before it is encoded, as `kg.store.convert` charges it."""
    cache: dict[object, tuple[object, int]] = {}

    def convert(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
        known = cache.get(term)
        if known is not None:
            budget.charge(known[1])
            return known[0]
        chars = len(term.value) if not isinstance(term, ox.Triple) else len(str(term))
        budget.charge(chars)
        out = encode(term)
        if len(cache) < size:
            cache[term] = (out, chars)
        return out

    return convert


def encode_native(
    result: ox.QuerySolutions | ox.QueryBoolean,
    media: str,
    *,
    row_limit: int | None,
    byte_limit: int | None,
    deadline: Deadline | None = None,
) -> bytes:
    """A SELECT or ASK answer of the embedded engine in JSON, XML or CSV, read within the same limits as
    `kg.store.convert.from_ox_result` (rows, the terms' text) and written exactly as `serialize_rows` writes it."""
    deadline = deadline or Deadline(None)
    if isinstance(result, ox.QueryBoolean):
        deadline.check()
        return serialize_rows(QueryResult("ASK", boolean=bool(result)), media)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("encode_native writes SELECT and ASK answers only")
    names = [v.value for v in result.variables]
    budget = Budget(byte_limit)
    if media == JSON:
        return _native_json_answer(result, names, budget, row_limit, deadline)
    if media == XML:
        convert = _memo(_native_xml, budget)
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in names)
        attr = {name: quoteattr(name) for name in names}
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">', f"<head>{head}</head>"]
        out.append("<results>")
        for solution in limited(result, row_limit, deadline, "rows"):
            cells = "".join(
                f"<binding name={attr[name]}>{convert(value)}</binding>"
                for name in names
                if (value := solution[name]) is not None
            )
            out.append(f"<result>{cells}</result>")
        out.append("</results>")
        out.append("</sparql>\n")
        return "\n".join(out).encode()
    if media == CSV:
        convert = _memo(_native_csv, budget)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        for solution in limited(result, row_limit, deadline, "rows"):
            writer.writerow([convert(value) if (value := solution[name]) is not None else "" for name in names])
        return buffer.getvalue().encode()
    raise ValueError(f"not a format encode_native writes: {media}")


_json_string = json.encoder.encode_basestring  # what json.dumps(text, ensure_ascii=False) writes (C, no encoder made)


def _native_json_text(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """`json.dumps(_native_json(term), ensure_ascii=False)`, written directly (json.dumps makes an encoder per call)."""
    if isinstance(term, ox.NamedNode):
        return '{"type": "uri", "value": ' + _json_string(term.value) + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type": "bnode", "value": ' + _json_string(term.value) + "}"
    if isinstance(term, ox.Literal):
        text = '{"type": "literal", "value": ' + _json_string(term.value)
        if term.language:
            return text + ', "xml:lang": ' + _json_string(term.language) + "}"
        if term.datatype.value != _XSD_STRING:
            return text + ', "datatype": ' + _json_string(term.datatype.value) + "}"
        return text + "}"
    raise TypeError(f"unsupported term in a result: {term!r}")


def _native_json_answer(
    result: ox.QuerySolutions, names: list[str], budget: Budget, row_limit: int | None, deadline: Deadline
) -> bytes:
    """SPARQL JSON as `json.dumps` writes the whole answer, put together from each distinct term's JSON text,
    written once (`json.dumps` of a part is that part's text in the whole): no dict per row or per value. Every
    term read is charged to `budget` by its text, as `_memo` charges it (the count is kept here and handed to the
    budget when it passes the limit, so the error is the budget's own)."""
    keys = [_json_string(name) + ": " for name in names]
    cache: dict[object, tuple[str, int]] = {}
    known_text = cache.get
    rows: list[str] = []
    add_row = rows.append
    limit = budget.limit
    used = budget.used
    for solution in limited(result, row_limit, deadline, "rows"):
        cells: list[str] = []
        add = cells.append
        for key, term in zip(keys, solution, strict=True):
            if term is None:
                continue
            known = known_text(term)
            if known is None:
                chars = len(term.value) if not isinstance(term, ox.Triple) else len(str(term))
                used += chars + TERM_OVERHEAD
                if limit is not None and used > limit:
                    budget.used = used - chars - TERM_OVERHEAD
                    budget.charge(chars)  # raises AnswerTooLarge
                known = (_native_json_text(term), chars)
                if len(cache) < 65_536:
                    cache[term] = known
            else:
                used += known[1] + TERM_OVERHEAD
                if limit is not None and used > limit:
                    budget.used = used - known[1] - TERM_OVERHEAD
                    budget.charge(known[1])
            add(key + known[0])
        add_row("{" + ", ".join(cells) + "}")
    budget.used = used
    head = "[" + ", ".join(map(_json_string, names)) + "]"  # json.dumps(names, ensure_ascii=False), no encoder made
    return ('{"head": {"vars": ' + head + '}, "results": {"bindings": [' + ", ".join(rows) + "]}}").encode()
