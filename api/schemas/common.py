"""Shapes shared by several resources: the paginated envelope, a source reference, a chat, a theme reason."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

# A literal's value as the graph states it: numbers and booleans typed, anything else as text.
Scalar = bool | int | float | str | None


class Paged(BaseModel, Generic[T]):
    """The envelope of every list: the whole count, the page asked for, and that page's items."""

    total: int = Field(description="how many items there are in all")
    limit: int
    offset: int
    items: list[T]


class SourceRef(BaseModel):
    """Where a node's facts came from: the source document and the line of it."""

    source: str | None = Field(description="the source document's IRI")
    title: str | None
    line: int | None = Field(description="the line of the source (1 = first); none when unknown")


class ChatOut(BaseModel):
    id: str
    iri: str
    label: str | None
    date: str | None
    url: str | None = Field(description="its page on this server")


class QuestionRef(BaseModel):
    id: str
    number: int | None
    text: str | None


class QuoteRef(BaseModel):
    id: str
    author: str | None
    text: str | None


class TweetRef(BaseModel):
    """A tweet linked from another node: enough to name it and follow the link."""

    id: str
    iri: str
    url: str | None = Field(description="its page on this server")
    author: str | None = Field(description="the author's handle")
    text: str | None


class ReasonOut(BaseModel):
    """Why an item carries a theme; the optional fields are present only when they say something."""

    theme: str = Field(description="the theme's id")
    theme_label: str | None
    reason: str = Field(description="label, curated, question, quote, chat or tagged")
    matched_label: str | None = Field(None, description="the label its words matched (reason label)")
    via_question: QuestionRef | None = Field(None, description="the question whose section ties it (reason question)")
    via_quote: QuoteRef | None = Field(None, description="the quote about the theme that discusses it (reason quote)")
    note: str | None = Field(None, description="a reviewer's note (reason curated)")
    matched_context: str | None = Field(None, description="the words around the match")
    strength: str | None = Field(None, description="weak when the evidence is only circumstantial")
