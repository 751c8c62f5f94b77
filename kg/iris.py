"""Namespaces and deterministic IRI minting: the one place that knows how a `qid:` IRI is spelt.

Every IRI is a pure function of stable keys (handle, slug, chat date, number), so two builds of the same inputs give
the same graph and users' saved queries keep working.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/qikg/"
QI = Namespace(BASE + "ontology#")
QID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SIOC = Namespace("http://rdfs.org/sioc/ns#")
SIOCT = Namespace("http://rdfs.org/sioc/types#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
BIBO = Namespace("http://purl.org/ontology/bibo/")

ONTOLOGY_GRAPH = GRAPH["ontology"]
THEMES_GRAPH = GRAPH["themes"]
INFERRED_GRAPH = GRAPH["inferred"]  # types derived by the reasoner (kg.checks.reason), kept apart from asserted facts

PREFIXES: dict[str, str] = {
    "qi": str(QI),
    "qid": str(QID),
    "foaf": str(FOAF),
    "sioc": str(SIOC),
    "sioct": str(SIOCT),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "bibo": str(BIBO),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'Leeds Teaching Hospitals' -> 'leeds-teaching-hospitals'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3` … if `taken` holds it already; the one returned is added to `taken`."""
    base, i = slug or "resource", 2
    while slug in taken:
        slug = f"{base}-{i}"
        i += 1
    taken.add(slug)
    return slug


def source_graph(source_slug: str) -> URIRef:
    """Named graph holding the facts taken from one source document."""
    return GRAPH[f"source/{source_slug}"]


def participant(handle: str) -> URIRef:
    return QID[f"participant/{handle.lower()}"]


def organisation(slug: str) -> URIRef:
    return QID[f"organisation/{slug}"]


def chat(chat_slug: str) -> URIRef:
    return QID[f"chat/{chat_slug}"]


def question(chat_slug: str, number: int) -> URIRef:
    return QID[f"question/{chat_slug}/q{number}"]


def quote(chat_slug: str, number: int) -> URIRef:
    return QID[f"quote/{chat_slug}/{number}"]


def resource(slug: str) -> URIRef:
    return QID[f"resource/{slug}"]


def theme(slug: str) -> URIRef:
    return QID[f"theme/{slug}"]


def source(slug: str) -> URIRef:
    return QID[f"source/{slug}"]


def measurement(chat_slug: str, slug: str) -> URIRef:
    return QID[f"measurement/{chat_slug}/{slug}"]


def ranking(chat_slug: str, ranking_slug: str) -> URIRef:
    return QID[f"ranking/{chat_slug}/{ranking_slug}"]


def rank_entry(chat_slug: str, ranking_slug: str, rank: int) -> URIRef:
    return QID[f"ranking/{chat_slug}/{ranking_slug}/{rank}"]


def engagement(chat_slug: str, quote_number: int, position: int) -> URIRef:
    return QID[f"quote/{chat_slug}/{quote_number}/count/{position}"]


def theme_assignment(subject: URIRef, theme_slug: str, chat_slug: str | None = None) -> URIRef:
    """The recorded reason why `subject` has a theme, as one chat's report gives it: `qid:tagging/<subject>/<theme>`.

    A resource is one node across chats and each chat that shares it gives its own evidence (its words, line and
    reason), so its assignments name the chat (`…/<theme>/in/<chat>`): one node merging two chats' evidence would
    hold two reasons and two lines with nothing to say which goes with which. Quotes and questions are minted under
    their chat already."""
    local = str(subject).removeprefix(str(QID))
    if chat_slug is not None and local.startswith("resource/"):
        return QID[f"tagging/{local}/{theme_slug}/in/{chat_slug}"]
    return QID[f"tagging/{local}/{theme_slug}"]


def tool(slug: str) -> URIRef:
    return QID[f"tool/{slug}"]


def person_name(name: str) -> URIRef:
    """A named person who has no account in the source (e.g. the report's author)."""
    return QID[f"person/{slugify(name)}"]


def creator(resource_slug: str, name: str) -> URIRef:
    """A creator the report names on a resource who is no node of the graph by that exact name: one agent per name
    per resource (the same printed name on two resources is not assumed to be one agent)."""
    return QID[f"resource/{resource_slug}/creator/{slugify(name)}"]
