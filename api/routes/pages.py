"""Pages for people: search results, the thesaurus, the report line by line, who connects whom, the favicon.

The page-building logic is in api/pages.py; these routes only read parameters and pick a template. Each page has a
JSON twin in the API (linked from the page), and reads the same catalogue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from api import pages, ranking
from api.deps import TEMPLATES, TEXT_MAX, CatalogueDep, ServiceDep
from api.errors import ApiError, documented, not_found
from api.routes import network
from kg.indexes.search import SearchTooBroad

router = APIRouter(tags=["pages"])
STATIC = Path(__file__).resolve().parents[1] / "static"
PER_PAGE = 20
KINDS = ("theme", "participant", "organisation", "resource", "question", "quote")
PLURALS = {
    "theme": "themes",
    "participant": "people and accounts",
    "organisation": "organisations",
    "resource": "resources",
    "question": "questions",
    "quote": "quotes",
}
Kind = Literal["theme", "participant", "organisation", "resource", "question", "quote"]


@router.get("/search", response_class=HTMLResponse, summary="Search results as a page (the ranking of /api/search)")
def search_page(
    request: Request,
    catalogue: CatalogueDep,
    q: Annotated[str, Query(max_length=TEXT_MAX, description="words to look for")] = "",
    kind: Annotated[Kind | None, Query(description="only this kind of thing")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    found, problem = None, None
    if q.strip():
        if not ranking.words(q):
            problem = "Type at least one letter or digit."
        else:
            try:
                found = pages.search_results(catalogue, q, kind, PER_PAGE, (page - 1) * PER_PAGE)
            except SearchTooBroad as error:
                problem = str(error)
    kinds = [
        (k, pages.KIND_NAMES[k]) for k in ("theme", "participant", "organisation", "resource", "question", "quote")
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "search.html",
        {
            "search_q": q,
            "q": q,
            "kind": kind,
            "kinds": kinds,
            "found": found,
            "problem": problem,
            "page": page,
            "per_page": PER_PAGE,
        },
    )  # a page: a query with nothing to look for is said on it, with the form to try again


@router.get("/thesaurus", response_class=HTMLResponse, summary="The six lessons and their sub-themes as a tree")
def thesaurus_page(request: Request, catalogue: CatalogueDep) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "thesaurus.html", {"tree": pages.thesaurus(catalogue)})


@router.get(
    "/report/{slug}",
    response_class=HTMLResponse,
    summary="A source report, line by line, each line with an anchor (#L12) and the nodes taken from it",
    responses=documented(404),
)
def report_page(
    request: Request,
    service: ServiceDep,
    catalogue: CatalogueDep,
    slug: Annotated[str, PathParam(max_length=TEXT_MAX, examples=["leadingqi-2022-10-19"])],
) -> HTMLResponse:
    try:
        doc, lines = pages.source_text(service, catalogue, slug)
    except KeyError:
        known = sorted(d["slug"] for d in pages.extras(service, catalogue).sources.values())
        raise not_found("report", slug, known) from None
    except pages.ReportMissing as error:
        raise ApiError(404, "report text not available", str(error)) from None
    return TEMPLATES.TemplateResponse(request, "report.html", {"doc": doc, "lines": lines})


@router.get("/connections", response_class=HTMLResponse, summary="Who connects whom: organisations and people")
async def connections_page(
    request: Request,
    service: ServiceDep,
    catalogue: CatalogueDep,
    first: Annotated[str | None, Query(max_length=TEXT_MAX, description="an organisation (id or name)")] = None,
    second: Annotated[str | None, Query(max_length=TEXT_MAX, description="another organisation")] = None,
    organisation: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="only the pairs with this organisation")
    ] = None,
) -> HTMLResponse:
    context = await network.connections_page_context(service, catalogue, first, second, organisation)
    return TEMPLATES.TemplateResponse(request, "connections.html", context)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")
