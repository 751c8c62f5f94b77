"""Linked data: every qid: IRI dereferences under /id/... as HTML for browsers, or Turtle / JSON-LD / N-Triples."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from rdflib import Graph, Literal, URIRef

from api import pages
from api.deps import TEMPLATES, CatalogueDep, ServiceDep
from api.errors import documented, not_found
from api.negotiation import PageFormat, page_media
from api.queries import load
from api.routes import network
from kg.indexes.catalogue import Catalogue, line_number, suggest
from kg.iris import PREFIXES
from kg.sparql import formats as fmt
from kg.store import InvalidBinding

router = APIRouter(tags=["linked data"])
OFFERED = [fmt.TURTLE, fmt.HTML, fmt.JSONLD, fmt.NTRIPLES, fmt.RDFXML]
LABELS = {"http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label"}
SAFE_PATH = re.compile(r"[^\s<>\"{}|^`\\\x00-\x1f]+")  # characters an IRI may hold unescaped
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def compact(iri: str) -> str:
    """qi:text rather than the full IRI, for display."""
    best = max(((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns)), key=lambda x: len(x[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]) :]}" if best else iri


def _known_paths(catalogue: Catalogue) -> list[str]:
    iris = [
        *catalogue.themes,
        *(p.iri for p in catalogue.participants.values()),
        *catalogue.organisations,
        *catalogue.resources,
        *(q["iri"] for q in catalogue.questions),
        *(q["iri"] for q in catalogue.quotes),
        *catalogue.chats,
    ]
    return sorted(p[len("/id/") :] for p in map(catalogue.page, iris) if p)


def _link(catalogue: Catalogue, iri: str, ontology_iri: str) -> str | None:
    if iri.startswith(ontology_iri):
        return "/ontology#" + iri[len(ontology_iri) :]
    return catalogue.page(iri)


@router.get(
    "/id/{path:path}",
    response_class=Response,
    summary="The page of one qid: entity (HTML, Turtle, JSON-LD or N-Triples by Accept)",
    responses={
        200: {"content": {m: {} for m in OFFERED}},
        308: {"description": "a handle in another case, an alias or a theme's label: its canonical page"},
        **documented(404, 406),
    },
)
def entity(
    request: Request,
    service: ServiceDep,
    catalogue: CatalogueDep,
    path: Annotated[str, PathParam(examples=["theme/genba"])],
    format: Annotated[PageFormat | None, Query(description="overrides Accept")] = None,
) -> Response:
    if len(path) > 1000 or not SAFE_PATH.fullmatch(path):
        raise not_found("entity", path, suggest(path[:200], _known_paths(catalogue)))
    iri = service.settings.id_base + path
    node = URIRef(iri)
    try:
        outgoing = service.store.query(load("entity_out"), {"subject": node}).rows
        incoming = service.store.query(load("entity_in"), {"object": node}).rows
    except InvalidBinding:
        outgoing = incoming = []
    if not outgoing and not incoming:
        better = pages.canonical(catalogue, path)
        if better is not None:  # a handle in another case, an alias, a theme's label: the canonical page
            query = request.url.query
            return RedirectResponse(better + (f"?{query}" if query else ""), status_code=308)
        raise not_found("entity", path, suggest(path, _known_paths(catalogue)))
    media = page_media(request.headers.get("accept"), format, OFFERED, "this page")
    if media != fmt.HTML:
        graph = Graph()
        for row in outgoing:
            graph.add((node, row["p"], row["o"]))
        for row in incoming:
            graph.add((row["s"], row["p"], node))
        answer = Response(fmt.serialize_graph(graph, media), media_type=media)
    else:
        answer = _html(request, service, catalogue, iri, outgoing, incoming)
    answer.headers["Link"] = ", ".join(f'<{href}>; rel="alternate"; type="{m}"' for m, href in alternates(path))
    return answer


ALTERNATES = ((fmt.TURTLE, "ttl"), (fmt.JSONLD, "jsonld"), (fmt.NTRIPLES, "nt"), (fmt.RDFXML, "rdf"))


def alternates(path: str) -> list[tuple[str, str]]:
    """The page's other representations, by file extension (api/http.py serves them): (media type, path)."""
    return [(media, f"/id/{path}.{ext}") for media, ext in ALTERNATES]


