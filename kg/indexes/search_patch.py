"""Patching a stored search index (kg/indexes/search.py's SQLite file) so it indexes a new list of documents, with
the answers a full rebuild gives: what `qikg add` and `qikg remove` do instead of rebuilding it (kg/indexes/stored.py).

Why: a full rebuild re-tokenizes every document and re-reads every posting (2.3 s at 1 M quads), while an added chat
changes a small part of them. Which part is computed, never guessed: the new documents are compared with the ones the
file holds (its own `meta`, with a digest of each row's words, and `theme_of`: no trust in any other file) by
(kind, id) and content.
A shared person or resource that gains a chat has new words or filters; a new participant shifts the catalogue
positions (the stored order, the ranking's tie-break) of the documents after it.

What the ranking reads is then brought to what a rebuild stores (kg/indexes/search_rank.py):
- FTS5's own table: the rows that are gone or reworded are deleted, the new and reworded ones inserted (a reworded
  row keeps its row id; a new one takes a freed id first). FTS5 keeps its row count and token totals (its averages
  record: N and avgdl of BM25) itself, exactly, on delete and insert.
- the postings of every word of a deleted or inserted row: that row's occurrences removed, the new ones (cut by a
  scratch FTS5 table with the same tokenizer, as `search_rank.store` reads the main one) added; a word's count of
  rows (BM25's n_i) is read from its postings at search time, so it follows.
- the row lengths (from FTS5's `%_docsize` of the inserted rows; 0 for a freed id), `meta` and `theme_of` of the
  rows that changed, and the stored order of the rows (`search.ORDER`: one blob, the ranking's tie-break).

Too big a change (more than `MAX_CHANGED` of the documents new, gone or reworded) is refused with `CannotPatch`:
the caller rebuilds, as it does for a file of another format version.

Upkeep (`upkeep`, after each patch): a patch writes FTS5 one new segment (its deletes and inserts in row order),
with delete markers for the rows it replaced, and frees SQLite pages. FTS5's own merging (automerge, and its crisis
merge at 16 segments a level) keeps the count bounded but lets it drift well past what a build writes (a build at
1 M quads: 8 segments; 40 patches without upkeep: up to 18, the file 3 % bigger; at the seed 1 and 16, 42 %;
bench/results/search.md). Past `MAX_SEGMENTS` the patched index is merged into one segment (FTS5's 'optimize'),
and a file with more than `MAX_FREE` of its pages free is vacuumed (together about 0.5 s at 1 M quads, once in 40
patches there), so the file stays near a build's size however many chats are added and removed. The search reads
the stored postings, not FTS5's segments (search_rank.py): the answers are the same either way
(tests/kg/indexes/test_search_patch.py); this keeps the file and FTS5's own tables in shape.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kg.indexes.search import ORDER, TOKENIZE, Document, _clean, words_digest
from kg.indexes.search_rank import LENGTHS, POSTINGS, _varints

MAX_CHANGED = 0.25  # patch when at most a quarter of the documents are new, gone or reworded; else rebuild
MAX_SEGMENTS = 12  # FTS5 segments a patched index may keep (a build at 1 M quads writes 8); past it: 'optimize'
MAX_FREE = 0.1  # the share of the file's pages that may be free (left by replaced rows and merges); past it: VACUUM
_SCRATCH = "patch_words"  # the scratch FTS5 table (temp schema) the changed rows' words are cut in


class CannotPatch(Exception):
    """The index is not patched (the reason); the caller builds it whole."""


@dataclass(frozen=True)
class Patched:
    """What a patch did, for the build's log."""

    documents: int  # documents the index now holds
    added: int
    removed: int
    reworded: int  # kept their row, new words
    refiled: int  # kept their row, new weight, chat, question or author
    rethemed: int  # kept their row, new themes
    words: int  # postings rewritten
    merged: int = 0  # the FTS5 segments the upkeep merged into one (0: none)
    vacuumed: bool = False  # the upkeep vacuumed the file

    def __str__(self) -> str:
        upkeep = ""
        if self.merged:
            upkeep += f"; its {self.merged} FTS5 segments merged into one"
        if self.vacuumed:
            upkeep += "; the file vacuumed"
        return (
            f"patched: {self.added} added, {self.removed} removed, {self.reworded} reworded, {self.refiled} refiled, "
            f"{self.rethemed} re-themed of {self.documents} documents ({self.words} words' postings rewritten)" + upkeep
        )


