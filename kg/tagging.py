"""Theme tagging with recorded reasons: why does this quote, question or resource have this theme?

Three reasons, in order of strength (one `qi:ThemeAssignment` per item and theme keeps the strongest):
- "label": a thesaurus label (pref/alt/hidden) occurs in the item's words (`qi:matchedLabel`);
- "question": a quote (or a resource discussed) in a question's section inherits that question's themes
  (`qi:viaQuestion`);
- "curated": a reviewed entry of `kg/data/curated_themes.yaml`, with its source line and reason (`qi:note`).
The question -> theme mapping itself lives in that file, not in code, so a reviewer can read and change it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from kg import iris
from kg.iris import QI, QID
from kg.records import ChatRecords

CURATED_PATH = Path(__file__).parent / "data" / "curated_themes.yaml"
REASON_RANK = {"label": 0, "question": 1, "curated": 2}
LABEL_KINDS = {SKOS.prefLabel: "pref", SKOS.altLabel: "alt", SKOS.hiddenLabel: "hidden"}
_SEPARATOR = r"[\s\-\u2010\u2011\u2013_]*"


@dataclass(frozen=True)
class Assignment:
    """One theme given to one item, with the evidence for it."""

    subject: URIRef
    theme_slug: str
    reason: str
    line: int
    matched_label: str | None = None
    via_question: URIRef | None = None
    note: str | None = None


def theme_slug(theme: URIRef) -> str:
    return str(theme).removeprefix(str(QID) + "theme/")


_WORD_CHAR = re.compile(r"\w")
_SEPARATOR_CHAR = re.compile(_SEPARATOR.removesuffix("*"))
_NOT_GIVEN = object()


class LabelPattern:
    """How to find one label in a text: `search(text)` gives where it first occurs (a regex match start), or None.

    Tagging tries every label (about 600) on every item; compiling all the regexes and scanning every text with each
    took most of the RDF build. A label of ASCII words in a text without cased non-ASCII characters (nearly all of
    them) is found without a regex, by the same rules (see `_casefree`); any other pair goes through the regex,
    compiled on first use.
    """

    __slots__ = ("source", "words", "_regex")

    def __init__(self, words: list[str]) -> None:
        self.source = r"(?<![\w])" + _SEPARATOR.join(re.escape(w) for w in words) + r"(?![\w])"
        self.words = tuple(w.lower() for w in words) if all(w.isascii() for w in words) else None
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile(self.source, re.IGNORECASE)
        return self._regex

    def search(self, text: str, lowered: str | None | object = _NOT_GIVEN) -> int | None:
        """Where the label first occurs in `text`; `lowered` is `_casefree(text)` when the caller has it."""
        if self.words is not None:
            lowered = _casefree(text) if lowered is _NOT_GIVEN else lowered
            if isinstance(lowered, str):
                return _find_words(lowered, self.words)
        m = self.regex.search(text)
        return m.start() if m else None


def _casefree(text: str) -> str | None:
    """The text lower-cased, when plain comparison of the lower-cased text with lower-cased ASCII words gives what
    the case-insensitive regex gives; else None.

    The regex equates an ASCII letter with its other case and with a few cased non-ASCII characters only (the Kelvin
    sign, long s, dotless i and dotted I). In a text without cased non-ASCII characters, lower() changes ASCII
    letters only (every uncased character lower-cases to itself), so positions and word characters stay as they are.
    """
    if text.isascii() or not any(not c.isascii() and c.lower() != c.upper() for c in text):
        return text.lower()
    return None


def _find_words(lowered: str, words: tuple[str, ...]) -> int | None:
    """The regex of `LabelPattern` without a regex: the first start of the words, separated by any run of
    separators (possibly none), not preceded or followed by a word character. Separators never occur inside a word,
    so the greedy separator run is the only way to go on: no backtracking to do."""
    first, end = words[0], len(lowered)
    start = lowered.find(first)
    while start != -1:
        if start == 0 or not _WORD_CHAR.match(lowered, start - 1):
            pos = start + len(first)
            for word in words[1:]:
                while pos < end and _SEPARATOR_CHAR.match(lowered, pos):
                    pos += 1
                if not lowered.startswith(word, pos):
                    break
                pos += len(word)
            else:
                if pos >= end or not _WORD_CHAR.match(lowered, pos):
                    return start
        start = lowered.find(first, start + 1)
    return None


def label_patterns(thesaurus: Graph) -> list[tuple[LabelPattern, str, str]]:
    """(pattern, label, theme slug) for every thesaurus label, longest label first.

    Case-insensitive, on word boundaries, and tolerant of separators: 'hoshin kanri' also finds 'hoshin-kanri' and
    '#hoshinkanri', 'go and see' finds 'go-and-see'.
    """
    found: set[tuple[str, str]] = set()
    for prop in LABEL_KINDS:
        for theme, label in thesaurus.subject_objects(prop):
            if isinstance(theme, URIRef) and str(theme).startswith(str(QID) + "theme/"):
                found.add((str(label).strip(), theme_slug(theme)))
    out = []
    for label, slug in sorted(found, key=lambda x: (-len(x[0]), x[0].lower(), x[1])):
        words = [w for w in re.split(r"[\s\-\u2010\u2011\u2013_]+", label) if w]
        if not words:
            continue
        out.append((LabelPattern(words), label, slug))
    return out


def match_labels(text: str, patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, str]:
    """theme slug -> the label found first in the text."""
    hits: dict[str, tuple[int, str]] = {}
    lowered = _casefree(text)
    for pattern, label, slug in patterns:
        if lowered is not None and pattern.words is not None and pattern.words[0] not in lowered:
            continue  # the common case, decided here without a call
        start = pattern.search(text, lowered)
        if start is not None and (slug not in hits or start < hits[slug][0]):
            hits[slug] = (start, label)
    return {slug: label for slug, (_, label) in sorted(hits.items())}


def load_curated(path: Path | None = None) -> dict:
    """The reviewed file: `questions` (question -> themes) and `items` (themes for single items)."""
    from kg import curation

    data = curation.load(path or CURATED_PATH, curation.CuratedThemes | None)[0] or {}
    return {"questions": data.get("questions") or [], "items": data.get("items") or []}


def assignments(records: ChatRecords, thesaurus: Graph, curated: dict) -> tuple[list[Assignment], list[str]]:
    """Every theme assignment for one chat's quotes, questions and resources, plus warnings."""
    slug, source = records.chat.slug, records.source_slug
    known = {theme_slug(t) for t in thesaurus.subjects(RDF.type, None) if str(t).startswith(str(QID) + "theme/")}
    patterns = label_patterns(thesaurus)
    warnings: list[str] = []
    out: list[Assignment] = []

    def usable(themes: list[str], where: str) -> list[str]:
        for t in themes:
            if t not in known:
                warnings.append(f"{where}: curated theme {t!r} is not in the thesaurus")
        return [t for t in themes if t in known]

    question_themes: dict[int, list[str]] = {}
    for entry in curated["questions"]:
        if entry.get("source", source) != source:
            continue
        where = f"curated_themes.yaml question {entry['question']} (line {entry.get('line')})"
        question_themes[int(entry["question"])] = usable(list(entry["themes"]), where)
        if int(entry["question"]) in {q.number for q in records.questions}:
            node = iris.question(slug, int(entry["question"]))
            for t in question_themes[int(entry["question"])]:
                out.append(Assignment(node, t, "curated", int(entry["line"]), note=str(entry["reason"])))

    for q in records.questions:
        node = iris.question(slug, q.number)
        for t, label in match_labels(q.text or "", patterns).items():
            out.append(Assignment(node, t, "label", q.line, matched_label=label))

    for quote in records.quotes:
        node = iris.quote(slug, quote.number)
        for t, label in match_labels(quote.text, patterns).items():
            out.append(Assignment(node, t, "label", quote.line, matched_label=label))
        if quote.question is not None:
            for t in question_themes.get(quote.question, []):
                via = iris.question(slug, quote.question)
                out.append(Assignment(node, t, "question", quote.line, via_question=via))

    for res in records.resources:
        node = iris.resource(res.slug)
        text = " ".join(x for x in [res.title or res.label, res.description] if x)
        for t, label in match_labels(text, patterns).items():
            out.append(Assignment(node, t, "label", res.line, matched_label=label))
        for line in res.discussed_at:
            for q in records.questions:
                if q.section_start <= line <= q.section_end:
                    via = iris.question(slug, q.number)
                    for t in question_themes.get(q.number, []):
                        out.append(Assignment(node, t, "question", res.line, via_question=via))

    quotes_by_line = {q.line: q for q in records.quotes}
    resource_slugs = {r.slug for r in records.resources}
    question_numbers = {q.number for q in records.questions}
    for entry in curated["items"]:
        if entry.get("source", source) != source:
            continue
        line, note = int(entry["line"]), str(entry["reason"])
        node: URIRef | None = None
        if "resource" in entry and entry["resource"] in resource_slugs:
            node = iris.resource(entry["resource"])
        elif "quote_line" in entry and int(entry["quote_line"]) in quotes_by_line:
            node = iris.quote(slug, quotes_by_line[int(entry["quote_line"])].number)
        elif "question" in entry and int(entry["question"]) in question_numbers:
            node = iris.question(slug, int(entry["question"]))
        if node is None:
            warnings.append(f"curated_themes.yaml line-{line} item {entry!r} matches no record")
            continue
        for t in usable(list(entry["themes"]), f"curated_themes.yaml item at line {line}"):
            out.append(Assignment(node, t, "curated", line, note=note))

    best: dict[tuple[URIRef, str], Assignment] = {}
    for a in out:
        key = (a.subject, a.theme_slug)
        if key not in best or REASON_RANK[a.reason] < REASON_RANK[best[key].reason]:
            best[key] = a
    chosen = [best[k] for k in sorted(best)]

    themed = {a.subject for a in chosen}
    items = [iris.question(slug, q.number) for q in records.questions]
    items += [iris.quote(slug, q.number) for q in records.quotes]
    items += [iris.resource(r.slug) for r in records.resources]
    for item in items:
        if item not in themed:
            warnings.append(f"{item} has no theme (no label in its words, no question, no curated entry)")
    return chosen, warnings


