"""Is the ranking from the stored postings exactly FTS5's own? Invented documents that vary what BM25 reads (a word
in the label or the body, repeated, long and short rows, stemming, diacritics, stop words inside phrases, prefixes,
overlapping phrase occurrences), every match's score compared as a float, then whole answers with filters, and an
index stored without postings (an older build) answering the same."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from kg.indexes.search import Document, SearchIndex
from kg.indexes.search_rank import LENGTHS, POSTINGS

WORDS = (
    "improve improvement improving leaders leadership go see the and of gemba genba golden thread coach coaching "
    "coaches café cafe Straße huddle board ward flow safety psychological nhs trust qi learning l'amélioration "
    "go-see co-production 2022 x"
).split()
SYNONYMS = [
    ["Genba", "gemba", "go and see", "go & see", "go-see", "where the work is done"],
    ["Golden thread", "line of sight"],
]
QUERIES = [
    "improve",
    "improvement leaders",
    '"golden thread"',
    '"the and"',
    '"go go"',
    "coach*",
    "co*",
    '"golden thr" *',
    "gemba",
    "go and see",
    "cafe",
    "Strasse straße",
    "l'amélioration",
    "go-see",
    "x",
    "2022",
    "nosuchword",
    '"go see" coaching*',
    "_",
]


def _documents(seed: int, count: int = 120) -> list[Document]:
    """Documents of random words (seeded): labels short, bodies of 0-60 words, some words repeated in a row."""
    rng = random.Random(seed)
    kinds = [("quote", 1.0), ("resource", 2.0), ("participant", 3.0), ("question", 1.5)]
    docs = []
    for i in range(count):
        kind, weight = kinds[i % len(kinds)]
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 60)))
        if i % 7 == 0:
            body += " go go go see the golden thread golden thread"
        label = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        docs.append(
            Document(
                kind,
                str(i),
                label,
                body,
                weight,
                chat=f"c{i % 3}",
                question=f"c{i % 3}/q{i % 4}",
                author=f"a{i % 5}",
                themes=tuple(t for t, on in (("genba", i % 2 == 0), ("golden-thread", i % 3 == 0)) if on),
            )
        )
    return docs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_match_scores_exactly_as_fts5_scores_it(seed: int) -> None:
    index = SearchIndex(_documents(seed), SYNONYMS)
    compared = 0
    for text in QUERIES:
        query = index.parse(text)
        if not query.parts:
            continue
        with index._lock:
            ours = index._ranked(query, None, None, None, None, None, None, 0)
            fts5 = index._ranked_by_fts5(query, None, None, None, None, None, None, 0)
        assert ours == fts5, text  # the same rows, in the same order, with the same floats
        compared += ours[0]
    assert compared > 500  # the queries do match


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": "quote"},
        {"chat": "c1"},
        {"author": "a2"},
        {"questions": ["c0/q0", "c1/q1"]},
        {"questions": []},
        {"themes": ["genba"]},
        {"themes": ["golden-thread", "genba"], "kind": "resource"},
        {"author": "nobody"},
    ],
)
def test_filtered_pages_are_fts5s(filters: dict) -> None:
    index = SearchIndex(_documents(4), SYNONYMS)
    for text in QUERIES:
        query = index.parse(text)
        if not query.parts:
            continue
        args = (filters.get("kind"), filters.get("chat"), filters.get("questions"), filters.get("themes"))
        with index._lock:
            for limit, offset in ((None, 0), (10, 5), (3, 0)):
                ours = index._ranked(query, *args, filters.get("author"), limit, offset)
                fts5 = index._ranked_by_fts5(query, *args, filters.get("author"), limit, offset)
                assert ours == fts5, (text, filters, limit, offset)


def test_an_index_stored_without_postings_answers_the_same(tmp_path: Path) -> None:
    docs = _documents(5)
    index = SearchIndex(docs, SYNONYMS)
    index.save(tmp_path / "new.sqlite", {})
    index.save(tmp_path / "old.sqlite", {})
    with sqlite3.connect(tmp_path / "old.sqlite") as older:  # what a build of the previous version stored
        older.executescript(f"DROP TABLE {POSTINGS}; DROP TABLE {LENGTHS};")
    answers = []
    for name in ("new.sqlite", "old.sqlite"):
        db, _ = SearchIndex.connect(tmp_path / name)
        served = SearchIndex.open(db, docs, SYNONYMS)
        assert (served._ranker is None) == (name == "old.sqlite")
        answers.append(
            [
                (total, [(h.id, h.score, h.snippet, h.snippet_html) for h in hits])
                for text in QUERIES
                for _, total, hits in [served.search(text, limit=20, kind="quote" if "o" in text else None)]
            ]
        )
        db.close()
    assert answers[0] == answers[1]
    assert any(total for total, _ in answers[0])


def test_a_search_past_its_time_is_too_broad_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.indexes import search

    index = SearchIndex(_documents(6), SYNONYMS)
    monkeypatch.setattr(search, "DEADLINE_S", -1.0)
    with pytest.raises(search.SearchTooBroad):
        index.search("go and see coach* improvement")
    monkeypatch.setattr(search, "DEADLINE_S", 2.0)
    assert index.search("go and see coach* improvement")[1] > 0  # the index still answers afterwards


@pytest.mark.parametrize(
    "docs",
    [[], [Document("quote", "1", "", "")], [Document("quote", "1", "", "a b"), Document("theme", "t", "A", "", 3.0)]],
)
def test_empty_and_tiny_indexes_answer_as_fts5(docs: list[Document]) -> None:
    index = SearchIndex(docs, [["A", "b c"]])
    for text in ["a", '"b c" a*', "x"]:
        query = index.parse(text)
        with index._lock:
            assert index._ranked(query, None, None, None, None, None, None, 0) == index._ranked_by_fts5(
                query, None, None, None, None, None, None, 0
            )
