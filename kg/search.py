"""Full-text search over the graph's words: SQLite FTS5 (in the standard library), BM25, stemming, phrases, prefixes.

Why FTS5: it ships with Python (no service, no build step, nothing to download), has BM25 ranking, a Porter stemmer
("improve" finds "improvement"), phrase and prefix queries and highlighted snippets; tantivy's Python bindings would
add a compiled dependency for the same features at our sizes (bench/search.py measures the latency at 1 M quads).

The user's text is never FTS5 syntax: it is cut into words, quoted phrases ("golden thread") and prefixes (coach*),
each passed to FTS5 as a quoted string, so AND/OR/NEAR, column filters or stray quotes in a query are just words.
Queries are widened through the thesaurus: a word or phrase that is a label of a theme (prefLabel, altLabel or
hiddenLabel) also matches the theme's other labels, so "gemba" finds "go and see"; a phrase in quotes is taken
exactly, without synonyms. Filters (kind, chat, question,
theme, author) are exact matches on columns kept next to the text.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

KINDS = ("theme", "participant", "organisation", "resource", "question", "quote")
_START, _END = "\x02", "\x03"  # highlight markers: never in the data (control characters are not in our texts)
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Document:
    """One searchable thing: what it is, its label, its words, and what a search may filter it by."""

    kind: str
    id: str
    label: str
    body: str
    weight: float = 1.0
    chat: str | None = None
    question: str | None = None
    author: str | None = None
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    label: str
    score: float
    snippet: str  # the matched words marked with « and »
    snippet_html: str  # the same, HTML-escaped, marked with <mark>
    document: Document


@dataclass
class Query:
    """A parsed query: the alternatives for each part (a word, phrase or prefix and its thesaurus synonyms)."""

    parts: list[list[str]] = field(default_factory=list)
    expanded: dict[str, list[str]] = field(default_factory=dict)  # what the thesaurus added, for the answer

    def match(self) -> str:
        """The FTS5 MATCH expression: parts joined by OR, each part's alternatives by OR (BM25 ranks the rest)."""
        return " OR ".join(f"({' OR '.join(alts)})" for alts in self.parts)


def _quoted(words: str) -> str:
    return '"' + words.replace('"', '""') + '"'


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


