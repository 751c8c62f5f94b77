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

Ranking is FTS5's BM25 (`bm25(docs, 5.0, 1.0)` times the kind's weight), worked out from the word positions the index
stores beside FTS5's tables (kg/indexes/search_rank.py: the same floats, without FTS5's per-match look-ups); the
highlights and snippets come from FTS5 over the page's rows only. Equal scores are ordered by the document's place
in the catalogue (stored in the `doc_order` table), never by row id: `qikg add` patches the previous build's file
(search_patch.py), whose row ids are not in that order, and it must answer as an index built whole. A phrase counts
once however many synonyms or spellings reach it (`SearchIndex._distinct`).
"""

from __future__ import annotations

import hashlib
import html
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.indexes import search_rank
from kg.indexes.spelling import Spelling

KINDS = ("theme", "participant", "organisation", "resource", "question", "quote")
_START, _END = "\x02", "\x03"  # highlight markers: never in the data (control characters are not in our texts)
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)
# where a word the user typed is cut into several (label:golden is two words; go-see, l'amélioration, a decomposed
# é stay one, and FTS5's tokenizer reads them as it read the documents)
_SPLIT = re.compile(r"[^\w\-'’*\u0300-\u036f]+")
MAX_PARTS = 16  # words and phrases of one query taken into account (more only slow the search down)
MIN_PREFIX = 2  # letters a prefix* needs (a*, matching half the vocabulary, is taken as the word "a")
TOKENIZE = "porter unicode61 remove_diacritics 2"  # how the documents' words are cut and stemmed
ORDER = "doc_order"  # one row: the row ids in the catalogue's order (int64), what breaks ties in the ranking
PAGE_TABLE = "page_marks"  # the scratch table the page's highlights are worked out in (SearchIndex._marks)
DEADLINE_S = 2.0  # a search running longer is stopped with SearchTooBroad


class SearchTooBroad(Exception):
    """A search that would run too long (a very broad query over a big index)."""


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
    # each alternative of `parts` (in order) as FTS5 cuts it, and whether it is a prefix (SearchIndex._distinct)
    phrases: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)

    def match(self) -> str:
        """The FTS5 MATCH expression: parts joined by OR, each part's alternatives by OR (BM25 ranks the rest)."""
        return " OR ".join(f"({' OR '.join(alts)})" for alts in self.parts)


def _quoted(words: str) -> str:
    return '"' + words.replace('"', '""') + '"'


