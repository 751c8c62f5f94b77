"""In-memory indexes over the graph (themes, people, quotes, ...): read from a loaded store once by the build, which
stores them with itself (kg/indexes/stored.py, kg/pipeline/indexes.py), and by the API only when it finds none.

Lists, filters, label look-ups, ranked search and resources-by-theme run over these indexes: they hold one entry per
resource, quote or theme, so they grow with the data but stay small next to the store, and a lookup costs no query
(the theme lookup at 1 M quads must answer in milliseconds). Lookups whose answer is a node's whole neighbourhood
(one entity's statements, one item's reasons) query the store with bound parameters instead.

One module per job: `values` (terms to values, fuzzy suggestions, ids), `themes` (the thesaurus and what is tagged
with what), `people` (participants, organisations), `items` (chats, questions, quotes, resources and their
reasons), `documents` (what search finds). `Catalogue` puts them together as the routes read them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter, defaultdict
from dataclasses import asdict

from kg.indexes.catalogue.documents import documents
from kg.indexes.catalogue.items import (
    ThemeReason,
    read_chats,
    read_questions,
    read_quotes,
    read_resource_reasons,
    read_resources,
)
from kg.indexes.catalogue.people import Organisation, Organisations, Participant, Participants
from kg.indexes.catalogue.themes import Theme, Themes
from kg.indexes.catalogue.values import Ids, fold, line_number, py, suggest, text
from kg.indexes.search import Document, SearchIndex
from kg.store import Store

log = logging.getLogger("qikg.indexes")

__all__ = [
    "Catalogue",
    "Organisation",
    "Participant",
    "Theme",
    "ThemeReason",
    "fold",
    "line_number",
    "py",
    "suggest",
    "text",
]


class Catalogue:
    """Everything list endpoints need: read from the store once (`read`), or from the build's stored copy
    (`from_data`, kg/indexes/stored.py), which gives the same object."""

    def __init__(
        self,
        id_base: str,
        *,
        themes: Themes,
        people: Participants,
        orgs: Organisations,
        chats: dict[str, dict],
        questions: dict[str, dict],
        quotes: list[dict],
        resources: dict[str, dict],
        resource_reasons: dict[str, list[ThemeReason]],
    ) -> None:
        self.id_base = id_base
        self.ids = Ids(id_base)
        self.theme_index = themes
        self.themes = themes.themes
        self.tagged = themes.tagged
        self.item_themes = themes.item_themes
        self.people = people
        self.participants = people.participants
        self.orgs = orgs
        self.organisations = orgs.organisations
        self.chats = chats
        self.questions_by_iri = questions
        self.questions = list(questions.values())
        self.quotes = quotes  # sorted by chat and number
        self.quotes_by_iri = {q["iri"]: q for q in quotes}
        self.quotes_by_author: Counter[str] = Counter(q["author"] for q in quotes if q["author"])  # by handle
        self.resources = resources
        self.resource_reasons = resource_reasons
        self.theme_resources: dict[str, set[str]] = defaultdict(set)
        for iri, reasons in resource_reasons.items():
            for why in reasons:
                self.theme_resources[why.theme].add(iri)
        self.ranked_resources: dict[tuple[str, bool], list[dict]] = {}  # filled by api.lookups on first use
        self._search: SearchIndex | None = None
        self._search_file: sqlite3.Connection | None = None
        self._search_lock = threading.Lock()

    @classmethod
    def read(cls, store: Store, id_base: str) -> Catalogue:
        """The catalogue of what `store` holds, read by SPARQL (kg/indexes/queries/)."""
        ids = Ids(id_base)
        themes = Themes.read(store, ids)
        questions = read_questions(store, ids)
        return cls(
            id_base,
            themes=themes,
            people=Participants.read(store),
            orgs=Organisations.read(store, ids),
            chats=read_chats(store, ids),
            questions=questions,
            quotes=read_quotes(store, ids, list(questions.values()), themes.item_themes),
            resources=read_resources(store, ids, themes.item_themes),
            resource_reasons=read_resource_reasons(store),
        )

    def to_data(self) -> dict:
        """Everything the catalogue is made of, as plain JSON data (what `from_data` takes back)."""
        return {
            "id_base": self.id_base,
            **self.theme_index.to_data(),
            "participants": self.people.to_data(),
            "organisations": self.orgs.to_data(),
            "chats": list(self.chats.values()),
            "questions": self.questions,
            "quotes": self.quotes,
            "resources": list(self.resources.values()),
            "resource_reasons": {iri: [asdict(r) for r in found] for iri, found in self.resource_reasons.items()},
        }

    @classmethod
    def from_data(cls, data: dict) -> Catalogue:
        return cls(
            data["id_base"],
            themes=Themes.from_data(data),
            people=Participants.from_data(data["participants"]),
            orgs=Organisations.from_data(data["organisations"]),
            chats={c["iri"]: c for c in data["chats"]},
            questions={q["iri"]: q for q in data["questions"]},
            quotes=data["quotes"],
            resources={r["iri"]: r for r in data["resources"]},
            resource_reasons={
                iri: [ThemeReason(**r) for r in found] for iri, found in data["resource_reasons"].items()
            },
        )

    def use_stored_search(self, db: sqlite3.Connection) -> None:
        """Serve search from the index the build stored (a connection to its file: `SearchIndex.connect`), checked
        on first use, instead of building one."""
        self._search_file = db

    def synonyms(self) -> list[list[str]]:
        """The thesaurus's label groups, which widen a search."""
        return [[*t.pref, *t.alt, *t.hidden] for t in self.themes.values()]

    # ids
    def local_id(self, iri: str, kind: str) -> str:
        return self.ids.local_id(iri, kind)

    def page(self, iri: str | None) -> str | None:
        """The path of the HTML / RDF page of a qid: IRI on this server."""
        return self.ids.page(iri)

    def chat_id(self, iri: str | None) -> str | None:
        return self.ids.chat_id(iri)

    # look-ups
    def resolve_themes(self, needle: str) -> list[Theme]:
        return self.theme_index.resolve(needle)

    def theme_suggestions(self, needle: str) -> list[str]:
        return self.theme_index.suggestions(needle)

    def descendants(self, iri: str) -> list[str]:
        return self.theme_index.descendants(iri)

    def tops(self) -> list[Theme]:
        return self.theme_index.tops()

    def resolve_participant(self, handle: str) -> Participant | None:
        return self.people.resolve(handle)

    def participant_suggestions(self, handle: str) -> list[str]:
        return self.people.suggestions(handle)

    def resolve_organisation(self, needle: str) -> Organisation | None:
        return self.orgs.resolve(needle)

    def organisation_suggestions(self, needle: str) -> list[str]:
        return self.orgs.suggestions(needle)

    # search
    def search_index(self) -> SearchIndex:
        """The full-text index of this load's texts: the build's stored one, else built on first use; then kept."""
        with self._search_lock:
            if self._search is None and self._search_file is not None:
                try:
                    self._search = SearchIndex.open(self._search_file, self.documents(), self.synonyms())
                    log.info("search index: the build's stored file, memory-mapped")
                except (OSError, ValueError, sqlite3.Error) as error:
                    log.warning("search index: the build's stored file cannot be used (%s); building it", error)
                    self._search_file.close()
                self._search_file = None
            if self._search is None:
                self._search = SearchIndex(self.documents(), self.synonyms())
            return self._search

    def documents(self) -> list[Document]:
        """Everything /api/search finds (kg/indexes/catalogue/documents.py)."""
        return documents(
            self.ids, self.theme_index, self.people, self.orgs, self.resources, self.questions_by_iri, self.quotes
        )