def add_assignments(graph: Graph, found: list[Assignment], source: URIRef) -> None:
    """Write `?x qi:hasTheme ?t` plus one `qi:ThemeAssignment` node recording why."""
    for a in found:
        theme = iris.theme(a.theme_slug)
        node = iris.theme_assignment(a.subject, a.theme_slug)
        graph.add((a.subject, QI.hasTheme, theme))
        graph.add((node, RDF.type, QI.ThemeAssignment))
        local = str(a.subject).removeprefix(str(QID))
        graph.add((node, RDFS.label, Literal(f"{a.theme_slug} for {local} ({a.reason})")))
        graph.add((node, PROV.wasDerivedFrom, source))
        graph.add((node, QI.sourceLine, Literal(a.line, datatype=XSD.integer)))
        graph.add((node, QI.assignedTo, a.subject))
        graph.add((node, QI.assignedTheme, theme))
        graph.add((node, QI.reason, Literal(a.reason)))
        if a.matched_label:
            graph.add((node, QI.matchedLabel, Literal(a.matched_label)))
        if a.via_question:
            graph.add((node, QI.viaQuestion, a.via_question))
        if a.note:
            graph.add((node, QI.note, Literal(a.note)))


def tag_records(records: ChatRecords, graph: Graph, thesaurus: Graph, *, curated_path: Path | None = None) -> list[str]:
    """Tag one chat's items into its source graph; returns warnings (unknown themes, untagged items)."""
    found, warnings = assignments(records, thesaurus, load_curated(curated_path))
    add_assignments(graph, found, iris.source(records.source_slug))
    return warnings
