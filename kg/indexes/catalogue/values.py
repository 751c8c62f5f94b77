"""Turning the store's terms into the API's values, and matching what users type against labels."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rdflib import Literal
from rdflib.term import Node


def text(value: Node | None) -> str | None:
    return None if value is None else str(value)


def py(value: Node | None) -> object:
    """A literal as a JSON-friendly Python value (numbers and booleans stay typed, the rest becomes text)."""
    if value is None:
        return None
    if isinstance(value, Literal):
        converted = value.toPython()
        if isinstance(converted, bool | int | float | str):
            return converted
        return str(value)
    return str(value)


def line_number(value: Node | None) -> int | None:
    """A source line as a number (the graph types it xsd:integer); none when unknown or not a whole number."""
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def chat_day(date: str | None) -> str | None:
    """A chat's date as people write it ("19 Oct 2022"), for naming which chat a question belongs to; a date that is
    not ISO (yyyy-mm-dd) is kept as given, none stays none."""
    if not date:
        return None
    try:
        day = datetime.date.fromisoformat(date[:10])
    except ValueError:
        return date
    return f"{day.day} {day:%b %Y}"


def fold(value: str) -> str:
    """Case- and space-insensitive key for label look-ups."""
    return re.sub(r"\s+", " ", value).strip().casefold()


def suggest(needle: str, choices: list[str], limit: int = 5) -> list[str]:
    """Closest spellings to `needle`, for 404 messages."""
    if not choices or not needle:
        return []
    found = process.extract(
        needle.casefold(), {c: c.casefold() for c in choices}, scorer=fuzz.WRatio, limit=limit, score_cutoff=50
    )
    return [key for _, _, key in found]


def add_once(values: list[Any], value: object) -> None:
    """Append a value the list does not hold yet (rows repeat a node once per optional value)."""
    if value is not None and value not in values:
        values.append(value)


@dataclass(frozen=True)
class Ids:
    """The short ids and page paths of qid: IRIs on this server (`id_base` is the qid: namespace)."""

    id_base: str

    def local_id(self, iri: str, kind: str) -> str:
        prefix = f"{self.id_base}{kind}/"
        return iri[len(prefix) :] if iri.startswith(prefix) else iri

    def page(self, iri: str | None) -> str | None:
        """The path of the HTML / RDF page of a qid: IRI on this server."""
        if iri and iri.startswith(self.id_base):
            return "/id/" + iri[len(self.id_base) :]
        return None

    def chat_id(self, iri: str | None) -> str | None:
        return self.local_id(iri, "chat") if iri else None


QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"


@cache
def load(name: str) -> str:
    """The text of kg/indexes/queries/<name>.rq (the catalogue's SPARQL, kept as data; parameters are never pasted)."""
    return (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