class SearchIndex:
    """An in-memory FTS5 index of documents, with the thesaurus's labels for query expansion."""

    def __init__(self, documents: Iterable[Document], synonyms: Iterable[Iterable[str]] = ()) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.executescript("""
            CREATE VIRTUAL TABLE docs USING fts5(label, body, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE TABLE meta (rowid INTEGER PRIMARY KEY, kind TEXT, id TEXT, weight REAL, chat TEXT, question TEXT,
                               author TEXT);
            CREATE TABLE theme_of (rowid INTEGER, theme TEXT);
            CREATE INDEX theme_of_theme ON theme_of (theme);
        """)
        self.documents: list[Document] = []
        rows, meta, themes = [], [], []
        for rowid, doc in enumerate(documents, start=1):
            self.documents.append(doc)
            rows.append((rowid, doc.label, doc.body))
            meta.append((rowid, doc.kind, doc.id, doc.weight, doc.chat, doc.question, doc.author))
            themes += [(rowid, t) for t in doc.themes]
        with self._db:
            self._db.executemany("INSERT INTO docs (rowid, label, body) VALUES (?, ?, ?)", rows)
            self._db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?)", meta)
            self._db.executemany("INSERT INTO theme_of VALUES (?, ?)", themes)
        self._synonyms: dict[str, list[str]] = {}
        for group in synonyms:
            labels = sorted({_words(label) for label in group if _words(label)})
            for label in labels:
                self._synonyms.setdefault(label, [])
                self._synonyms[label] += [other for other in labels if other != label
                                          and other not in self._synonyms[label]]

    def parse(self, text: str) -> Query:
        """Words, "quoted phrases" and prefix* of `text`, each with its thesaurus synonyms."""
        query = Query()
        whole = _words(text)
        if whole and " " in whole and whole in self._synonyms and '"' not in text:
            # the whole query is a thesaurus label: that concept (the phrase or a synonym), not its loose words
            query.parts.append([_quoted(whole), *(_quoted(s) for s in self._synonyms[whole])])
            query.expanded[whole] = self._synonyms[whole]
            return query
        for phrase, word in _TOKEN.findall(text):
            if phrase:  # "in quotes": exactly these words in this order, no synonyms
                words = _words(phrase)
                if words:
                    query.parts.append([_quoted(words)])
                continue
            tokens = _WORD.findall(word.casefold())
            for i, token in enumerate(tokens):
                if word.endswith("*") and i == len(tokens) - 1:
                    query.parts.append([_quoted(token) + " *"])
                    continue
                alts = [_quoted(token)] + [_quoted(s) for s in self._synonyms.get(token, [])]
                if token in self._synonyms:
                    query.expanded[token] = self._synonyms[token]
                query.parts.append(alts)
        return query

    def _where(self, query: Query, kind: str | None, chat: str | None, questions: Iterable[str] | None,
               themes: Iterable[str] | None, author: str | None) -> tuple[str, list[object]]:
        """The SQL condition (and its bound values) for the match and the filters."""
        where, args = ["docs MATCH ?"], [query.match()]
        for column, value in (("kind", kind), ("chat", chat), ("author", author)):
            if value is not None:
                where.append(f"meta.{column} = ?")
                args.append(value)
        if questions is not None:
            asked = list(questions)
            where.append(f"meta.question IN ({','.join('?' * len(asked))})" if asked else "0")
            args += asked
        if themes is not None:
            chosen = list(themes)
            where.append(f"docs.rowid IN (SELECT rowid FROM theme_of WHERE theme IN ({','.join('?' * len(chosen))}))"
                         if chosen else "0")
            args += chosen
        return " AND ".join(where), args

    def search(self, text: str, *, kind: str | None = None, chat: str | None = None,
               questions: Iterable[str] | None = None, themes: Iterable[str] | None = None,
               author: str | None = None, limit: int | None = None,
               offset: int = 0) -> tuple[Query, int, list[Hit]]:
        """(the parsed query, how many things match, the page of them `limit`/`offset` choose), best first: BM25,
        the label counting five times the body, times the kind's weight; the filters applied."""
        query = self.parse(text)
        if not query.parts:
            return query, 0, []
        condition, args = self._where(query, kind, chat, questions, themes, author)
        joined = f"FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE {condition}"
        # ranked first, marked after: snippets are worked out for the page's rows only
        ranked_sql = (f"SELECT docs.rowid, bm25(docs, 5.0, 1.0) * meta.weight AS score {joined} "
                      "ORDER BY score, docs.rowid LIMIT ? OFFSET ?")
        marks_sql = (f"SELECT docs.rowid, highlight(docs, 0, '{_START}', '{_END}'), "
                     f"snippet(docs, 1, '{_START}', '{_END}', '…', 24) FROM docs WHERE docs MATCH ? AND docs.rowid "
                     "IN ({})")
        with self._lock:
            total = self._db.execute(f"SELECT count(*) {joined}", args).fetchone()[0]
            page = self._db.execute(ranked_sql, [*args, -1 if limit is None else limit, offset]).fetchall()
            marks = {row[0]: row[1:] for row in self._db.execute(
                marks_sql.format(",".join("?" * len(page))), [query.match(), *(r for r, _ in page)])} if page else {}
        hits = []
        for rowid, score in page:
            doc = self.documents[rowid - 1]
            label, body = marks[rowid]
            marked = body if _START in body else label
            hits.append(Hit(doc.kind, doc.id, doc.label, round(-score, 4),
                            marked.replace(_START, "«").replace(_END, "»"),
                            html.escape(marked).replace(_START, "<mark>").replace(_END, "</mark>"), doc))
        return query, total, hits
