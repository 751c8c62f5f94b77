"""Quotes (tweets, inline comments, pull quotes), filterable by theme, question, author and words."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import lookups, ranking
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import documented
from api.schemas.common import Paged
from api.schemas.items import QuoteOut

router = APIRouter(prefix="/api/quotes", tags=["quotes"])


@router.get(
    "",
    summary="Quotes, filtered by theme, question, author and full text",
    responses=documented(404),
    response_model=Paged[QuoteOut],
)
def list_quotes(
    service: ServiceDep,
    catalogue: CatalogueDep,
    page: PageDep,
    theme: Annotated[str | None, Query(max_length=TEXT_MAX, description="theme id or any label")] = None,
    include_narrower: bool = True,
    question: Annotated[int | None, Query(ge=1, le=10_000, description="question number")] = None,
    author: Annotated[str | None, Query(max_length=TEXT_MAX, description="handle or alias, any case")] = None,
    q: Annotated[str | None, Query(max_length=TEXT_MAX, description="words that must all occur in the text")] = None,
    chat: Annotated[str | None, Query(max_length=TEXT_MAX, description="chat id, e.g. 2022-10-19")] = None,
) -> dict[str, Any]:
    quotes = catalogue.quotes
    if theme is not None:
        node = lookups.theme(catalogue, theme)
        scope = set(catalogue.descendants(node.iri) if include_narrower else [node.iri])
        quotes = [x for x in quotes if scope & catalogue.item_themes.get(x["iri"], set())]
    if author is not None:
        who = lookups.participant(catalogue, author)
        quotes = [x for x in quotes if x["author_iri"] == who.iri]
    if question is not None:
        quotes = [x for x in quotes if x["question_number"] == question]
    if chat is not None:
        chosen = lookups.chat(catalogue, chat)
        quotes = [x for x in quotes if x["chat"] == chosen]
    if q is not None:
        quotes = [x for x in quotes if ranking.match_all(q, x["text"] or "")]
    found = page.of(quotes)
    found["items"] = lookups.linked_quotes(service, catalogue, found["items"])  # the page's quotes only
    return found
