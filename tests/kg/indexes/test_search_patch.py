"""Is a patched search index the index a full build makes? Invented documents that are added, removed, reworded,
refiled (new filters, a new place in the catalogue) and re-themed; the answers of many queries (hits, order, scores,
snippets, totals, every filter) and the statistics BM25 reads (row count, token totals, row lengths, each word's
occurrences) must equal a full build's, and a patch that left one statistic stale would be caught."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from kg.indexes import search_patch
from kg.indexes.search import ORDER, Document, SearchIndex
from kg.indexes.search_rank import LENGTHS, POSTINGS, _varints

WORDS = (
    "improve improvement leaders leadership go see the and of gemba genba golden thread coach coaching huddle board "
    "ward flow safety café l'amélioration go-see account behaviours curiosity"
).split()
SYNONYMS = [["Genba", "gemba", "go and see", "go-see"], ["Golden thread", "line of sight"]]
QUERIES = ["improve", "the", '"golden thread"', "coach*", "gemba", "go and see", "curiosity account", "zzz", "go-see"]
FILTERS = [{}, {"kind": "quote"}, {"chat": "c1"}, {"questions": ["q2", "q3"]}, {"themes": ["a"]}, {"author": "p3"}]


def _doc(rnd: random.Random, key: str, kind: str = "quote", words: int = 15) -> Document:
    body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, words)))
    return Document(
        kind,
        key,
        f"@p{rnd.randint(0, 6)}" if kind == "quote" else rnd.choice(WORDS).title(),
        body,
        {"quote": 1.0, "theme": 3.0}.get(kind, 2.0),
        chat=f"c{rnd.randint(0, 2)}" if kind == "quote" else None,
        question=f"q{rnd.randint(1, 4)}" if kind == "quote" else None,
        author=f"p{rnd.randint(0, 6)}" if kind == "quote" else None,
        themes=tuple(sorted(rnd.sample(["a", "b", "c"], rnd.randint(0, 2)))),
    )


def _before(rnd: random.Random) -> list[Document]:
    return [_doc(rnd, f"t{i}", "theme", 4) for i in range(8)] + [_doc(rnd, str(i)) for i in range(150)]


def _after(rnd: random.Random, docs: list[Document]) -> list[Document]:
    """A later chat's change: new documents in the middle (every later place shifts), some gone, some reworded
    (a person with new words), some with new filters or themes only."""
    out = []
    for i, doc in enumerate(docs):
        if i % 17 == 3:
            continue  # gone
        if i % 23 == 5:
            doc = Document(doc.kind, doc.id, doc.label, doc.body + " curiosity account", doc.weight, doc.chat,
                           doc.question, doc.author, doc.themes)  # fmt: skip
        elif i % 19 == 7:
            doc = Document(doc.kind, doc.id, doc.label, doc.body, doc.weight, "c1", doc.question, "p3", ("a", "c"))
        out.append(doc)
        if i == 40:
            out += [_doc(rnd, f"new{j}") for j in range(12)]
    return out + [_doc(rnd, f"end{j}") for j in range(5)]


def statistics(path: Path) -> dict[str, object]:
    """What BM25, the filters and the order read from an index file, by document (kind, id), not by row id."""
    db = sqlite3.connect(path)
    try:
        key = {r: (k, i) for r, k, i in db.execute("SELECT rowid, kind, id FROM meta")}
        (averages,) = db.execute("SELECT block FROM docs_data WHERE id = 1").fetchone()
        (blob,) = db.execute(f"SELECT lengths FROM {LENGTHS}").fetchone()
        lengths = np.frombuffer(blob, dtype=np.int32)
        postings = {}
        for term, keys in db.execute(f"SELECT term, keys FROM {POSTINGS}"):
            found = np.frombuffer(keys, dtype=np.int64)
            postings[term] = sorted((key[int(k >> 32)], int(k >> 31) & 1, int(k & ((1 << 31) - 1))) for k in found)
        themes: dict[tuple[str, str], list[str]] = {}
        for rowid, theme in db.execute("SELECT rowid, theme FROM theme_of ORDER BY _rowid_"):
            themes.setdefault(key[rowid], []).append(theme)
        meta = db.execute("SELECT kind, id, weight, chat, question, author, words FROM meta").fetchall()
        (order,) = db.execute(f"SELECT rowids FROM {ORDER}").fetchone()
        texts = db.execute("SELECT id, c0, c1 FROM docs_content").fetchall()
        return {
            "averages": _varints(averages),  # N, then each column's total tokens
            "lengths": {key[r]: int(lengths[r - 1]) for r in key},
            "holes": sorted(int(n) for r, n in enumerate(lengths, start=1) if r not in key),  # all 0
            "postings": postings,
            "meta": sorted(meta),
            "order": [key[r] for r in np.frombuffer(order, dtype=np.int64).tolist()],  # the tie-break
            "themes": themes,
            "texts": sorted((key[r], label, body) for r, label, body in texts),
        }
    finally:
        db.close()


def answers(index: SearchIndex) -> list[object]:
    out = []
    for text in QUERIES:
        for filters in FILTERS:
            for limit, offset in ((None, 0), (3, 2)):
                query, total, hits = index.search(text, limit=limit, offset=offset, **filters)
                out.append((text, filters, query.parts, query.expanded, total,
                            [(h.kind, h.id, h.label, h.score, h.snippet, h.snippet_html) for h in hits]))  # fmt: skip
    return out


def _patched(tmp_path: Path, before: list[Document], after: list[Document]) -> tuple[Path, search_patch.Patched]:
    path = tmp_path / "patched.sqlite"
    SearchIndex(before, SYNONYMS).save(path, {"built": "before"})
    db = sqlite3.connect(path)
    try:
        done = search_patch.patch(db, after)
        db.execute("INSERT INTO docs (docs) VALUES ('integrity-check')")  # FTS5's own check of its index
    finally:
        db.close()
    return path, done


def _opened(path: Path, documents: list[Document]) -> SearchIndex:
    db, _ = SearchIndex.connect(path)
    return SearchIndex.open(db, documents, SYNONYMS)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_patched_index_answers_and_counts_as_a_full_build(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    before = _before(rnd)
    after = _after(rnd, before)
    path, done = _patched(tmp_path, before, after)
    assert (done.added, done.removed) == (17, 10) and done.reworded >= 5 and done.refiled >= 5 and done.rethemed
    full = tmp_path / "full.sqlite"
    SearchIndex(after, SYNONYMS).save(full, {"built": "whole"})
    assert statistics(path) == statistics(full)
    assert statistics(path)["holes"] == []  # the removed rows' ids were taken by new rows
    patched = answers(_opened(path, after))
    assert patched == answers(_opened(full, after)) == answers(SearchIndex(after, SYNONYMS))
    assert patched != answers(SearchIndex(before, SYNONYMS))  # the change shows in the answers


def test_patching_back_gives_the_index_of_before(tmp_path: Path) -> None:
    rnd = random.Random(3)
    before = _before(rnd)
    after = _after(rnd, before)
    path, _ = _patched(tmp_path, before, after)
    db = sqlite3.connect(path)
    done = search_patch.patch(db, before)
    db.close()
    assert done.removed == 17 and done.added == 10
    full = tmp_path / "full.sqlite"
    SearchIndex(before, SYNONYMS).save(full, {})
    got, want = statistics(path), statistics(full)
    assert got == want  # 17 rows went, 10 came back in the lowest free ids: the lengths end before the 7 others
    assert answers(_opened(path, before)) == answers(SearchIndex(before, SYNONYMS))


def test_a_stale_statistic_would_change_the_answers(tmp_path: Path) -> None:
    """The comparison above can fail: the patched file with one statistic of before put back (the row lengths of
    the rows that changed, one word's postings) gives other scores than a full build."""
    rnd = random.Random(4)
    before = _before(rnd)
    after = _after(rnd, before)
    want = answers(SearchIndex(after, SYNONYMS))
    old = tmp_path / "old.sqlite"
    SearchIndex(before, SYNONYMS).save(old, {})
    with sqlite3.connect(old) as db:
        (old_lengths,) = db.execute(f"SELECT lengths FROM {LENGTHS}").fetchone()
    path, _ = _patched(tmp_path, before, after)
    with sqlite3.connect(path) as db:
        (good_lengths,) = db.execute(f"SELECT lengths FROM {LENGTHS}").fetchone()
        stale = np.frombuffer(good_lengths, dtype=np.int32).copy()
        kept = np.frombuffer(old_lengths, dtype=np.int32)[: len(stale)]
        stale[: len(kept)] = kept  # the lengths of before, where the rows were reworded or reused since
        db.execute(f"UPDATE {LENGTHS} SET lengths = ?", [stale.tobytes()])
    assert answers(_opened(path, after)) != want
    with sqlite3.connect(path) as db:
        db.execute(f"UPDATE {LENGTHS} SET lengths = ?", [good_lengths])
        (keys,) = db.execute(f"SELECT keys FROM {POSTINGS} WHERE term = ?", [b"curios"]).fetchone()
        db.execute(f"UPDATE {POSTINGS} SET keys = ? WHERE term = ?", [keys[8:], b"curios"])  # one occurrence less
    assert answers(_opened(path, after)) != want


def test_too_big_a_change_or_a_document_twice_is_not_patched(tmp_path: Path) -> None:
    rnd = random.Random(5)
    before = _before(rnd)
    path = tmp_path / "index.sqlite"
    SearchIndex(before, SYNONYMS).save(path, {})
    untouched = statistics(path)
    db = sqlite3.connect(path)
    try:
        with pytest.raises(search_patch.CannotPatch, match="new, gone or reworded"):
            search_patch.patch(db, before[:50] + [_doc(rnd, f"other{i}") for i in range(60)])
        with pytest.raises(search_patch.CannotPatch, match="share a kind and an id"):
            search_patch.patch(db, [*before, before[9]])
    finally:
        db.close()
    assert statistics(path) == untouched


def test_removed_rows_leave_free_ids_of_length_zero_and_the_answers_of_a_full_build(tmp_path: Path) -> None:
    rnd = random.Random(6)
    before = _before(rnd)
    after = [doc for i, doc in enumerate(before) if i % 10 != 4]
    path, done = _patched(tmp_path, before, after)
    assert (done.added, done.removed, done.reworded) == (0, 16, 0)
    full = tmp_path / "full.sqlite"
    SearchIndex(after, SYNONYMS).save(full, {})
    got, want = statistics(path), statistics(full)
    assert got["holes"] == [0] * 16 and {**got, "holes": []} == want
    assert answers(_opened(path, after)) == answers(SearchIndex(after, SYNONYMS))


def _patched_many(tmp_path: Path, times: int, **upkeep: int | float | None) -> tuple[Path, list[Document], list]:
    """`times` patches, each of a copy of the file before it (as `qikg add` and `qikg remove` do), a chat's
    documents added and taken away in turn with some reworded; the last file, its documents and each patch's
    (segments, free share, what the upkeep did)."""
    rnd = random.Random(7)
    before = _before(rnd)
    after = _after(rnd, before)
    path = tmp_path / "0.sqlite"
    SearchIndex(before, SYNONYMS).save(path, {})
    trace = []
    documents = before
    for n in range(1, times + 1):
        documents = after if n % 2 else before
        copy = tmp_path / f"{n}.sqlite"
        shutil.copyfile(path, copy)
        path.unlink()
        path = copy
        db = sqlite3.connect(path)
        try:
            done = search_patch.patch(db, documents, **upkeep)
            trace.append((search_patch.segments(db), search_patch.free_share(db), done.merged, done.vacuumed))
        finally:
            db.close()
    return path, documents, trace


def test_many_patches_keep_the_segments_and_free_pages_bounded_and_the_answers_of_a_full_build(tmp_path: Path) -> None:
    """However many chats are added and removed, the patched file keeps at most MAX_SEGMENTS FTS5 segments and
    MAX_FREE free pages, and answers (and counts) as a build of its documents."""
    path, documents, trace = _patched_many(tmp_path, 40)
    assert max(s for s, *_ in trace) <= search_patch.MAX_SEGMENTS
    assert max(f for _, f, *_ in trace) <= search_patch.MAX_FREE
    assert any(merged for *_, merged, _ in trace) and any(vacuumed for *_, vacuumed in trace)  # the upkeep ran
    full = tmp_path / "full.sqlite"
    SearchIndex(documents, SYNONYMS).save(full, {})
    assert statistics(path) == statistics(full)
    assert answers(_opened(path, documents)) == answers(SearchIndex(documents, SYNONYMS))
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO docs (docs) VALUES ('integrity-check')")  # FTS5's own check of its index
    assert path.stat().st_size <= 1.25 * full.stat().st_size


def test_without_the_upkeep_the_segments_pass_the_bound(tmp_path: Path) -> None:
    """The bound above is the upkeep's doing: the same patches with it turned off leave FTS5 more segments (its own
    merging lets them drift) and the file bigger; the answers are a full build's all the same."""
    path, documents, trace = _patched_many(tmp_path, 40, max_segments=None, max_free=None)
    assert trace[0][0] == 2  # one patch writes one segment (its deletes and inserts in row order), not one each
    assert max(s for s, *_ in trace) > search_patch.MAX_SEGMENTS
    assert not any(merged or vacuumed for *_, merged, vacuumed in trace)
    assert answers(_opened(path, documents)) == answers(SearchIndex(documents, SYNONYMS))
    (tmp_path / "kept").mkdir()
    kept, _, _ = _patched_many(tmp_path / "kept", 40)
    assert kept.stat().st_size < path.stat().st_size
