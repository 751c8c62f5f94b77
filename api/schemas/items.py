"""Quotes, questions and resources as lists show them (the catalogue's entries), and each one in full."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import Paged, QuestionRef, ReasonOut, Scalar, SourceRef, TweetRef


class QuoteOut(BaseModel):
    id: str
    iri: str
    url: str | None
    number: int | None = Field(description="its number in the chat's report, when it has one")
    text: str | None
    author: str | None = Field(description="the author's handle")
    author_iri: str | None
    question: str | None = Field(description="the IRI of the question it answers")
    date: str | None
    chat: str | None = Field(description="the chat's id")
    kind: str = Field(description="Tweet, InlineComment, PullQuote, ... (Quote when nothing more precise)")
    question_number: int | None
    themes: list[str] = Field(description="the ids of its themes")
    quotes_tweet: TweetRef | None = Field(
        description="the tweet it quotes, where the report shows that tweet's card inside this one (qi:quotesTweet)"
    )
    quoted_text: str | None = Field(
        description="the words of the tweet it quotes, where the report shows them without that tweet's card, as "
        "printed (qi:quotedText)"
    )
    asks: QuestionRef | None = Field(
        description="the question this tweet card posts (qi:asks): the question's own tweet, which answers none"
    )


class QuestionBase(BaseModel):
    id: str
    iri: str
    url: str | None
    number: int
    text: str | None
    chat: str | None = Field(description="the chat's id")
    asked_by: str | None = Field(description="the handle of who asked it")


class QuestionLinked(QuestionBase):
    asked_in: TweetRef | None = Field(description="the tweet card that posted the question (qi:askedIn)")


class QuestionOut(QuestionLinked):
    answers: int = Field(description="how many quotes answer it")


class QuestionDetail(QuestionLinked):
    themes_because: list[ReasonOut]
    answers: Paged[QuoteOut]


class ResourceOut(BaseModel):
    """A resource; a list for a theme adds why it matched and why it ranks where it does."""

    id: str
    iri: str
    url: str | None
    title: str | None = Field(description="its title as the report gives it; none when it gives none")
    label: str | None = Field(None, description="what to call it: the title, else the words the graph labels it with")
    type: str | None
    issued: str | None
    link: str | None
    doi: str | None
    core: bool = Field(description="one of the report's core resources")
    creators: list[str]
    shared_by: list[str] = Field(description="handles of who shared it")
    themes: list[str] = Field(description="the ids of its themes")
    matched_because: list[ReasonOut] | None = Field(None, description="(for a theme) why it matched")
    score: float | None = Field(None, description="(for a theme) the sum of its reasons' weights")
    tier: int | None = Field(
        None, description="(for a theme) 0 about the theme itself, 1 about a narrower theme, 2 only mentioned"
    )
    ranked_because: str | None = Field(None, description="(for a theme) why it ranks where it does, in words")


class ResourceDetail(ResourceOut):
    publisher: Scalar
    container: Scalar
    description: Scalar
    themes_because: list[ReasonOut]
    quotes: list[QuoteOut] = Field(description="the quotes that discuss it")
    question_sections: list[QuestionBase] = Field(description="the questions in whose sections it was shared")
    source: list[SourceRef]