def _html(request: Request, service, catalogue: Catalogue, iri: str, outgoing: list, incoming: list) -> Response:
    ontology_iri = service.settings.ontology_iri
    label, types = None, []
    props: dict[str, list[dict]] = {}
    for row in outgoing:
        p, o = str(row["p"]), row["o"]
        if p in LABELS and label is None and isinstance(o, Literal):
            label = str(o)
        if p == RDF_TYPE:
            types.append({"text": compact(str(o)), "href": _link(catalogue, str(o), ontology_iri)})
            continue
        values = props.setdefault(p, [])
        entry = _value(catalogue, o, row.get("label"), ontology_iri)
        if entry not in values:
            values.append(entry)
    for values in props.values():  # a theme assignment linked by its words, not its slug label
        for entry in values:
            if entry.get("iri") and (named := pages.assignment_name(service, catalogue, entry["iri"])):
                entry["text"] = named
    properties = [
        {"text": compact(p), "href": _link(catalogue, p, ontology_iri), "vals": v}
        for p, v in sorted(props.items(), key=lambda kv: compact(kv[0]))
    ]
    links_in: list[dict] = []
    for row in incoming:
        entry = {
            "property": compact(str(row["p"])),
            "property_href": _link(catalogue, str(row["p"]), ontology_iri),
            **_value(catalogue, row["s"], row.get("label"), ontology_iri),
        }
        if entry.get("iri") and (named := pages.assignment_name(service, catalogue, entry["iri"])):
            entry["text"] = named
        if entry not in links_in:
            links_in.append(entry)
    provenance = service.store.query(load("source_of"), {"subject": URIRef(iri)}).rows
    page = catalogue.page(iri)
    connections = network.page_sections(service, catalogue, iri)
    view = pages.view(service, catalogue, iri)
    if view is None:  # a node that is one fact: its fact in words above the statements
        typed = {str(row["o"]) for row in outgoing if str(row["p"]) == RDF_TYPE}
        view = pages.small_view(catalogue, typed, outgoing, incoming)
    return TEMPLATES.TemplateResponse(
        request,
        "entity.html",
        {
            "iri": iri,
            "label": (view or {}).get("heading")
            or (pages.label_of(catalogue, iri) if pages.kind_of(catalogue, iri) else None)
            or label
            or pages.label_of(catalogue, iri),
            "kind_name": pages.KIND_NAMES.get(pages.kind_of(catalogue, iri) or "", _kind_name(types)),
            "v": view,
            "citations": pages.citations(service, catalogue, iri),
            "types": types,
            "properties": properties,
            "incoming": sorted(links_in, key=lambda e: (e["property"], e["text"])),
            "provenance": [
                {
                    "title": str(r.get("title") or r["source"]),
                    "href": catalogue.page(str(r["source"])),
                    "line": line_number(r.get("line")),
                }
                for r in provenance
            ],
            "formats": [(name, f"{page}?format={name}") for name in ("turtle", "jsonld", "nt", "rdfxml")],
            "alternates": alternates(iri.removeprefix(service.settings.id_base)),
            "connections": connections,
        },
    )


def _kind_name(types: list[dict]) -> str:
    """What the page is of, for kinds without a reading view: the first type's local name, in words."""
    for t in types:
        name = t["text"].rsplit(":", 1)[-1]
        if t["text"].startswith("qi:"):
            return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()
    texts = {t["text"] for t in types}
    if "foaf:Person" in texts:
        return "person"
    if "foaf:Agent" in texts:
        return "agent (a person or an organisation)"
    return "thing"


def _value(catalogue: Catalogue, term, label, ontology_iri: str) -> dict:
    if isinstance(term, URIRef):
        return {
            "text": str(label) if label is not None else compact(str(term)),
            "iri": str(term),
            "href": _link(catalogue, str(term), ontology_iri),
            "literal": False,
        }
    if isinstance(term, Literal):
        note = term.language or (compact(str(term.datatype)) if term.datatype else None)
        return {"text": str(term), "iri": None, "href": None, "literal": True, "note": note}
    return {"text": f"_:{term}", "iri": None, "href": None, "literal": False}
