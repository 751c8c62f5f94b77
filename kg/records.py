"""Record types: the boundary between extraction (text -> records) and the RDF build (records -> graph).

Extractors for any source format produce one `ChatRecords`; `kg.rdf.build` turns it into RDF. Every record carries
`line`, the 1-based line of the source text it was read from, so every node can be traced back. Handles are kept
*as printed* in the source; `kg.sources.aliases` resolves them to one canonical account at build time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int = Field(ge=1, description="first line of the source text this record was read from")


OrganisationKind = Literal[
    "trust",
    "university",
    "business-school",
    "institute",
    "nhs-body",
    "charity",
    "network",
    "company",
    "academy",
    "community",
    "health-system",
    "team",
    "other",
]


class Organisation(Record):
    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str
    alt_names: list[str] = []
    kind: OrganisationKind = "other"
    part_of: str | None = Field(None, description="slug of the parent organisation, where stated")
    handle: str | None = Field(None, description="the organisation's own account, where the report gives one")


class Person(Record):
    """A named person the report states something about (panelist, named collaborator, author of a quote)."""

    name: str
    handle: str | None = None
    affiliations: list[str] = Field([], description="organisation slugs, as stated")
    role: str | None = None
    on_behalf_of: str | None = Field(
        None,
        description="slug of the organisation or team whose account `handle` is, where the report says the person "
        "speaks for it ('Sue Jenkins, on behalf of the KPO team @KPOteam_SASH'): the account is then that "
        "organisation's, and the person a node of their own who speaks for it",
    )


class HandleAlias(Record):
    """A reviewed spelling of an account in this report (its curation file): `alias` is the account `canonical`.
    `line` is the report's line that prints the spelling."""

    alias: str
    canonical: str
    reason: str


class Account(Record):
    """An account seen in the source (handle as printed). Display name only where the source shows one."""

    handle: str
    display_name: str | None = None
    kind: Literal["person", "organisation", "unknown"] = Field(
        "unknown", description="'person' where a card or the panel shows a person's name for the account"
    )

    @property
    def is_organisation(self) -> bool:
        return self.kind == "organisation"


class Chat(Record):
    slug: str = Field(description="date of the chat, e.g. 2022-10-19")
    title: str
    subject: str | None = Field(
        None, description="the chat's subject as the purpose statement quotes it ('this tweet chat on ...'), if it does"
    )
    date: dt.date
    start: dt.time
    end: dt.time
    timezone: str = Field(description="as stated, e.g. BST")
    utc_offset: str = Field(description="ISO offset of the stated zone on that date, e.g. +01:00")
    hashtags: list[str]
    host: str = Field(description="organisation slug of the host")
    partners: list[str] = Field([], description="organisation slugs of partners")
    collaborators: list[str] = Field([], description="names of people the report thanks as collaborators")
    report_author: str = Field(description="name of the report's author")
    report_for: str = Field(description="organisation slug the report was produced for")


class FollowUpChat(Record):
    date: dt.date
    start: dt.time
    end: dt.time
    timezone: str
    utc_offset: str


class Question(Record):
    number: int = Field(ge=1)
    text: str | None = Field(None, description="the question's own words; None where the report lacks them")
    asked_by: str | None = Field(None, description="handle that posted it, where the report shows it")
    asked_in_line: int | None = Field(None, description="line of the tweet card that posted it")
    section_start: int = Field(description="first line of the report section for this question")
    section_end: int = Field(description="last line of that section")
    summary_terms: list[str] = Field([], description="the report's summary of words and themes of the answers")
    summary_line: int | None = None


