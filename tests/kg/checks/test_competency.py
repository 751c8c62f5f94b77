"""Competency questions: can the built graph answer what users ask, with the answers the report gives?

Each `ontology/queries/cq/NAME.rq` has `NAME.expected.csv` beside it: the answer read from the report by a person
(header = the query's variables). Rows are compared as sets of strings; ORDER BY ... LIMIT queries compare in order.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.store import OxigraphStore

CQ_DIR = Path(__file__).resolve().parents[3] / "ontology" / "queries" / "cq"
QUERIES = sorted(CQ_DIR.glob("*.rq"))


@pytest.fixture(scope="module")
def store(real_build) -> OxigraphStore:
    _, out = real_build
    s = OxigraphStore()
    s.load(out / "qikg.trig")
    return s


def _expected(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [tuple(r) for r in rows[1:] if r]


def test_there_are_enough_competency_questions_each_with_an_answer() -> None:
    assert len(QUERIES) >= 25
    assert [q for q in QUERIES if not q.with_suffix(".expected.csv").is_file()] == []


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_competency_question(query: Path, store: OxigraphStore) -> None:
    header, expected = _expected(query.with_suffix(".expected.csv"))
    result = store.query(query.read_text(encoding="utf-8"), timeout=30)
    assert result.variables == header
    got = [tuple("" if row.get(v) is None else str(row[v]) for v in header) for row in result.rows]
    if "LIMIT" in query.read_text(encoding="utf-8").upper():
        assert got == expected
    else:
        assert sorted(set(got)) == sorted(set(expected))
        assert len(got) == len(set(got)), "duplicate rows: the query or the graph repeats an answer"