def segments(db: sqlite3.Connection) -> int:
    """The segments FTS5 holds for the index (each has its rows in `docs_idx`, FTS5's b-tree of leaf pages)."""
    ((count,),) = db.execute("SELECT count(DISTINCT segid) FROM docs_idx")
    return int(count)


def free_share(db: sqlite3.Connection) -> float:
    """The share of the file's pages that are free."""
    ((free,),) = db.execute("PRAGMA freelist_count")
    ((pages,),) = db.execute("PRAGMA page_count")
    return free / pages if pages else 0.0


def upkeep(
    db: sqlite3.Connection, max_segments: int | None = MAX_SEGMENTS, max_free: float | None = MAX_FREE
) -> tuple[int, bool]:
    """Merge the index's FTS5 segments into one when there are more than `max_segments`, then vacuum the file when
    more than `max_free` of its pages are free (None: never). What was done: the segments merged (0: none), and
    whether the file was vacuumed. Outside any transaction (VACUUM cannot run in one); the answers do not change."""
    merged = 0
    if max_segments is not None and (count := segments(db)) > max_segments:
        with db:
            db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        merged = count
    vacuumed = max_free is not None and free_share(db) > max_free
    if vacuumed:
        db.execute("VACUUM")
    return merged, vacuumed


# a stored row: rowid, kind, id, weight, chat, question, author, words (search.words_digest)
_Row = tuple[int, str, str, float, str | None, str | None, str | None, bytes]


def _fields(doc: Document) -> tuple[object, ...]:
    return (float(doc.weight), doc.chat, doc.question, doc.author)


def _text(doc: Document) -> tuple[str, str]:
    return (_clean(doc.label), _clean(doc.body))


def stored_rows(db: sqlite3.Connection) -> tuple[dict[tuple[str, str], _Row], dict[int, tuple[str, ...]]]:
    """The documents the index file holds, by (kind, id), from `meta` (their words by digest), and the themes of
    each row, from `theme_of`."""
    themes: dict[int, list[str]] = {}
    for rowid, theme in db.execute("SELECT rowid, theme FROM theme_of ORDER BY _rowid_"):
        themes.setdefault(rowid, []).append(theme)
    rows = {
        (row[1], row[2]): row
        for row in db.execute("SELECT rowid, kind, id, weight, chat, question, author, words FROM meta")
    }
    ((held,),) = db.execute("SELECT count(*) FROM docs_content")
    ((unmatched,),) = db.execute("SELECT count(*) FROM meta WHERE rowid NOT IN (SELECT id FROM docs_content)")
    if held != len(rows) or unmatched or len(rows) != db.execute("SELECT count(*) FROM meta").fetchone()[0]:
        raise CannotPatch("the index's tables disagree (rows without a document, or a document twice)")
    return rows, {rowid: tuple(found) for rowid, found in themes.items()}


def _texts(db: sqlite3.Connection, rowids: list[int]) -> dict[int, tuple[str, str]]:
    """The label and body FTS5 holds for each of `rowids`."""
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        sql = f"SELECT id, c0, c1 FROM docs_content WHERE id IN ({','.join('?' * len(chunk))})"
        out.update((rowid, (label, body)) for rowid, label, body in db.execute(sql, chunk))
    return out


def _postings(db: sqlite3.Connection, terms: list[bytes]) -> dict[bytes, np.ndarray]:
    """The stored postings of each of `terms` (those it has)."""
    out: dict[bytes, np.ndarray] = {}
    for start in range(0, len(terms), 500):
        chunk = terms[start : start + 500]
        sql = f"SELECT term, keys FROM {POSTINGS} WHERE term IN ({','.join('?' * len(chunk))})"
        out.update((term, np.frombuffer(keys, dtype=np.int64)) for term, keys in db.execute(sql, chunk))
    return out


