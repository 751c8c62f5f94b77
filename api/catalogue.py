"""In-memory indexes over the graph (themes, people, quotes, ...) read once per loaded store.

Lists, filters, label look-ups, ranked search and resources-by-theme run over these indexes: they hold one entry per
resource, quote or theme, so they grow with the data but stay small next to the store, and a lookup costs no query
(the theme lookup at 1 M quads must answer in milliseconds). Lookups whose answer is a node's whole neighbourhood
(one entity's statements, one item's reasons) query the store with bound parameters instead.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rdflib import Literal
from rdflib.term import Node

from api.queries import load
from kg.indexes.search import Document, SearchIndex
from kg.store import Store


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


@dataclass
class Theme:
    iri: str
    slug: str
    pref: list[str] = field(default_factory=list)
    alt: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    lesson: bool = False

    @property
    def label(self) -> str:
        return self.pref[0] if self.pref else self.slug


@dataclass(frozen=True)
class ThemeReason:
    """Why a resource carries a theme: an assignment's reason (label / question / curated), or a quote about it."""

    theme: str
    reason: str | None
    matched_label: str | None = None
    via_question: str | None = None
    note: str | None = None
    via_quote: str | None = None
    strength: str | None = None
    context: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> ThemeReason:
        """From a row with ?theme ?reason ?matchedLabel ?viaQuestion ?note ?viaQuote ?strength ?matchedContext (all
        but the first two optional)."""
        return cls(
            str(row["theme"]),
            text(row.get("reason")),
            text(row.get("matchedLabel")),
            text(row.get("viaQuestion")),
            text(row.get("note")),
            text(row.get("viaQuote")),
            text(row.get("strength")),
            text(row.get("matchedContext")),
        )


@dataclass
class Participant:
    iri: str
    handle: str
    aliases: list[str] = field(default_factory=list)
    display_names: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    organisation_account: bool = False


@dataclass
class Organisation:
    iri: str
    slug: str
    label: str
    kind: str | None = None
    alt_names: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)


def _add(values: list, value: object) -> None:
    if value is not None and value not in values:
        values.append(value)


