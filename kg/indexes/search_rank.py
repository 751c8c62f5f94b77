"""FTS5's BM25, worked out from per-word counts stored beside the index: the same scores, without FTS5's cost.

Why: FTS5 computes `bm25()` row by row, each row a look-up of its length in the `%_docsize` table and a pass over
every phrase of the query; a common word (6,600 matches at 1 M quads) spends 7-10 ms there, a word with sixteen
thesaurus synonyms as much. The score of a row is a sum over the query's phrases, each term depending only on the
phrase and the row (fts5_aux.c, fts5Bm25Function):

    score = -(sum over phrases i of  idf_i * (f_i * (k1 + 1)) / (f_i + k1 * (1 - b + b * D / avgdl)))

with k1 = 1.2, b = 0.75, f_i the phrase's instances in the row weighted by column, D the row's length in tokens,
avgdl the mean length, idf_i = log((N - n_i + 0.5) / (n_i + 0.5)) (at least 1e-6) over the n_i rows holding the
phrase. The build stores, for every word FTS5 indexed (read back from FTS5 itself through `fts5vocab`, so its
tokenizer and stemmer decide what a word is), where it occurs (row, column, position), and every row's length
(FTS5's own `%_docsize`). A search finds each phrase's occurrences from those positions (its words at consecutive
positions of one column, the last one any word it starts when it ends in *: FTS5's phrase and prefix rules), then
computes the same floating-point operations in the same order with numpy: the scores are bit for bit FTS5's
(tests/kg/indexes/test_search_rank.py compares them with FTS5's own on invented documents).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

import numpy as np

K1, B = 1.2, 0.75  # FTS5's constants (fts5_aux.c)
WEIGHTS = (5.0, 1.0)  # bm25(docs, 5.0, 1.0): a word in the label counts five times one in the body
POSTINGS = "postings"  # word (UTF-8 bytes) -> where it occurs: sorted int64 keys (rowid << 32 | column << 31 | pos)
LENGTHS = "row_lengths"  # one row: every document's length in tokens (int32, rowid 1 first), as %_docsize says
_POSITION = (1 << 31) - 1


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `at` (what FTS5 writes in %_docsize and its averages record)."""
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def _varints(data: bytes) -> list[int]:
    out, at = [], 0
    while at < len(data):
        value, at = _varint(data, at)
        out.append(value)
    return out


def store(db: sqlite3.Connection, table: str = "docs") -> None:
    """Write the postings and the row lengths of the FTS5 table `table` (columns label, body) into `db`."""
    db.executescript(f"""
        DROP TABLE IF EXISTS {POSTINGS};
        DROP TABLE IF EXISTS {LENGTHS};
        CREATE TABLE {POSTINGS} (term BLOB PRIMARY KEY, keys BLOB) WITHOUT ROWID;
        CREATE TABLE {LENGTHS} (lengths BLOB);
        CREATE VIRTUAL TABLE temp.rank_terms USING fts5vocab(main, {table}, row);
        CREATE VIRTUAL TABLE temp.rank_instances USING fts5vocab(main, {table}, instance);
    """)
    try:
        # every occurrence in one pass, in the vocabulary's order (word, row, column, position), cut per word by the
        # word's count of occurrences; each word's part is checked against its count of rows
        (text,) = db.execute(
            "SELECT group_concat((doc << 32) | ((col = 'body') << 31) | offset) FROM temp.rank_instances"
        ).fetchone()
        keys = np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)
        words = db.execute("SELECT term, doc, cnt FROM temp.rank_terms").fetchall()
        ends = np.cumsum([count for _, _, count in words], dtype=np.int64)
        if len(keys) != (ends[-1] if len(ends) else 0):
            raise RuntimeError("fts5vocab gave another count of occurrences than its words say")
        rows = []
        for (term, held, _), start, end in zip(words, ends - [count for _, _, count in words], ends, strict=True):
            found = keys[start:end]
            if len(np.unique(found >> 32)) != held:
                raise RuntimeError(f"fts5vocab's occurrences of {term!r} are not where its count says")
            rows.append((term.encode(), np.sort(found).tobytes()))
        db.executemany(f"INSERT INTO {POSTINGS} VALUES (?, ?)", rows)
        count = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        lengths = np.zeros(count, dtype=np.int32)
        for rowid, size in db.execute(f"SELECT id, sz FROM {table}_docsize"):
            lengths[rowid - 1] = sum(_varints(size))
        db.execute(f"INSERT INTO {LENGTHS} VALUES (?)", [lengths.tobytes()])
        db.commit()
    finally:
        db.executescript("DROP TABLE temp.rank_terms; DROP TABLE temp.rank_instances;")


def _next_bytes(prefix: bytes) -> bytes | None:
    """The smallest byte string after every string that starts with `prefix` (None: there is none)."""
    head = prefix.rstrip(b"\xff")
    return head[:-1] + bytes([head[-1] + 1]) if head else None