def _unquoted(alternative: str) -> tuple[str, bool]:
    """The text of one alternative of a Query part (a quoted string, `"coach" *` for a prefix), and whether it is
    a prefix."""
    prefix = alternative.endswith(" *")
    return alternative[1 : -3 if prefix else -1].replace('""', '"'), prefix


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only, immutable connection to an index file (no locks, no journal: a build's file never changes),
    its pages memory-mapped."""
    db = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    db.execute(f"PRAGMA mmap_size = {max(Path(path).stat().st_size, 1 << 20)}")
    return db


def _synonym_table(synonyms: Iterable[Iterable[str]]) -> dict[str, list[str]]:
    """A label's words (casefolded, for looking up what the user typed) -> the other labels of its theme, as FTS5
    will read them (lower case; FTS5's own tokenizer cuts them into words, as it cut the documents)."""
    table: dict[str, list[str]] = {}
    for group in synonyms:
        labels = sorted({label.strip().lower() for label in group if _words(label)})
        for label in labels:
            others = table.setdefault(_words(label), [])
            others += [other for other in labels if _words(other) != _words(label) and other not in others]
    return table


def _clean(text: str) -> str:
    """Text without the two characters the highlighter marks with."""
    return text.replace(_START, " ").replace(_END, " ")


def words_digest(doc: Document) -> bytes:
    """A digest of what a document's row holds in FTS5 (its label and body as indexed): `meta.words`, so a patch
    (kg/indexes/search_patch.py) finds the reworded rows without reading every row's text back."""
    text = f"{len(doc.label)}:{_clean(doc.label)}{_clean(doc.body)}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class _Columns:
    """What a search filters by, one array entry per row id (rowid - 1; a row id no document holds: -1, weight 0):
    codes of the kind, chat, question and author (-1: none), each document's weight, and the rows tagged with each
    theme. `rowids[i]` is the row of `documents[i]`."""

    def __init__(self, documents: list[Document], rowids: np.ndarray) -> None:
        size = int(rowids.max()) if len(rowids) else 0
        self.codes: dict[str, dict[str, int]] = {name: {} for name in ("kind", "chat", "question", "author")}
        self.arrays = {name: np.full(size, -1, dtype=np.int32) for name in self.codes}
        self.theme_rows: dict[str, list[int]] = {}
        self.weights = np.zeros(size, dtype=np.float64)
        for rowid, doc in zip(rowids.tolist(), documents, strict=True):
            for name, codes in self.codes.items():
                value = getattr(doc, name)
                if value is not None:
                    self.arrays[name][rowid - 1] = codes.setdefault(value, len(codes))
            for theme in doc.themes:
                self.theme_rows.setdefault(theme, []).append(rowid)
            self.weights[rowid - 1] = doc.weight

    def keep(
        self,
        rows: np.ndarray,
        values: dict[str, str | None],
        questions: list[str] | None,
        themes: list[str] | None,
    ) -> np.ndarray:
        """A mask over `rows` of those the filters keep (the same conditions as `SearchIndex._where`)."""
        mask = np.ones(len(rows), dtype=bool)
        for name, value in values.items():
            if value is not None:
                mask &= self.arrays[name][rows - 1] == self.codes[name].get(value, -2)
        if questions is not None:
            codes = [self.codes["question"][q] for q in questions if q in self.codes["question"]]
            mask &= np.isin(self.arrays["question"][rows - 1], codes)
        if themes is not None:
            tagged = sorted({r for t in themes for r in self.theme_rows.get(t, ())})
            mask &= np.isin(rows, np.array(tagged, dtype=np.int64))
        return mask


class SearchIndex:
    """An in-memory FTS5 index of documents, with the thesaurus's labels for query expansion."""

    def __init__(
        self,
        documents: Iterable[Document],
        synonyms: Iterable[Iterable[str]] = (),
        *,
        db: sqlite3.Connection | None = None,
        rowids: Iterable[int] | None = None,
    ) -> None:
        """Index `documents` in memory; with `db` and `rowids` (see `open`), serve them from that index, built
        before, `rowids[i]` the row of `documents[i]`."""
        self._lock = threading.Lock()
        self.documents: list[Document] = list(documents)
        if db is not None:
            self._db = db
            self.rowids = np.fromiter(rowids or (), dtype=np.int64, count=-1)
        else:
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
            self._fill()
            self.rowids = np.arange(1, len(self.documents) + 1, dtype=np.int64)
        # rowid - 1 -> the document's place in `documents` (-1: no document): what breaks ties in the ranking, so a
        # patched index (kg/indexes/search_patch.py), whose row ids are not in that order, answers as a full build
        self.place = np.full(int(self.rowids.max()) if len(self.rowids) else 0, -1, dtype=np.int64)
        self.place[self.rowids - 1] = np.arange(len(self.rowids))
        self._synonyms = _synonym_table(synonyms)
        self._page_table = False  # temp.PAGE_TABLE made on this connection
        self._tokens = search_rank.Tokenizer(self._db, TOKENIZE)
        self._ranker = search_rank.Ranker.open(self._db)  # None: an index stored without its postings (FTS5 ranks)
        self._columns = _Columns(self.documents, self.rowids)
        self._spelling: Spelling | None = None  # made on the first "did you mean" (the documents' words)

    def document(self, rowid: int) -> Document:
        """The document of a row."""
        return self.documents[self.place[rowid - 1]]

    def _fill(self) -> None:
        self._db.executescript(f"""
            CREATE VIRTUAL TABLE docs USING fts5(label, body, tokenize = '{TOKENIZE}', prefix = '2 3');
            CREATE TABLE meta (rowid INTEGER PRIMARY KEY, kind TEXT, id TEXT, weight REAL, chat TEXT, question TEXT,
                               author TEXT, words BLOB);
            CREATE TABLE {ORDER} (rowids BLOB);
            CREATE TABLE theme_of (rowid INTEGER, theme TEXT);
            CREATE INDEX theme_of_theme ON theme_of (theme);
            CREATE INDEX theme_of_row ON theme_of (rowid);
            CREATE TABLE info (name TEXT PRIMARY KEY, value TEXT);
        """)
        rows, meta, themes = [], [], []
        for rowid, doc in enumerate(self.documents, start=1):
            rows.append((rowid, _clean(doc.label), _clean(doc.body)))
            meta.append((rowid, doc.kind, doc.id, doc.weight, doc.chat, doc.question, doc.author, words_digest(doc)))
            themes += [(rowid, t) for t in doc.themes]
        with self._db:
            self._db.executemany("INSERT INTO docs (rowid, label, body) VALUES (?, ?, ?)", rows)
            self._db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)", meta)
            order = np.arange(1, len(self.documents) + 1, dtype=np.int64)
            self._db.execute(f"INSERT INTO {ORDER} VALUES (?)", [order.tobytes()])
            self._db.executemany("INSERT INTO theme_of VALUES (?, ?)", themes)
        search_rank.store(self._db)
        self._db.commit()

    def save(self, path: Path, info: dict[str, str]) -> None:
        """Write the index to the SQLite file `path` (replaced in one step), with `info` (what it was built from:
        `open` reads it back) in its `info` table."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        target = sqlite3.connect(tmp)
        try:
            with self._lock:
                self._db.backup(target)
            with target:
                target.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", sorted(info.items()))
            # no VACUUM: the copy of a freshly built index has no free pages (at 1 M quads it would take 0.5 s to
            # make the 28.7 MB file 0.6 % smaller)
        finally:
            target.close()
        os.replace(tmp, path)

    @staticmethod
    def connect(path: Path) -> tuple[sqlite3.Connection, dict[str, str]]:
        """A read-only connection to the index file `path` (it keeps reading that file even when a newer build
        replaces it), and what the file says it was built from (empty when it is no index of ours)."""
        db = _read_only(path)
        try:
            return db, dict(db.execute("SELECT name, value FROM info").fetchall())
        except sqlite3.Error:
            return db, {}

    @classmethod
    def open(
        cls, db: sqlite3.Connection, documents: list[Document], synonyms: Iterable[Iterable[str]] = ()
    ) -> SearchIndex:
        """The index saved in a file, served from its connection `db` (`connect`: read-only, SQLite maps the file
        into memory, nothing is copied); `documents` must be the ones it was built from, in the order it stores
        (checked: ValueError when they are not)."""
        try:
            stored = {rowid: (kind, id_) for rowid, kind, id_ in db.execute("SELECT rowid, kind, id FROM meta")}
            (blob,) = db.execute(f"SELECT rowids FROM {ORDER}").fetchone()
        except (sqlite3.Error, TypeError) as error:
            raise ValueError(f"not a search index: {error}") from None
        rowids = np.frombuffer(blob, dtype=np.int64).tolist()
        if len(stored) != len(rowids) or [stored.get(r) for r in rowids] != [(d.kind, d.id) for d in documents]:
            raise ValueError("the file indexes other documents than the catalogue's")
        return cls(documents, synonyms, db=db, rowids=rowids)

    def parse(self, text: str) -> Query:
        """Words, "quoted phrases" and prefix* of `text`, each with its thesaurus synonyms. Each is handed to FTS5
        as a quoted string, which FTS5 cuts into words with the documents' own tokenizer (so "Straße" or "café"
        match as they were indexed); repeated parts and phrases count once (`_distinct`), and at most MAX_PARTS
        are taken."""
        query = Query()
        whole = _words(text)
        if whole and " " in whole and whole in self._synonyms and '"' not in text:
            # the whole query is a thesaurus label: that concept (the phrase or a synonym), not its loose words
            query.parts.append([_quoted(_clean(text).strip().lower()), *map(_quoted, self._synonyms[whole])])
            query.expanded[whole] = self._synonyms[whole]
            with self._lock:
                self._distinct(query)
            return query
        seen: set[str] = set()
        chunks = [
            (phrase, "") if phrase else ("", piece)
            for phrase, word in _TOKEN.findall(_clean(text))
            for piece in ([word] if phrase else _SPLIT.split(word))
            if phrase or piece
        ]
        for phrase, word in chunks:
            if phrase:  # "in quotes": exactly these words in this order, no synonyms
                part = [_quoted(phrase.lower())] if _words(phrase) else []
            elif word.endswith("*") and len("".join(_WORD.findall(word))) >= MIN_PREFIX:
                part = [_quoted(word.rstrip("*").lower()) + " *"]
            elif _words(word):
                key = _words(word)
                part = [_quoted(word.rstrip("*").lower()), *map(_quoted, self._synonyms.get(key, []))]
                if key in self._synonyms:
                    query.expanded[key] = self._synonyms[key]
            else:
                part = []
            if part and part[0] not in seen and len(query.parts) < MAX_PARTS:
                seen.add(part[0])
                query.parts.append(part)
        with self._lock:
            self._distinct(query)
        return query

    def _where(
        self,
        query: Query,
        kind: str | None,
        chat: str | None,
        questions: Iterable[str] | None,
        themes: Iterable[str] | None,
        author: str | None,
    ) -> tuple[str, list[object]]:
        """The SQL condition (and its bound values) for the match and the filters."""
        where: list[str] = ["docs MATCH ?"]
        args: list[object] = [query.match()]
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
            where.append(
                f"+docs.rowid IN (SELECT rowid FROM theme_of WHERE theme IN ({','.join('?' * len(chosen))}))"
                if chosen
                else "0"
            )
            args += chosen
        return " AND ".join(where), args

    def _ranked(
        self,
        query: Query,
        kind: str | None,
        chat: str | None,
        questions: list[str] | None,
        themes: list[str] | None,
        author: str | None,
        limit: int | None,
        offset: int,
        deadline: float = math.inf,
    ) -> tuple[int, list[tuple[int, float]]]:
        """How many documents match and the page of (rowid, score), scored from the stored postings
        (kg/indexes/search_rank.py): FTS5's `bm25(docs, 5.0, 1.0) * weight`, ordered by score then the catalogue's
        order (`place`), exactly
        as `_ranked_by_fts5` orders them. Called with the lock held."""
        assert self._ranker is not None
        found = []
        for phrase, prefix in query.phrases:  # FTS5 numbers the phrases in this order; each is there once
            if time.monotonic() > deadline:  # SQLite's progress handler stops its own statements; this, numpy's work
                raise sqlite3.OperationalError("interrupted")
            found.append(self._ranker.phrase(list(phrase), prefix))
        rows, score = search_rank.combine(found)
        keep = self._columns.keep(rows, {"kind": kind, "chat": chat, "author": author}, questions, themes)
        rows, score = rows[keep], score[keep]
        score = score * self._columns.weights[rows - 1]
        order = np.lexsort((self.place[rows - 1], score))[
            offset : None if limit is None or limit < 0 else offset + limit
        ]
        return len(rows), [(int(rows[i]), float(score[i])) for i in order]

    def _distinct(self, query: Query) -> None:
        """Keep each phrase of `query` once, as FTS5 cuts it: synonyms of several parts, or spellings of one label
        ("go see", "go-see", "go & see"), that are the same words would each add their BM25 term, so a row holding
        that phrase would count it twice or thrice; a part left with nothing new is dropped (every row it matches,
        an earlier part matches). Sets `query.phrases`. Called with the lock held (by `parse`)."""
        texts = [_unquoted(alt) for part in query.parts for alt in part]
        words = iter(self._tokens([text for text, _ in texts]))
        prefixes = iter(prefix for _, prefix in texts)
        seen: set[tuple[tuple[str, ...], bool]] = set()
        parts: list[list[str]] = []
        for part in query.parts:
            kept = []
            for alternative in part:
                key = (tuple(next(words)), next(prefixes))
                if key not in seen:
                    seen.add(key)
                    kept.append(alternative)
                    query.phrases.append(key)
            if kept:
                parts.append(kept)
        query.parts = parts

    def _ranked_by_fts5(
        self,
        query: Query,
        kind: str | None,
        chat: str | None,
        questions: list[str] | None,
        themes: list[str] | None,
        author: str | None,
        limit: int | None,
        offset: int,
    ) -> tuple[int, list[tuple[int, float]]]:
        """`_ranked` by FTS5 itself (an index stored without postings; the reference the tests compare with)."""
        condition, args = self._where(query, kind, chat, questions, themes, author)
        ranked_sql = (
            "SELECT docs.rowid, bm25(docs, 5.0, 1.0) * meta.weight AS score "
            f"FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE {condition}"
        )
        found = self._db.execute(ranked_sql, args).fetchall()
        found.sort(key=lambda row: (row[1], self.place[row[0] - 1]))
        return len(found), found[offset : None if limit is None or limit < 0 else offset + limit]

    def _marks(self, query: Query, rowids: list[int]) -> dict[int, tuple[str, str]]:
        """The highlighted label and the body's snippet of each of `rowids` (a page of matches of `query`), in a
        scratch FTS5 table holding those rows only: the marks depend on the row's own words alone, so they are the
        ones the whole index would give, without scanning all the query's matches again (for a query with many
        phrases, most of its time). Called with the lock held."""
        if not rowids:
            return {}
        if not self._page_table:  # its words in a plain table (FTS5's external content): emptied without reading
            self._db.executescript(f"""
                CREATE TEMP TABLE IF NOT EXISTS {PAGE_TABLE}_text (rowid INTEGER PRIMARY KEY, label TEXT, body TEXT);
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.{PAGE_TABLE}
                    USING fts5(label, body, content = '{PAGE_TABLE}_text', tokenize = '{TOKENIZE}');
            """)
            self._page_table = True
        with self._db:
            self._db.execute(f"INSERT INTO {PAGE_TABLE} ({PAGE_TABLE}) VALUES ('delete-all')")
            self._db.execute(f"DELETE FROM {PAGE_TABLE}_text")
            self._db.executemany(
                f"INSERT INTO {PAGE_TABLE}_text (rowid, label, body) VALUES (?, ?, ?)",
                [(r, _clean(self.document(r).label), _clean(self.document(r).body)) for r in rowids],
            )
            self._db.execute(
                f"INSERT INTO {PAGE_TABLE} (rowid, label, body) SELECT rowid, label, body FROM {PAGE_TABLE}_text"
            )
        rows = self._db.execute(
            f"SELECT rowid, highlight({PAGE_TABLE}, 0, '{_START}', '{_END}'), "
            f"snippet({PAGE_TABLE}, 1, '{_START}', '{_END}', '…', 24) FROM temp.{PAGE_TABLE} "
            f"WHERE {PAGE_TABLE} MATCH ?",
            [query.match()],
        )
        return {row[0]: row[1:] for row in rows}

    def did_you_mean(self, text: str, **filters: object) -> str | None:
        """`text` with each word no document holds replaced by the nearest word one does hold (kg/indexes/spelling.py),
        or None when every word is known, none has a near neighbour, or the suggestion finds nothing under the same
        `filters` (those of `search`: kind, chat, ...). The words are gathered on the first call."""
        with self._lock:
            if self._spelling is None:
                self._spelling = Spelling((f"{d.label} {d.body}" for d in self.documents), self._tokens)
            suggested = self._spelling.suggest(text)
        if suggested is None:
            return None
        try:
            found = self.search(suggested, limit=0, **filters)[1]  # type: ignore[arg-type]
        except SearchTooBroad:
            return None
        return suggested if found else None

    def search(
        self,
        text: str,
        *,
        kind: str | None = None,
        chat: str | None = None,
        questions: Iterable[str] | None = None,
        themes: Iterable[str] | None = None,
        author: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[Query, int, list[Hit]]:
        """(the parsed query, how many things match, the page of them `limit`/`offset` choose), best first: BM25,
        the label counting five times the body, times the kind's weight; the filters applied."""
        query = self.parse(text)
        if not query.parts:
            return query, 0, []
        asked = None if questions is None else list(questions)
        chosen = None if themes is None else list(themes)
        with self._lock:
            deadline = time.monotonic() + DEADLINE_S
            self._db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                if self._ranker is not None:
                    total, page = self._ranked(query, kind, chat, asked, chosen, author, limit, offset, deadline)
                else:
                    total, page = self._ranked_by_fts5(query, kind, chat, asked, chosen, author, limit, offset)
                marks = self._marks(query, [rowid for rowid, _ in page])
            except sqlite3.OperationalError as error:
                if "interrupt" in str(error):
                    raise SearchTooBroad(
                        f"the search ran past {DEADLINE_S:g} s; use fewer or longer words, a phrase, or a filter"
                    ) from None
                raise
            finally:
                self._db.set_progress_handler(None, 0)
        hits = []
        for rowid, score in page:
            doc = self.document(rowid)
            label, body = marks[rowid]
            marked = body if _START in body else label
            hits.append(
                Hit(
                    doc.kind,
                    doc.id,
                    doc.label,
                    round(-score, 4),
                    marked.replace(_START, "«").replace(_END, "»"),
                    html.escape(marked).replace(_START, "<mark>").replace(_END, "</mark>"),
                    doc,
                )
            )
        return query, total, hits
