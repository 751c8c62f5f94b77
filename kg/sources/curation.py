"""The reviewed files of `kg/data/`, checked as they are read: a malformed file is an error naming file, line, field.

The schemas say what `kg.extract.report`, `kg.sources.aliases` and `kg.rdf.tagging` read from each file; a misspelt
key, a missing line or reason, a handle Twitter would not allow, or a duplicate key is reported as `FILE:LINE: field:
message` (an `InputError`) instead of a KeyError deep in the build. The readers keep using the plain data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kg.records import HANDLE_RE, Organisation
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
    """organisations.yaml: an organisation record plus why its handle or parent is what it is."""

    handle: Handle | None = None
    reason: Text | None = None


class CuratedLesson(_Item):
    slug: Text
    match: Text


class CuratedResource(_Item):
    line: Line
    type: Text | None = None
    discussed_at: list[Line] = []
    url: Text | None = None
    printed: Text | None = None
    reason: Text


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


SCHEMAS: dict[str, Any] = {
    "organisations.yaml": list[CuratedOrganisation] | None,
    "lessons.yaml": list[CuratedLesson] | None,
    "resources.yaml": list[CuratedResource] | None,
    "aliases.yaml": AliasFile | None,
    "curated_themes.yaml": CuratedThemes | None,
}


def load(path: Path, schema: Any = None) -> tuple[Any, LineIndex]:
    """The data of a curation file and its line index, checked against `schema` (by default the one of its file
    name); raises `InputError`."""
    path = Path(path)
    return load_checked(path, schema or SCHEMAS.get(path.name, Any))


def load_named(name: str) -> Any:
    """The data of `kg/data/NAME`, checked."""
    return load(DATA / name)[0]
