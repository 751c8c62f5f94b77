"""Search across theme labels, people, organisations, resource titles, questions and quotes (kg/search.py: SQLite
FTS5 with BM25, stemming, "phrases", prefix*, thesaurus synonyms and highlighted snippets)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api import lookups, ranking
from api.deps import TEXT_MAX, CatalogueDep, PageDep
from api.errors import ApiError, documented
from api.schemas.service import SearchOut
from kg.indexes.catalogue import Catalogue
from kg.indexes.search import SearchTooBroad

router = APIRouter(prefix="/api/search", tags=["search"])
Kind = Literal["theme", "participant", "organisation", "resource", "question", "quote"]
PATHS = {
    "theme": "/api/themes/",
    "participant": "/api/participants/",
    "organisation": "/api/organisations/",
    "resource": "/api/resources/",
    "question": "/api/questions/",
    "quote": None,
}
Q_DOC = (
    'words to look for: "a phrase" in quotes, coach* for words that start so; words of the thesaurus also '
    "find their synonyms (gemba finds go and see); a word finds its other forms (improve finds improvement); at "
    "least one letter or digit, else 400"
)


def _question_ids(catalogue: Catalogue, needle: str, chat: str | None) -> list[str]:
    """Questions by id (2022-10-19/q2) or number (2, Q2: that question of every chat, or of `chat` when given)."""
    number = needle.strip().upper().removeprefix("Q")
    found = [
        q["id"]
        for q in catalogue.questions
        if needle == q["id"]
        or (
            number.isascii() and number.isdigit() and int(number) == q["number"] and (chat is None or q["chat"] == chat)
        )
    ]
    if not found:
        raise ApiError(
            404,
            "unknown question",
            f"no question {needle[:100]!r}",
            suggestions=[q["id"] for q in catalogue.questions][:10],
        )
    return found


@router.get(
    "",
    summary="Search everything, best matches first, with the matched words marked",
    responses=documented(400, 404),
    response_model=SearchOut,
)
def search(
    catalogue: CatalogueDep,
    page: PageDep,
    q: Annotated[str, Query(min_length=1, max_length=TEXT_MAX, description=Q_DOC)],
    kind: Annotated[Kind | None, Query(description="only this kind of thing")] = None,
    chat: Annotated[str | None, Query(max_length=TEXT_MAX, description="only in this chat (its id)")] = None,
    question: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="only answers to this question (2, Q2 or its id)")
    ] = None,
    theme: Annotated[
        str | None,
        Query(
            max_length=TEXT_MAX, description="only things tagged with this theme or a narrower one (id or any label)"
        ),
    ] = None,
    author: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="only what this account said (handle or alias, any case)")
    ] = None,
) -> dict[str, Any]:
    if not ranking.words(q):
        raise ApiError(400, "empty search", "q must contain at least one letter or digit")
    if chat is not None:
        chat = lookups.chat(catalogue, chat)
    questions = _question_ids(catalogue, question, chat) if question is not None else None
    themes = None
    if theme is not None:
        chosen = lookups.theme(catalogue, theme)
        themes = sorted({catalogue.local_id(t, "theme") for t in catalogue.descendants(chosen.iri)})
    handle = None
    if author is not None:
        person = lookups.participant(catalogue, author)
        handle = person.handle
    try:
        parsed, total, hits = catalogue.search_index().search(
            q,
            kind=kind,
            chat=chat,
            questions=questions,
            themes=themes,
            author=handle,
            limit=page.limit,
            offset=page.offset,
        )
    except SearchTooBroad as error:
        raise ApiError(400, "search too broad", str(error)) from None
    items = []
    for hit in hits:
        api = PATHS[hit.kind]
        if hit.kind == "question":
            asked = catalogue.questions_by_iri.get(f"{catalogue.id_base}question/{hit.id}")
            if asked is None or asked["id"] != hit.id:  # an id that is not under the id base: look it up by id
                asked = next((x for x in catalogue.questions if x["id"] == hit.id), None)
            number = asked["number"] if asked is not None else None
            api = f"/api/questions/{number}" if number is not None else None
        elif api is not None:
            api += hit.id
        if hit.kind == "participant":
            account = catalogue.resolve_participant(hit.id)
            iri = account.iri if account else None
        else:
            iri = catalogue.id_base + f"{hit.kind}/{hit.id}"
        items.append(
            {
                "kind": hit.kind,
                "id": hit.id,
                "label": hit.label,
                "text": hit.document.body,
                "snippet": hit.snippet,
                "snippet_html": hit.snippet_html,
                "score": hit.score,
                "author": hit.document.author if hit.kind == "quote" else None,
                "chat": hit.document.chat,
                "quotes": catalogue.quotes_by_author[hit.id] if hit.kind == "participant" else None,
                "api": api,
                "url": catalogue.page(iri),
            }
        )
    return {
        "query": q,
        "expanded": parsed.expanded,
        "did_you_mean": catalogue.search_index().did_you_mean(
            q, kind=kind, chat=chat, questions=questions, themes=themes, author=handle
        ),
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "items": items,
    }
