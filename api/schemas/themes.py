"""The thesaurus: a theme with its labels, links and counts, nested or alone."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import Paged
from api.schemas.items import QuestionBase, QuoteOut, ResourceOut


class ThemeCounts(BaseModel):
    quotes: int
    questions: int
    resources: int
    quotes_with_narrower: int
    resources_with_narrower: int


class ThemeOut(BaseModel):
    id: str
    iri: str
    url: str | None
    label: str
    alt_labels: list[str]
    hidden_labels: list[str]
    lesson: bool = Field(description="one of the report's lessons")
    broader: list[str] = Field(description="ids of broader themes")
    narrower: list[str] = Field(description="ids of narrower themes")
    counts: ThemeCounts
    children: list[ThemeOut] | None = Field(None, description="the narrower themes, nested (in the tree only)")


class ThemeDetail(ThemeOut):
    include_narrower: bool
    quotes: Paged[QuoteOut]
    questions: Paged[QuestionBase]
    resources: Paged[ResourceOut] = Field(description="ranked, each saying why it matched")
