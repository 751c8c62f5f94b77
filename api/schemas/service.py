"""What the server itself answers: health, the counts and analytics, search hits, the dumps."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import ChatOut, Scalar


class SparqlLoad(BaseModel):
    workers: int
    running: int
    waiting: int = Field(description="requests let in but not yet running")
    queue: int = Field(description="how many may wait")


class HealthOut(BaseModel):
    status: str = Field(description='"ok"')
    triples: int
    backend: str = Field(description="the store back-end")
    sparql: SparqlLoad


class StatsCounts(BaseModel):
    themes: int
    quotes: int
    questions: int
    resources: int
    participants: int
    organisations: int
    chats: int


class MeasurementOut(BaseModel):
    id: str
    label: str | None
    value: Scalar
    qualifier: str | None
    unit: str | None
    period: str | None
    period_start: str | None
    period_end: str | None
    measured_by: str | None
    chat: str | None


class RankingEntryOut(BaseModel):
    rank: Scalar
    handle: str | None
    value: Scalar
    unit: str | None


class RankingOut(BaseModel):
    id: str
    label: str | None
    entries: list[RankingEntryOut]


class StatsOut(BaseModel):
    triples: int
    backend: str
    named_graphs: list[str]
    counts: StatsCounts
    classes: dict[str, Scalar] = Field(description="nodes per class (local name)")
    chats: list[ChatOut]
    measurements: list[MeasurementOut] = Field(description="the chats' analytics figures as the report states them")
    rankings: list[RankingOut]


class SearchHitOut(BaseModel):
    kind: str = Field(description="theme, participant, organisation, resource, question or quote")
    id: str
    label: str
    text: str
    snippet: str = Field(description="the matched words in context, marked with « and »")
    snippet_html: str = Field(description="the same, HTML-escaped, the matched words in <mark>")
    score: float
    author: str | None
    chat: str | None
    quotes: int | None = Field(None, description="for an account: how many quotes it said (its page lists them)")
    api: str | None = Field(description="its JSON record on this server")
    url: str | None = Field(description="its page on this server")


class SearchOut(BaseModel):
    query: str
    expanded: dict[str, list[str]] = Field(description="what the thesaurus added to each word or phrase")
    did_you_mean: str | None = Field(
        None, description="the query with each word no document holds replaced by the nearest one that some does"
    )
    total: int
    limit: int
    offset: int
    items: list[SearchHitOut]


class DumpOut(BaseModel):
    name: str
    media_type: str
    description: str
    url: str
    bytes: int
