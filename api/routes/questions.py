"""The chats' numbered questions and the quotes that answer them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from rdflib import URIRef

from api import lookups
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import ApiError, documented, not_found
from api.schemas.common import Paged
from api.schemas.items import QuestionDetail, QuestionOut

router = APIRouter(prefix="/api/questions", tags=["questions"])

ChatParam = Annotated[str | None, Query(max_length=TEXT_MAX, description="chat id, e.g. 2022-10-19")]


@router.get("", summary="The chats' questions", responses=documented(404), response_model=Paged[QuestionOut])
def list_questions(
    service: ServiceDep, catalogue: CatalogueDep, page: PageDep, chat: ChatParam = None
) -> dict[str, Any]:
    if chat is not None:
        chat = lookups.chat(catalogue, chat)
    questions = [q for q in catalogue.questions if chat is None or q["chat"] == chat]
    found = page.of(questions)
    found["items"] = [
        {
            **lookups.linked_question(service, catalogue, q),
            "answers": sum(1 for x in catalogue.quotes if x["question"] == q["iri"]),
        }
        for q in found["items"]
    ]
    return found


@router.get(
    "/{number}",
    summary="One question and the quotes that answer it",
    responses=documented(400, 404),
    response_model=QuestionDetail,
    response_model_exclude_unset=True,
)
def get_question(
    service: ServiceDep,
    catalogue: CatalogueDep,
    page: PageDep,
    number: Annotated[int, Path(ge=1, le=10_000)],
    chat: ChatParam = None,
) -> dict[str, Any]:
    if chat is not None:
        chat = lookups.chat(catalogue, chat)  # an unknown chat is named as such, not as an unknown question
    matches = [q for q in catalogue.questions if q["number"] == number and (chat is None or q["chat"] == chat)]
    if not matches:
        numbers = sorted({str(q["number"]) for q in catalogue.questions if chat is None or q["chat"] == chat})
        raise not_found("question", str(number), numbers)
    if len(matches) > 1:
        raise ApiError(
            400,
            "ambiguous question",
            f"question {number} exists in several chats; add ?chat= one of "
            f"{', '.join(sorted(q['chat'] or '' for q in matches))}",
        )
    question = matches[0]
    answers = [q for q in catalogue.quotes if q["question"] == question["iri"]]
    themes = lookups.item_reasons(service, catalogue, str(URIRef(question["iri"])))
    listed = page.of(answers)
    listed["items"] = lookups.linked_quotes(service, catalogue, listed["items"])
    return {**lookups.linked_question(service, catalogue, question), "themes_because": themes, "answers": listed}