class Catalogue:
    """Everything list endpoints need, read from the store once."""

    def __init__(self, store: Store, id_base: str) -> None:
        self.id_base = id_base
        self.themes: dict[str, Theme] = {}
        self.theme_keys: dict[str, set[str]] = defaultdict(set)
        self.tagged: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.item_themes: dict[str, set[str]] = defaultdict(set)
        self.participants: dict[str, Participant] = {}
        self.handle_keys: dict[str, str] = {}
        self.organisations: dict[str, Organisation] = {}
        self.organisation_keys: dict[str, str] = {}
        self.questions: list[dict] = []
        self.quotes: list[dict] = []
        self.resources: dict[str, dict] = {}
        self.quotes_by_iri: dict[str, dict] = {}
        self.questions_by_iri: dict[str, dict] = {}
        self.resource_reasons: dict[str, list[ThemeReason]] = defaultdict(list)
        self.theme_resources: dict[str, set[str]] = defaultdict(set)
        self.ranked_resources: dict[tuple[str, bool], list[dict]] = {}  # filled by api.lookups on first use
        self.chats: dict[str, dict] = {}
        self._search: SearchIndex | None = None
        self._search_lock = threading.Lock()
        self._read_themes(store)
        self._read_participants(store)
        self._read_organisations(store)
        self._read_chats(store)
        self._read_questions(store)
        self._read_quotes(store)
        self._read_resources(store)
        self._read_resource_reasons(store)

    # ids
    def local_id(self, iri: str, kind: str) -> str:
        prefix = f"{self.id_base}{kind}/"
        return iri[len(prefix) :] if iri.startswith(prefix) else iri

    def page(self, iri: str | None) -> str | None:
        """The path of the HTML / RDF page of a qid: IRI on this server."""
        if iri and iri.startswith(self.id_base):
            return "/id/" + iri[len(self.id_base) :]
        return None

    # themes
    def _read_themes(self, store: Store) -> None:
        for row in store.query(load("theme_labels")).rows:
            iri = str(row["theme"])
            theme = self.themes.setdefault(iri, Theme(iri, self.local_id(iri, "theme")))
            theme.lesson = theme.lesson or bool(py(row.get("lesson")))
            kind = str(row["kind"])
            if kind == "broader":
                _add(theme.broader, str(row["broader"]))
            else:
                _add({"pref": theme.pref, "alt": theme.alt, "hidden": theme.hidden}[kind], str(row["label"]))
        for theme in self.themes.values():
            for parent in theme.broader:
                if parent in self.themes:
                    _add(self.themes[parent].narrower, theme.iri)
            for key in [theme.slug, theme.iri, *theme.pref, *theme.alt, *theme.hidden]:
                self.theme_keys[fold(key)].add(theme.iri)
            theme.narrower.sort(key=lambda i: self.themes[i].label.casefold() if i in self.themes else i)
        self._read_tagged(store)

    def _read_tagged(self, store: Store) -> None:
        """Which theme each item carries, filed under the item's kind: quote, else resource, else question, else
        other (an item whose types make it several of these counts as the first)."""
        kinds: dict[str, set[str]] = defaultdict(set)
        for row in store.query(load("item_kinds")).rows:
            kinds[str(row["class"])].add(str(row["kind"]))
        item_kinds: dict[str, set[str]] = defaultdict(set)
        pairs: set[tuple[str, str]] = set()
        for row in store.query(load("tagged_items")).rows:
            item = str(row["item"])
            pairs.add((item, str(row["theme"])))
            if "type" in row:
                item_kinds[item] |= kinds.get(str(row["type"]), set())
        for item, theme_iri in pairs:
            found = item_kinds.get(item, set())
            kind = next((k for k in ("quote", "resource", "question") if k in found), "other")
            self.tagged[theme_iri][kind].add(item)
            self.item_themes[item].add(theme_iri)

    def resolve_themes(self, needle: str) -> list[Theme]:
        """Themes whose id, IRI, preferred, alternative or hidden label is `needle` (any case)."""
        return [self.themes[i] for i in sorted(self.theme_keys.get(fold(needle), ()))]

    def theme_suggestions(self, needle: str) -> list[str]:
        labels = sorted({label for t in self.themes.values() for label in [t.slug, *t.pref, *t.alt]})
        return suggest(needle, labels)

    def descendants(self, iri: str) -> list[str]:
        """The theme and every narrower theme below it (cycles tolerated)."""
        seen, stack = [], [iri]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.append(current)
            stack.extend(self.themes[current].narrower if current in self.themes else [])
        return seen

    def tops(self) -> list[Theme]:
        """Top concepts: themes without a broader theme in the thesaurus."""
        tops = [t for t in self.themes.values() if not any(b in self.themes for b in t.broader)]
        return sorted(tops, key=lambda t: (not t.lesson, t.label.casefold()))

    # participants
    def _read_participants(self, store: Store) -> None:
        for row in store.query(load("participants")).rows:
            iri = str(row["participant"])
            person = self.participants.setdefault(iri, Participant(iri, str(row["handle"])))
            _add(person.aliases, text(row.get("alias")))
            _add(person.display_names, text(row.get("displayName")))
            _add(person.names, text(row.get("name")))
            _add(person.roles, text(row.get("role")))
            person.organisation_account = person.organisation_account or bool(py(row.get("orgAccount")))
        for person in self.participants.values():
            for alias in person.aliases:
                self.handle_keys.setdefault(fold(alias.lstrip("@")), person.iri)
        for person in self.participants.values():  # canonical handles win over aliases
            self.handle_keys[fold(person.handle)] = person.iri

    def resolve_participant(self, handle: str) -> Participant | None:
        """A participant by handle or alias, any case, with or without '@'."""
        iri = self.handle_keys.get(fold(handle.strip().lstrip("@")))
        return self.participants.get(iri) if iri else None

    def participant_suggestions(self, handle: str) -> list[str]:
        choices = sorted(
            {p.handle for p in self.participants.values()} | {a for p in self.participants.values() for a in p.aliases}
        )
        return suggest(handle.lstrip("@"), choices)

    # organisations
    def _read_organisations(self, store: Store) -> None:
        for row in store.query(load("organisations")).rows:
            iri = str(row["organisation"])
            slug = self.local_id(iri, "organisation")
            org = self.organisations.setdefault(iri, Organisation(iri, slug, text(row.get("label")) or slug))
            org.kind = org.kind or text(row.get("kind"))
            _add(org.alt_names, text(row.get("altName")))
            _add(org.parents, text(row.get("parent")))
        for org in self.organisations.values():
            for key in [org.slug, org.iri, org.label, *org.alt_names]:
                self.organisation_keys.setdefault(fold(key), org.iri)

    def resolve_organisation(self, needle: str) -> Organisation | None:
        iri = self.organisation_keys.get(fold(needle))
        return self.organisations.get(iri) if iri else None

    def organisation_suggestions(self, needle: str) -> list[str]:
        return suggest(
            needle,
            sorted({o.slug for o in self.organisations.values()} | {o.label for o in self.organisations.values()}),
        )

    # chats, questions, quotes, resources
    def _read_chats(self, store: Store) -> None:
        for row in store.query(load("chats")).rows:
            iri = str(row["chat"])
            self.chats.setdefault(
                iri,
                {
                    "id": self.local_id(iri, "chat"),
                    "iri": iri,
                    "label": text(row.get("label")),
                    "date": text(row.get("date")),
                    "url": self.page(iri),
                },
            )

    def chat_id(self, iri: str | None) -> str | None:
        return self.local_id(iri, "chat") if iri else None

    def _read_questions(self, store: Store) -> None:
        seen: dict[str, dict] = {}
        for row in store.query(load("questions")).rows:
            iri = str(row["question"])
            if iri in seen:
                continue
            seen[iri] = {
                "id": self.local_id(iri, "question"),
                "iri": iri,
                "url": self.page(iri),
                "number": py(row["number"]),
                "text": text(row.get("text")),
                "chat": self.chat_id(text(row.get("chat"))),
                "asked_by": text(row.get("askedByHandle")),
            }
        self.questions = list(seen.values())
        self.questions_by_iri = seen

    def _read_quotes(self, store: Store) -> None:
        quotes: dict[str, dict] = {}
        for row in store.query(load("quotes")).rows:
            iri = str(row["quote"])
            quote = quotes.setdefault(
                iri,
                {
                    "id": self.local_id(iri, "quote"),
                    "iri": iri,
                    "url": self.page(iri),
                    "kinds": [],
                    "number": py(row.get("number")),
                    "text": text(row.get("text")),
                    "author": text(row.get("handle")),
                    "author_iri": text(row.get("author")),
                    "question": text(row.get("question")),
                    "date": text(row.get("date")),
                    "chat": self.chat_id(text(row.get("chat"))),
                },
            )
            kind = str(row["type"]).rsplit("#", 1)[-1]
            _add(quote["kinds"], kind)
        numbers = {q["iri"]: q["number"] for q in self.questions}
        for quote in quotes.values():
            quote["kind"] = next((k for k in quote["kinds"] if k != "Quote"), "Quote")
            del quote["kinds"]
            quote["question_number"] = numbers.get(quote["question"]) if quote["question"] else None
            quote["themes"] = sorted(self.local_id(t, "theme") for t in self.item_themes.get(quote["iri"], ()))
        self.quotes = sorted(quotes.values(), key=lambda q: (q["chat"] or "", q["number"] or 0, q["iri"]))
        self.quotes_by_iri = quotes

    def _read_resources(self, store: Store) -> None:
        for row in store.query(load("resources")).rows:
            iri = str(row["resource"])
            res = self.resources.setdefault(
                iri,
                {
                    "id": self.local_id(iri, "resource"),
                    "iri": iri,
                    "url": self.page(iri),
                    "title": None,
                    "type": None,
                    "issued": None,
                    "link": None,
                    "doi": None,
                    "core": False,
                    "creators": [],
                    "shared_by": [],
                },
            )
            for key, var in (
                ("title", "title"),
                ("type", "type"),
                ("issued", "issued"),
                ("link", "url"),
                ("doi", "doi"),
            ):
                res[key] = res[key] or text(row.get(var))
            res["core"] = res["core"] or bool(py(row.get("core")))
            _add(res["creators"], text(row.get("creator")))
            _add(res["shared_by"], text(row.get("sharedByHandle")))
        for res in self.resources.values():
            res["themes"] = sorted(self.local_id(t, "theme") for t in self.item_themes.get(res["iri"], ()))

    def _read_resource_reasons(self, store: Store) -> None:
        """The theme index: for each theme the resources carrying it, for each resource why (each reason once)."""
        for row in store.query(load("resource_reasons")).rows:
            iri = str(row["resource"])
            found = ThemeReason.from_row(row)
            if found not in self.resource_reasons[iri]:
                self.resource_reasons[iri].append(found)
            self.theme_resources[found.theme].add(iri)

    # search
    def search_index(self) -> SearchIndex:
        """The full-text index of this load's texts (built on first use, then kept)."""
        with self._search_lock:
            if self._search is None:
                self._search = SearchIndex(
                    self.documents(), ([*t.pref, *t.alt, *t.hidden] for t in self.themes.values())
                )
            return self._search

    def documents(self) -> list[Document]:
        """Everything /api/search finds: each thing once, its label and all its words, with what it can be filtered
        by (the chat, question, author and themes of a quote; the themes of a resource or question)."""
        themes_of = {
            iri: tuple(sorted(self.local_id(t, "theme") for t in found)) for iri, found in self.item_themes.items()
        }
        docs = []
        for theme in self.themes.values():
            docs.append(
                Document("theme", theme.slug, theme.label, " · ".join([*theme.pref, *theme.alt, *theme.hidden]), 3.0)
            )
        for person in self.participants.values():
            docs.append(
                Document(
                    "participant",
                    person.handle,
                    "@" + person.handle,
                    " · ".join([person.handle, *person.aliases, *person.display_names, *person.names, *person.roles]),
                    3.0,
                    author=person.handle,
                )
            )
        for org in self.organisations.values():
            docs.append(Document("organisation", org.slug, org.label, " · ".join([org.label, *org.alt_names]), 3.0))
        for res in self.resources.values():
            if res["title"]:
                body = " · ".join(x for x in [res["title"], *res["creators"], res["type"] or ""] if x)
                docs.append(
                    Document("resource", res["id"], res["title"], body, 2.0, themes=themes_of.get(res["iri"], ()))
                )
        for question in self.questions:
            if question["text"]:
                docs.append(
                    Document(
                        "question",
                        question["id"],
                        f"Q{question['number']}",
                        question["text"],
                        1.5,
                        chat=question["chat"],
                        question=question["id"],
                        themes=themes_of.get(question["iri"], ()),
                    )
                )
        for quote in self.quotes:
            if quote["text"]:
                asked = self.questions_by_iri.get(quote["question"] or "")
                docs.append(
                    Document(
                        "quote",
                        quote["id"],
                        f"@{quote['author']}" if quote["author"] else quote["id"],
                        quote["text"],
                        1.0,
                        chat=quote["chat"],
                        question=asked["id"] if asked else None,
                        author=quote["author"],
                        themes=themes_of.get(quote["iri"], ()),
                    )
                )
        return docs
