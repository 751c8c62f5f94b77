"""Ranked search across theme labels, people, organisations, resource titles, questions and quotes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api import ranking
from api.deps import TEXT_MAX, CatalogueDep, PageDep
from api.errors import ApiError, documented

router = APIRouter(prefix="/api/search", tags=["search"])
Kind = Literal["theme", "participant", "organisation", "resource", "question", "quote"]
PATHS = {"theme": "/api/themes/", "participant": "/api/participants/", "organisation": "/api/organisations/",
         "resource": "/api/resources/", "question": "/api/questions/", "quote": None}


@router.get("", summary="Search everything, best matches first", responses=documented(400))
def search(catalogue: CatalogueDep, page: PageDep,
           q: Annotated[str, Query(min_length=1, max_length=TEXT_MAX,
                                   description="words to look for (at least one letter or digit, else 400)")],
           kind: Annotated[Kind | None, Query(description="only this kind of thing")] = None) -> dict:
    if not ranking.words(q):
        raise ApiError(400, "empty search", "q must contain at least one letter or digit")
    hits = ranking.rank(q, catalogue.search_documents())
    if kind is not None:
        hits = [h for h in hits if h.kind == kind]
    items = []
    for hit in hits:
        api = PATHS[hit.kind]
        if hit.kind == "question":
            number = next((x["number"] for x in catalogue.questions if x["id"] == hit.id), None)
            api = f"/api/questions/{number}" if number is not None else None
        elif api is not None:
            api += hit.id
        if hit.kind == "participant":
            person = catalogue.resolve_participant(hit.id)
            iri = person.iri if person else None
        else:
            iri = catalogue.id_base + f"{hit.kind}/{hit.id}"
        items.append({"kind": hit.kind, "id": hit.id, "label": hit.label, "text": hit.text, "score": hit.score,
                      "api": api, "url": catalogue.page(iri)})
    return {"query": q, **page.of(items)}