class Tokenizer:
    """How FTS5's tokenizer cuts texts into words, on a connection (a scratch FTS5 table and its vocabulary)."""

    def __init__(self, db: sqlite3.Connection, tokenize: str) -> None:
        self._db = db
        self._tokenize = tokenize
        self._made = False

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        """The words of each of `texts`, in order."""
        if not self._made:
            self._db.executescript(f"""
                CREATE TEMP TABLE IF NOT EXISTS rank_query_text (rowid INTEGER PRIMARY KEY, t TEXT);
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.rank_query
                    USING fts5(t, content = 'rank_query_text', tokenize = '{self._tokenize}');
                CREATE VIRTUAL TABLE IF NOT EXISTS temp.rank_query_words USING fts5vocab(temp, rank_query, instance);
            """)
            self._made = True
        with self._db:
            self._db.execute("INSERT INTO rank_query (rank_query) VALUES ('delete-all')")
            self._db.execute("DELETE FROM rank_query_text")
            self._db.executemany("INSERT INTO rank_query_text VALUES (?, ?)", list(enumerate(texts)))
            self._db.execute("INSERT INTO rank_query (rowid, t) SELECT rowid, t FROM rank_query_text")
        out: list[list[tuple[int, str]]] = [[] for _ in texts]
        for doc, term, offset in self._db.execute("SELECT doc, term, offset FROM temp.rank_query_words"):
            out[doc].append((offset, term))
        return [[term for _, term in sorted(words)] for words in out]


class Ranker:
    """BM25 as FTS5 computes it, from the stored postings; `open` gives None when the index has none."""

    def __init__(self, db: sqlite3.Connection, lengths: np.ndarray, rows: int, tokens: int) -> None:
        self._db = db
        self.rows = rows  # N, FTS5's own count (its averages record)
        self.avgdl = float(tokens) / float(rows) if tokens else 1.0  # no tokens: nothing matches, any value does
        # the part of the denominator that depends on the row alone: k1 * (1 - b + b * D / avgdl), as FTS5 groups it
        self.norm = K1 * ((1 - B) + (B * lengths.astype(np.float64)) / self.avgdl)

    @classmethod
    def open(cls, db: sqlite3.Connection, table: str = "docs") -> Ranker | None:
        try:
            (blob,) = db.execute(f"SELECT lengths FROM {LENGTHS}").fetchone()
            (averages,) = db.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
        except (sqlite3.Error, TypeError):
            return None
        counts = _varints(averages or b"") or [0]  # the row count, then each column's total tokens (none: empty)
        return cls(db, np.frombuffer(blob, dtype=np.int32), counts[0], sum(counts[1:]))

    def _keys(self, term: str, prefix: bool) -> np.ndarray:
        """Where `term` occurs (every word starting with it, for a prefix), sorted keys."""
        key = term.encode()
        if not prefix:
            found = self._db.execute(f"SELECT keys FROM {POSTINGS} WHERE term = ?", [key]).fetchone()
            return np.frombuffer(found[0], dtype=np.int64) if found else np.zeros(0, dtype=np.int64)
        end = _next_bytes(key)
        sql = f"SELECT keys FROM {POSTINGS} WHERE term >= ?" + (" AND term < ?" if end else "")
        parts = [np.frombuffer(k, dtype=np.int64) for (k,) in self._db.execute(sql, [key, end] if end else [key])]
        return np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0] if parts else np.zeros(0, np.int64)

    def phrase(self, words: list[str], prefix: bool) -> tuple[np.ndarray, np.ndarray]:
        """A phrase (its words as FTS5 cut them; the last one a prefix when `prefix`): the rows holding it and each
        row's term of the score (positive), rows ascending."""
        if not words:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        keys = [self._keys(w, prefix and i == len(words) - 1) for i, w in enumerate(words)]
        rarest = min(range(len(keys)), key=lambda i: len(keys[i]))
        # where the phrase would start, from its rarest word; kept where every other word is at its place after it
        starts = keys[rarest][(keys[rarest] & _POSITION) >= rarest] - rarest
        for i, found in enumerate(keys):
            if i == rarest or not len(starts):
                continue
            at = np.minimum(np.searchsorted(found, starts + i), len(found) - 1)
            starts = starts[found[at] == starts + i] if len(found) else starts[:0]
        rows, where = np.unique(starts >> 32, return_inverse=True)
        weight = np.where((starts >> 31) & 1, WEIGHTS[1], WEIGHTS[0])
        # f: the phrase's occurrences, weighted by column (whole numbers: any order of sums is exact)
        freq = np.bincount(where, weights=weight, minlength=len(rows))
        hits = len(rows)
        idf = math.log((self.rows - hits + 0.5) / (hits + 0.5))
        if idf <= 0.0:
            idf = 1e-6
        return rows, idf * ((freq * (K1 + 1.0)) / (freq + self.norm[rows - 1]))


def combine(found: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The rows matching any phrase and their FTS5 score (negative: best first), the phrases' terms added in the
    query's order, as FTS5 adds them (a phrase absent from a row adds 0.0 there, which changes nothing)."""
    nonempty = [(rows, terms) for rows, terms in found if len(rows)]
    if not nonempty:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if len(nonempty) == 1:
        rows, terms = nonempty[0]
        return rows, -terms
    held = np.unique(np.concatenate([rows for rows, _ in nonempty]))
    score = np.zeros(len(held))
    for rows, terms in nonempty:
        score[np.searchsorted(held, rows)] += terms
    return held, -score
