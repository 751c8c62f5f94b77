"""In-memory indexes over the graph (themes, people, quotes, ...) read once per loaded store.

Lists, filters, label look-ups, ranked search and resources-by-theme run over these indexes: they hold one entry per
resource, quote or theme, so they grow with the data but stay small next to the store, and a lookup costs no query
(the theme lookup at 1 M quads must answer in milliseconds). Lookups whose answer is a node's whole neighbourhood
(one entity's statements, one item's reasons) query the store with bound parameters instead.

One module per job: `values` (terms to values, fuzzy suggestions, ids), `themes` (the thesaurus and what is tagged
with what), `people` (participants, organisations), `items` (chats, questions, quotes, resources and their
reasons), `documents` (what search finds). `Catalogue` puts them together as the routes read them.
"""

from __future__ import annotations

import threading

from api.catalogue.documents import documents
from api.catalogue.items import (
    ThemeReason,
    read_chats,
    read_questions,
    read_quotes,
    read_resource_reasons,
    read_resources,
)
from api.catalogue.people import Organisation, Organisations, Participant, Participants
from api.catalogue.themes import Theme, Themes
from api.catalogue.values import Ids, fold, line_number, py, suggest, text
from kg.indexes.search import Document, SearchIndex
from kg.store import Store

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
    """Everything list endpoints need, read from the store once."""

    def __init__(self, store: Store, id_base: str) -> None:
        self.id_base = id_base
        self.ids = Ids(id_base)
        self.theme_index = Themes(store, self.ids)
        self.themes = self.theme_index.themes
        self.tagged = self.theme_index.tagged
        self.item_themes = self.theme_index.item_themes
        self.people = Participants(store)
        self.participants = self.people.participants
        self.orgs = Organisations(store, self.ids)
        self.organisations = self.orgs.organisations
        self.chats = read_chats(store, self.ids)
        self.questions_by_iri = read_questions(store, self.ids)
        self.questions = list(self.questions_by_iri.values())
        self.quotes, self.quotes_by_iri = read_quotes(store, self.ids, self.questions, self.item_themes)
        self.resources = read_resources(store, self.ids, self.item_themes)
        self.resource_reasons, self.theme_resources = read_resource_reasons(store)
        self.ranked_resources: dict[tuple[str, bool], list[dict]] = {}  # filled by api.lookups on first use
        self._search: SearchIndex | None = None
        self._search_lock = threading.Lock()

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
        """The full-text index of this load's texts (built on first use, then kept)."""
        with self._search_lock:
            if self._search is None:
                self._search = SearchIndex(
                    self.documents(), ([*t.pref, *t.alt, *t.hidden] for t in self.themes.values())
                )
            return self._search

    def documents(self) -> list[Document]:
        """Everything /api/search finds (api/catalogue/documents.py)."""
        return documents(
            self.ids, self.theme_index, self.people, self.orgs, self.resources, self.questions_by_iri, self.quotes
        )
