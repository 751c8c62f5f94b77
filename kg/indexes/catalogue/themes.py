"""The thesaurus index: every theme with its labels and links, and which items carry which theme."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from kg.indexes.catalogue.values import Ids, add_once, fold, load, py, suggest
from kg.store import Store


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


class Themes:
    """The themes by IRI, their labels as look-up keys, and the items tagged with each (by kind)."""

    def __init__(self, themes: dict[str, Theme], tagged: dict[str, dict[str, set[str]]]) -> None:
        """From the themes (their narrower lists worked out) and, for each theme, its items by kind."""
        self.themes = themes
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.tagged: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.item_themes: dict[str, set[str]] = defaultdict(set)
        for theme in themes.values():
            for key in [theme.slug, theme.iri, *theme.pref, *theme.alt, *theme.hidden]:
                self.keys[fold(key)].add(theme.iri)
        for theme_iri, by_kind in tagged.items():
            for kind, items in by_kind.items():
                self.tagged[theme_iri][kind].update(items)
                for item in items:
                    self.item_themes[item].add(theme_iri)

    @classmethod
    def read(cls, store: Store, ids: Ids) -> Themes:
        """The thesaurus and the tagging, read from the store."""
        return cls(_read_themes(store, ids), _read_tagged(store))

    def to_data(self) -> dict:
        """The themes and the tagging as plain data (lists sorted), for the stored catalogue."""
        return {
            "themes": [asdict(t) for t in self.themes.values()],
            "tagged": {t: {k: sorted(items) for k, items in kinds.items()} for t, kinds in self.tagged.items()},
        }

    @classmethod
    def from_data(cls, data: dict) -> Themes:
        return cls({t["iri"]: Theme(**t) for t in data["themes"]}, data["tagged"])

    def resolve(self, needle: str) -> list[Theme]:
        """Themes whose id, IRI, preferred, alternative or hidden label is `needle` (any case)."""
        return [self.themes[i] for i in sorted(self.keys.get(fold(needle), ()))]

    def suggestions(self, needle: str) -> list[str]:
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


def _read_themes(store: Store, ids: Ids) -> dict[str, Theme]:
    themes: dict[str, Theme] = {}
    for row in store.query(load("theme_labels")).rows:
        iri = str(row["theme"])
        theme = themes.setdefault(iri, Theme(iri, ids.local_id(iri, "theme")))
        theme.lesson = theme.lesson or bool(py(row.get("lesson")))
        kind = str(row["kind"])
        if kind == "broader":
            add_once(theme.broader, str(row["broader"]))
        else:
            add_once({"pref": theme.pref, "alt": theme.alt, "hidden": theme.hidden}[kind], str(row["label"]))
    for theme in themes.values():
        for parent in theme.broader:
            if parent in themes:
                add_once(themes[parent].narrower, theme.iri)
    for theme in themes.values():
        theme.narrower.sort(key=lambda i: themes[i].label.casefold() if i in themes else i)
    return themes


def _read_tagged(store: Store) -> dict[str, dict[str, set[str]]]:
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
    tagged: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for item, theme_iri in pairs:
        found = item_kinds.get(item, set())
        kind = next((k for k in ("quote", "resource", "question") if k in found), "other")
        tagged[theme_iri][kind].add(item)
    return tagged