class EngagementCount(BaseModel):
    """One count under a tweet card, as displayed. `metric` is 'unknown' where the conversion lost the icon."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(ge=1)
    icon: str | None = None
    value: int | None = Field(None, ge=0, description="None where the icon shows no number")
    metric: Literal["reply", "retweet", "like", "unknown"] = "unknown"


class Quote(Record):
    kind: Literal["tweet", "comment", "pullquote"]
    number: int = Field(ge=1, description="order of appearance among the chat's quotes")
    author: str = Field(description="handle as printed in the source")
    text: str
    question: int | None = Field(None, description="number of the question whose section the quote sits in")
    mentions: list[str] = Field([], description="handles named inside the words, as printed")
    hashtags: list[str] = []
    attributed_by: str | None = Field(None, description="for comments: the words that attribute it, e.g. 'responded'")
    context: str | None = Field(None, description="for comments: the narrative sentence around the words")


class Tweet(Quote):
    kind: Literal["tweet"] = "tweet"
    display_name: str | None = None
    date: dt.date | None = None
    replying_to: list[str] = Field([], description="handles from 'Replying to', as printed")
    replying_to_others: int = Field(0, ge=0, description="'and N others' not named on the card")
    counts: list[EngagementCount] = []
    counts_line: int | None = None
    asks: int | None = Field(
        None,
        description="number of the question this card posts (the host's 'Q2: ... add Q2' card): the question's own "
        "tweet, no answer to it",
    )
    quotes_tweet: int | None = Field(
        None, description="line of the card of the tweet this one quotes, where the report shows that card"
    )
    quoted_text: str | None = Field(
        None, description="the quoted tweet's words as printed, where the report shows them without the tweet's card"
    )


class Measurement(Record):
    slug: str
    label: str
    value: float
    qualifier: str | None = Field(None, description="as stated: 'more than', 'nearly'")
    unit: str | None = None
    measured_by: str | None = Field(None, description="tool named as the source of the figure")
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    period_label: str | None = None


class InfluencerRank(Record):
    ranking: str = Field(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        description="the ranking's heading as a slug: 'most-active', 'original-tweets', 'highest-impact', or another "
        "a report's table has ('most-mentioned')",
    )
    rank: int = Field(ge=1)
    handle: str
    display_name: str = Field(description="as shown, possibly truncated")
    value: int = Field(ge=0)
    unit: str = Field(pattern=r"^[a-z]+$", description="the value column's heading: 'tweets', 'impacts', 'mentions'")


class Lesson(Record):
    slug: str
    label: str
    tagline: str | None = None
    notes: list[str] = Field([], description="sketchnote phrases under this lesson")


class Resource(Record):
    slug: str
    type: str | None = Field(None, description="type as the report labels it, e.g. 'Publication: long read'")
    title: str | None = Field(None, description="None where the report gives no title (an untitled image)")
    label: str = Field(description="human label: the title, or a description where there is no title")
    creators: list[str] = []
    year: int | None = None
    issued: dt.date | None = None
    publisher: str | None = None
    container: str | None = Field(None, description="journal or proceedings, where stated")
    doi: str | None = None
    url: str | None = None
    volume: str | None = None
    pages: str | None = None
    shared_by: list[str] = Field([], description="handles as printed; empty for the report's core resources")
    core: bool = False
    description: str | None = None
    discussed_at: list[int] = Field([], description="lines where the narrative talks about the resource")
    mentions: list[str] = Field([], description="handles named in the title or description, as printed")


class CuratedTheme(Record):
    """A reviewed theme for one item of this chat, from the report's curation file; `line` is the line the reason
    rests on. `scope` "section": the question and every item of its section get the themes."""

    scope: Literal["section", "question", "resource", "quote"]
    question: int | None = None
    resource: str | None = Field(None, description="resource slug")
    quote_line: int | None = Field(None, description="the line the quote starts on")
    themes: list[str] = Field(min_length=1)
    reason: str


class ChatRecords(BaseModel):
    """Everything extracted from one source document."""

    model_config = ConfigDict(extra="forbid")

    source_slug: str
    source_title: str
    source_path: str
    source_sha256: str
    chat: Chat
    follow_ups: list[FollowUpChat] = []
    organisations: list[Organisation] = []
    people: list[Person] = []
    accounts: list[Account] = []
    panel: list[str] = Field([], description="handles of the panel, as printed")
    questions: list[Question] = []
    quotes: list[Tweet | Quote] = []
    measurements: list[Measurement] = []
    influencers: list[InfluencerRank] = []
    lessons: list[Lesson] = []
    resources: list[Resource] = []
    curated_themes: list[CuratedTheme] = Field([], description="reviewed themes for this chat's items")
    aliases: list[HandleAlias] = Field([], description="reviewed spellings of accounts in this report (its curation)")
    warnings: list[str] = []


HANDLE_RE = re.compile(r"^@?[A-Za-z0-9_]{1,15}$")  # what Twitter allows in a handle


def is_handle(text: str) -> bool:
    """True for a handle Twitter would allow (letters, digits, '_', 1-15 of them), with or without '@'."""
    return bool(HANDLE_RE.match(text))


def handle_fields(records: ChatRecords) -> Iterator[tuple[tuple, str]]:
    """Every handle the records hold, with its field path (`quotes[3].mentions[0]`)."""
    for kind in ("organisations", "people", "accounts", "influencers"):
        for i, item in enumerate(getattr(records, kind)):
            if item.handle is not None:
                yield (kind, i, "handle"), item.handle
    for i, handle in enumerate(records.panel):
        yield ("panel", i), handle
    for i, question in enumerate(records.questions):
        if question.asked_by is not None:
            yield ("questions", i, "asked_by"), question.asked_by
    for i, quote in enumerate(records.quotes):
        yield ("quotes", i, "author"), quote.author
        lists = ["mentions", "replying_to"] if isinstance(quote, Tweet) else ["mentions"]
        for name in lists:
            for j, handle in enumerate(getattr(quote, name)):
                yield ("quotes", i, name, j), handle
    for i, resource in enumerate(records.resources):
        for name in ("shared_by", "mentions"):
            for j, handle in enumerate(getattr(resource, name)):
                yield ("resources", i, name, j), handle


def slug_fields(records: ChatRecords) -> Iterator[tuple[tuple, str]]:
    """Every slug the records hold that mints or names an IRI (`resources[2].slug`, `chat.host`), with its path."""
    for kind in ("resources", "measurements", "lessons"):
        for i, item in enumerate(getattr(records, kind)):
            yield (kind, i, "slug"), item.slug
    for i, org in enumerate(records.organisations):
        if org.part_of is not None:
            yield ("organisations", i, "part_of"), org.part_of
    for i, person in enumerate(records.people):
        for j, slug in enumerate(person.affiliations):
            yield ("people", i, "affiliations", j), slug
    yield ("chat", "host"), records.chat.host
    yield ("chat", "report_for"), records.chat.report_for
    for j, slug in enumerate(records.chat.partners):
        yield ("chat", "partners", j), slug


SYNTHETIC_PREFIX = "synthetic-"  # the source slugs of made-up chats (bench/synth.py): never part of the real graph


def is_synthetic(records: ChatRecords) -> bool:
    """Whether the records are a made-up chat for scale work, which the registry and the build refuse."""
    return records.source_slug.startswith(SYNTHETIC_PREFIX)
