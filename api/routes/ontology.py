"""The ontology: pyLODE documentation (made at build time) for browsers, Turtle for everyone else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from rdflib import URIRef

from api.deps import ServiceDep
from api.errors import ApiError, documented
from api.negotiation import PageFormat, page_media
from api.queries import load
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
        return FileResponse(page, media_type="text/html")
    graph_iri = URIRef(service.settings.base_iri.rstrip("/") + "/graph/ontology")
    result = service.store.query(load("ontology_graph"), {"graph": graph_iri})
    return Response(fmt.serialize_graph(result.graph(), media), media_type=media)
