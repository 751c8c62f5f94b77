"""The ontology: pyLODE documentation (made at build time) for browsers, Turtle for everyone else."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import URIRef

from api.deps import ServiceDep
from api.errors import ApiError, documented
from api.negotiation import PageFormat, page_media
from api.queries import load
from api.way_back import with_way_back
from kg.sparql import formats as fmt

router = APIRouter(tags=["ontology"])
OFFERED = [fmt.TURTLE, fmt.HTML, fmt.JSONLD, fmt.NTRIPLES, fmt.RDFXML]


@router.get(
    "/ontology",
    response_class=Response,
    summary="The ontology: HTML documentation or Turtle / JSON-LD / N-Triples by Accept",
    responses={200: {"content": {m: {} for m in OFFERED}}, **documented(404, 406)},
)
def ontology(
    request: Request,
    service: ServiceDep,
    format: Annotated[PageFormat | None, Query(description="overrides Accept")] = None,
) -> Response:
    media = page_media(request.headers.get("accept"), format, OFFERED, "the ontology")
    if media == fmt.HTML:
        page = service.settings.data_dir / "ontology.html"
        if not page.exists():
            raise ApiError(404, "not built", "ontology.html is missing from the build; run `qikg build`")
        # the links back go first in pyLODE's content column, clear of its fixed table of contents
        html = readable(page.read_text(encoding="utf-8"))
        return HTMLResponse(with_way_back(html, inside='<div id="content">'))
    graph_iri = URIRef(service.settings.base_iri.rstrip("/") + "/graph/ontology")
    result = service.store.query(load("ontology_graph"), {"graph": graph_iri})
    return Response(fmt.serialize_graph(result.graph(), media), media_type=media)


# pyLODE's page as built, made readable where axe-core finds it is not: it names no language, and its property
# markers (fp, ifp, ...) are light blue on white (1.7:1). Done when served: the build's file stays as pyLODE wrote it.
_OVERRIDE = (
    "<style>body { overflow-wrap: anywhere; } sup { color: #1a5596 !important; } a { color: #1a5596; }"
    " #pylode, #pylode * { color: #4b5563 !important; }"
    # on a phone pyLODE's fixed table of contents would cover most of the page: it goes below the content there
    " @media (max-width: 45rem) { body { padding: 1em 12px; } #pylode { display: none; }"
    " #toc { position: static; width: auto; height: auto; } #content { width: auto; } }</style>"
)


# a term's section as pyLODE writes it: <div class="property entity" id="sourceline"> ... <code>IRI</code>
_TERM = re.compile(r'<div class="[^"]*\bentity\b[^"]*" id="([^"]+)">(.*?)<code>([^<]+)</code>', re.S)
_ID = re.compile(r'\sid="([^"]+)"')


def with_term_ids(html: str) -> str:
    """Every term's section also reachable by the term's own local name, exactly as the IRI spells it.

    pyLODE makes a section's id from the term's label (qi:sourceLine, labelled "source line", becomes `sourceline`),
    while our pages link a term as /ontology#sourceLine, the IRI's fragment. Served, not built: the build's file
    stays as pyLODE wrote it."""
    taken = set(_ID.findall(html))

    def add(match: re.Match[str]) -> str:
        fid, iri = match.group(1), match.group(3).strip()
        local = re.split(r"[#/]", iri)[-1]
        if not local or local == fid or local in taken or not re.fullmatch(r"[\w.-]+", local):
            return match.group(0)
        taken.add(local)
        opening = match.group(0)[: match.start(2) - match.start(0)]
        return f'{opening}<span id="{local}"></span>{match.group(2)}<code>{match.group(3)}</code>'

    return _TERM.sub(add, html)


def readable(html: str) -> str:
    html = with_term_ids(html)
    if "<html>" in html:
        html = html.replace("<html>", '<html lang="en">', 1)
    return html.replace("</head>", _OVERRIDE + "</head>", 1)
