"""Resources (publications, tools, videos, ...): by theme with reasons, and one resource in full."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from api import lookups, ranking
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import documented, not_found
from api.queries import load
from api.schemas.common import Paged
from api.schemas.items import ResourceDetail, ResourceOut
from kg.indexes.catalogue import Catalogue, py, suggest
from kg.iris import QI

router = APIRouter(prefix="/api/resources", tags=["resources"])


@router.get(
    "",
    summary="Resources, optionally for a theme (id or any label; narrower themes included)",
    responses=documented(404),
    response_model=Paged[ResourceOut],
    response_model_exclude_unset=True,
)
async def list_resources(
    catalogue: CatalogueDep,
    page: PageDep,
    theme: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="theme id, prefLabel, altLabel or hiddenLabel, any case")
    ] = None,
    include_narrower: Annotated[bool, Query(description="also resources of narrower themes")] = True,
    q: Annotated[str | None, Query(max_length=TEXT_MAX, description="words in the title")] = None,
    shared_by: Annotated[str | None, Query(max_length=TEXT_MAX, description="handle or alias of who shared it")] = None,
    core: Annotated[bool | None, Query(description="only the report's core resources (true) or shared ones")] = None,
) -> dict[str, Any]:
    if theme is not None:
        items = lookups.resources_for_theme(catalogue, lookups.theme(catalogue, theme), include_narrower)
    else:
        items = sorted(catalogue.resources.values(), key=lambda r: (lookups.resource_name(r).casefold(), r["id"]))
    if shared_by is not None:
        who = lookups.participant(catalogue, shared_by)
        items = [r for r in items if who.handle in r["shared_by"]]
    if q is not None:
        items = [r for r in items if ranking.match_all(q, r["title"] or r.get("label") or "")]
    if core is not None:
        items = [r for r in items if bool(r.get("core")) == core]
    return page.of(items)  # async: all in memory, no store call, so no thread-pool hop


@router.get(
    "/{resource_id}",
    summary="One resource: bibliographic data, who shared it, themes, quotes around it",
    responses=documented(404),
    response_model=ResourceDetail,
    response_model_exclude_unset=True,
)
def get_resource(
    service: ServiceDep,
    catalogue: CatalogueDep,
    resource_id: Annotated[
        str, Path(max_length=TEXT_MAX, examples=["10-principles-at-the-human-heart-of-improvement"])
    ],
) -> dict[str, Any]:
    iri = catalogue.id_base + "resource/" + resource_id
    summary = catalogue.resources.get(iri)
    if summary is None:
        raise not_found("resource", resource_id, catalogue_suggest(catalogue, resource_id))
    rows = service.store.query(load("entity_out"), {"subject": URIRef(iri)}).rows
    props: dict[str, list[Any]] = {}
    for row in rows:
        values = props.setdefault(str(row["p"]), [])
        value = py(row["o"])
        if value not in values:
            values.append(value)

    def one(prop: str) -> object:
        values = props.get(prop, [])
        return values[0] if values else None

    quotes = [q for q in catalogue.quotes if q["iri"] in set(props.get(QI + "discussedIn", []))]
    sections = [q for q in catalogue.questions if q["iri"] in set(props.get(QI + "inQuestionSection", []))]
    return {
        **summary,
        "publisher": one(str(DCTERMS.publisher)),
        "container": one(QI + "container"),
        "description": one(str(DCTERMS.description)),
        "themes_because": lookups.item_reasons(service, catalogue, iri),
        "quotes": lookups.linked_quotes(service, catalogue, quotes),
        "question_sections": sections,
        "source": lookups.sources(service, iri),
    }


def catalogue_suggest(catalogue: Catalogue, needle: str) -> list[str]:
    return suggest(needle, sorted(r["id"] for r in catalogue.resources.values()))
