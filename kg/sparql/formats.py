"""Serialise query results: SPARQL JSON, XML, CSV and TSV for rows; Turtle, N-Triples and JSON-LD for graphs.

Written once over the neutral `QueryResult`, so every store back-end answers in exactly the same formats.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.iris import PREFIXES
from kg.store import QueryResult

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
