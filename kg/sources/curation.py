"""The reviewed files of `kg/data/` (facts of every report) and `REPORT.curation.yaml` beside a report (that report's
own facts, anchored by its words), checked as they are read: a malformed file is an error naming file, line, field.

The schemas say what `kg.extract.report`, `kg.sources.aliases` and `kg.rdf.tagging` read from each file; a misspelt
key, a missing line or reason, a handle Twitter would not allow, or a duplicate key is reported as `FILE:LINE: field:
message` (an `InputError`) instead of a KeyError deep in the build. The readers keep using the plain data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kg.records import HANDLE_RE, Organisation, OrganisationKind
from kg.sources.inputs import LineIndex, load_checked

DATA = Path(__file__).resolve().parents[1] / "data"

Line = Annotated[int, Field(ge=1, strict=True)]
Text = Annotated[str, StringConstraints(min_length=1)]
Handle = Annotated[str, StringConstraints(pattern=HANDLE_RE.pattern)]
# a misprint the report shows: handle characters, perhaps broken by a space ('SaTHImprove nt')
Spelling = Annotated[str, StringConstraints(pattern=r"^@?[A-Za-z0-9_]+( [A-Za-z0-9_]+)*$", max_length=30)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CuratedOrganisation(Organisation):
    """An organisation record plus why its handle or parent is what it is (records files and older callers)."""

    handle: Handle | None = None
    reason: Text | None = None


class SharedOrganisation(_Item):
    """organisations.yaml: what is true of an organisation in every report, keyed by the names it is printed with.

    No line: a report holds the organisation where it prints its name or a listed alternative name (the first
    such line is the record's line); a report that prints none of them does not hold it."""

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    name: Text
    alt_names: list[Text] = []
    kind: OrganisationKind = "other"
    part_of: Text | None = None
    handle: Handle | None = None
    reason: Text | None = None


class CuratedLesson(_Item):
    slug: Text
    match: Text


class Alias(_Item):
    alias: Spelling
    line: Line
    reason: Text


class Account(_Item):
    canonical: Handle
    aliases: list[Alias] = []


class SameAgent(_Item):
    handles: list[Handle] = Field(min_length=2)
    name: Text | None = None
    reason: Text


class OrganisationAccount(_Item):
    handle: Handle
    line: Line
    reason: Text


class AliasFile(_Item):
    accounts: list[Account] = []
    same_agent: list[SameAgent] = []
    organisation_accounts: list[OrganisationAccount] = []


class QuestionThemes(_Item):
    question: Annotated[int, Field(ge=1, strict=True)]
    themes: list[Text] = Field(min_length=1)
    line: Line
    reason: Text
    source: Text | None = None


class ItemThemes(_Item):
    resource: Text | None = None
    quote_line: Line | None = None
    question: Annotated[int, Field(ge=1, strict=True)] | None = None
    themes: list[Text] = Field(min_length=1)
    line: Line
    reason: Text
    source: Text | None = None

    @model_validator(mode="after")
    def _names_one_item(self) -> ItemThemes:
        if sum(x is not None for x in (self.resource, self.quote_line, self.question)) != 1:
            raise ValueError("name exactly one of resource, quote_line, question")
        return self


class CuratedThemes(_Item):
    questions: list[QuestionThemes] = []
    items: list[ItemThemes] = []


Words = Annotated[str, StringConstraints(min_length=3)]


class After(_Item):
    """Words that the report prints on more than one line: the first line holding them after the (unique) line
    holding `after`."""

    words: Words
    after: Words


Quote = Words | After


class ReportResource(_Item):
    """A fact about one resource of this report that its table does not carry, anchored by the words of its row."""

    at: Quote = Field(description="words of the resource's own line in the report (a quotation, unique)")
    type: Text | None = Field(None, description="the resource's [Type], where one line holds two")
    discussed_at: list[Quote] = Field([], description="words of each narrative line that talks about it")
    url: Text | None = None
    printed: Text | None = Field(None, description="the link as the report prints it (the url without scheme)")
    reason: Text


class ReportAlias(_Item):
    """A spelling this report prints for an account known by another handle (a misprint, a dropped letter): one
    person is one node in every chat. Anchored by the report's words: by default the spelling itself must be on
    exactly one line; `at` quotes the line where it is printed more than once."""

    alias: Spelling
    canonical: Handle
    at: Quote | None = Field(None, description="words of a line that prints the spelling (default: the spelling)")
    reason: Text


class ReportQuestionThemes(_Item):
    question: Annotated[int, Field(ge=1, strict=True)]
    themes: list[Text] = Field(min_length=1)
    at: Quote = Field(description="words of the line the reason rests on (unique in the report)")
    reason: Text


class ReportItemThemes(_Item):
    resource: Text | None = Field(None, description="the resource's slug")
    quote: Quote | None = Field(None, description="words of the quote (of the line it starts on)")
    question: Annotated[int, Field(ge=1, strict=True)] | None = None
    themes: list[Text] = Field(min_length=1)
    at: Quote | None = Field(None, description="words of the line the reason rests on; default: the item's line")
    reason: Text

    @model_validator(mode="after")
    def _names_one_item(self) -> ReportItemThemes:
        if sum(x is not None for x in (self.resource, self.quote, self.question)) != 1:
            raise ValueError("name exactly one of resource, quote, question")
        if self.quote is None and self.at is None:
            raise ValueError("give `at`: the words of the line the reason rests on")
        return self


class ReportThemes(_Item):
    questions: list[ReportQuestionThemes] = []
    items: list[ReportItemThemes] = []


class ReportCuration(_Item):
    """`REPORT.curation.yaml` beside a report: the reviewed facts about that report only, each anchored to its words.

    Checked against that report's text as it is read (`kg.extract.report`): words that are not on a line of the
    report, or on more than one, are an error naming this file's line. A report without the file gets none."""

    organisations: list[SharedOrganisation] = []
    aliases: list[ReportAlias] = []
    resources: list[ReportResource] = []
    themes: ReportThemes = ReportThemes()


def shown_path(path: Path) -> str:
    """A curation file as a warning names it: `kg/data/aliases.yaml` for package data, else the path given."""
    path = Path(path)
    top = DATA.parents[1]  # the folder the kg package is in
    return path.resolve().relative_to(top).as_posix() if path.resolve().is_relative_to(top) else str(path)


def curation_path(report: Path) -> Path:
    """Where the curation of `report` lives: beside it, `NAME.curation.yaml` for `NAME.txt`."""
    report = Path(report)
    return report.with_name(f"{report.stem}.curation.yaml")


SCHEMAS: dict[str, Any] = {
    "organisations.yaml": list[SharedOrganisation] | None,
    "lessons.yaml": list[CuratedLesson] | None,
    "aliases.yaml": AliasFile | None,
    "curated_themes.yaml": CuratedThemes | None,
}


def load(path: Path, schema: Any = None) -> tuple[Any, LineIndex]:
    """The data of a curation file and its line index, checked against `schema` (by default the one of its file
    name); raises `InputError`."""
    path = Path(path)
    if schema is None and path.name.endswith(".curation.yaml"):
        schema = ReportCuration | None
    return load_checked(path, schema or SCHEMAS.get(path.name, Any))


def load_named(name: str) -> Any:
    """The data of `kg/data/NAME`, checked."""
    return load(DATA / name)[0]