def _occurrences(db: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> dict[str, np.ndarray]:
    """Where each word of `rows` (rowid, label, body) occurs, as the postings' keys (rowid << 32 | column << 31 |
    position), cut by a scratch FTS5 table with the index's tokenizer, read back through fts5vocab."""
    db.executescript(f"""
        DROP TABLE IF EXISTS temp.{_SCRATCH}_vocab;
        DROP TABLE IF EXISTS temp.{_SCRATCH};
        CREATE VIRTUAL TABLE temp.{_SCRATCH} USING fts5(label, body, tokenize = '{TOKENIZE}');
        CREATE VIRTUAL TABLE temp.{_SCRATCH}_vocab USING fts5vocab(temp, {_SCRATCH}, instance);
    """)
    try:
        db.executemany(f"INSERT INTO temp.{_SCRATCH} (rowid, label, body) VALUES (?, ?, ?)", list(rows))
        found: dict[str, list[int]] = {}
        for term, key in db.execute(
            f"SELECT term, (doc << 32) | ((col = 'body') << 31) | offset FROM temp.{_SCRATCH}_vocab"
        ):
            found.setdefault(term, []).append(key)
        return {term: np.array(keys, dtype=np.int64) for term, keys in found.items()}
    finally:
        db.executescript(f"DROP TABLE temp.{_SCRATCH}_vocab; DROP TABLE temp.{_SCRATCH};")


def _lengths(db: sqlite3.Connection, rowids: list[int]) -> dict[int, int]:
    """The length in tokens of each of `rowids` as FTS5's `docs_docsize` records it."""
    out: dict[int, int] = {}
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        sql = f"SELECT id, sz FROM docs_docsize WHERE id IN ({','.join('?' * len(chunk))})"
        out.update((rowid, sum(_varints(size))) for rowid, size in db.execute(sql, chunk))
    return out


def patch(
    db: sqlite3.Connection,
    documents: list[Document],
    max_changed: float = MAX_CHANGED,
    max_segments: int | None = MAX_SEGMENTS,
    max_free: float | None = MAX_FREE,
) -> Patched:
    """Make the index in `db` (a writable connection to a copy of a stored index file) index `documents`, in this
    order, as a full build of them would: one transaction, committed, then the upkeep (`upkeep`, with
    `max_segments` and `max_free`); `CannotPatch` when the change is too big or the file is not consistent (nothing
    changed), or the result does not count the documents (the file is then not to be used)."""
    keys = [(d.kind, d.id) for d in documents]
    if len(set(keys)) != len(keys):
        raise CannotPatch("two documents share a kind and an id")
    old, old_themes = stored_rows(db)
    wanted = set(keys)
    gone = sorted(row[0] for key, row in old.items() if key not in wanted)
    added: list[int] = []  # places in `documents`
    reworded: list[tuple[int, int]] = []  # (rowid, place)
    refiled: list[tuple[int, int]] = []  # (rowid, place): weight, chat, question or author change
    rethemed: list[tuple[int, int]] = []  # (rowid, place): themes change
    digests = [words_digest(doc) for doc in documents]
    rowid_at = np.zeros(len(documents), dtype=np.int64)  # the row of each document, in the catalogue's order
    for place, (key, doc) in enumerate(zip(keys, documents, strict=True)):
        row = old.get(key)
        if row is None:
            added.append(place)
            continue
        rowid_at[place] = row[0]
        if row[7] != digests[place]:
            reworded.append((row[0], place))
        if row[3:7] != (doc.weight, doc.chat, doc.question, doc.author):
            refiled.append((row[0], place))
        if old_themes.get(row[0], ()) != doc.themes:
            rethemed.append((row[0], place))
    changed = len(added) + len(gone) + len(reworded)
    if changed > max_changed * max(len(documents), len(old), 1):
        raise CannotPatch(
            f"{changed} of {len(documents)} documents are new, gone or reworded "
            f"(a patch is for at most {max_changed:.0%})"
        )
    free = iter(gone)
    top = max((row[0] for row in old.values()), default=0)
    new_rows: list[tuple[int, int]] = []  # (rowid, place) of the added documents
    for place in added:
        rowid = next(free, None)
        if rowid is None:
            top += 1
            rowid = top
        new_rows.append((rowid, place))
        rowid_at[place] = rowid
    dropped = gone + [rowid for rowid, _ in reworded]  # rows whose words leave FTS5
    inserted = sorted(new_rows + reworded)  # rows whose words enter it
    freed = set(gone) - {rowid for rowid, _ in new_rows}
    try:
        by_text = _texts(db, dropped)
        before = _occurrences(db, [(r, *by_text[r]) for r in dropped])
        after = _occurrences(db, [(r, *_text(documents[p])) for r, p in inserted])
        # row by row in ascending order, a row's delete before its insert: FTS5 then writes the patch as one segment
        # (it flushes a segment whenever a row id comes below the last one written: all deletes, then all inserts,
        # wrote two or three)
        leaving, place_of = set(dropped), dict(inserted)
        for rowid in sorted(leaving | set(place_of)):
            if rowid in leaving:
                db.execute("DELETE FROM docs WHERE rowid = ?", [rowid])
            if rowid in place_of:
                db.execute(
                    "INSERT INTO docs (rowid, label, body) VALUES (?, ?, ?)",
                    [rowid, *_text(documents[place_of[rowid]])],
                )
        touched = np.array(sorted(set(dropped) | {r for r, _ in inserted}), dtype=np.int64)
        words = sorted(set(before) | set(after))
        held = _postings(db, [term.encode() for term in words])
        kept: list[tuple[bytes, bytes]] = []
        emptied: list[tuple[bytes, bytes]] = []
        for term in words:
            found = held.get(term.encode(), np.zeros(0, dtype=np.int64))
            found = found[~np.isin(found >> 32, touched)]
            if term in after:
                found = np.sort(np.concatenate([found, after[term]]))
            (kept if len(found) else emptied).append((term.encode(), found.tobytes()))
        db.executemany(f"INSERT OR REPLACE INTO {POSTINGS} VALUES (?, ?)", kept)
        db.executemany(f"DELETE FROM {POSTINGS} WHERE term = ?", [(term,) for term, _ in emptied])
        (blob,) = db.execute(f"SELECT lengths FROM {LENGTHS}").fetchone()
        live = ({row[0] for row in old.values()} - freed) | {r for r, _ in new_rows}
        lengths = np.zeros(max(live, default=0), dtype=np.int32)
        before_lengths = np.frombuffer(blob, dtype=np.int32)[: len(lengths)]
        lengths[: len(before_lengths)] = before_lengths
        for rowid in freed:
            if rowid <= len(lengths):
                lengths[rowid - 1] = 0
        for rowid, size in _lengths(db, [r for r, _ in inserted]).items():
            lengths[rowid - 1] = size
        db.execute(f"UPDATE {LENGTHS} SET lengths = ?", [lengths.tobytes()])
        db.executemany("DELETE FROM meta WHERE rowid = ?", [(r,) for r in freed])
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r, *keys[p], *_fields(documents[p]), digests[p]) for r, p in new_rows],
        )
        db.executemany(
            "UPDATE meta SET weight = ?, chat = ?, question = ?, author = ?, words = ? WHERE rowid = ?",
            [(*_fields(documents[p]), digests[p], r) for r, p in sorted(set(refiled) | set(reworded))],
        )
        db.execute(f"UPDATE {ORDER} SET rowids = ?", [rowid_at.tobytes()])
        themed = rethemed + new_rows
        db.executemany("DELETE FROM theme_of WHERE rowid = ?", [(r,) for r in sorted(freed | {r for r, _ in themed})])
        db.executemany(
            "INSERT INTO theme_of VALUES (?, ?)", [(r, t) for r, p in sorted(themed) for t in documents[p].themes]
        )
    except BaseException:
        db.rollback()
        raise
    db.commit()
    # FTS5 writes its averages record (N, the token totals) when the transaction commits: checked after
    (rows,) = db.execute("SELECT count(*) FROM meta").fetchone()
    (averages,) = db.execute("SELECT block FROM docs_data WHERE id = 1").fetchone()
    if rows != len(documents) or (_varints(averages or b"") or [0])[0] != len(documents):
        raise CannotPatch(f"the patched index holds {rows} documents, not {len(documents)} (the file is not used)")
    merged, vacuumed = upkeep(db, max_segments, max_free)
    return Patched(
        len(documents), len(added), len(gone), len(reworded), len(refiled), len(rethemed), len(words), merged, vacuumed
    )
