"""`qikg add` and `qikg remove` patch the previous build's search index instead of building it whole: does /api/search
answer exactly as from a full build of the same chats (hits, order, scores, snippets, totals, every filter), with
the same statistics BM25 reads? The invented reports of tests/kg/extract/fixtures (TEST DATA): the February chat
shares people with the seed (@Sutcliffe1987, @JIMMY_PARVIN), so their documents change too. And an index of an
older format is not patched but built whole, and the build's log says so."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.indexes import stored
from kg.settings import Settings
from tests.kg.indexes.test_search_patch import statistics
from tests.kg.pipeline.test_incremental_add import FEB, JAN, _registry, _run

QUERIES: list[dict] = [
    {"q": "behaviours"},  # words of the added chat only
    {"q": "account", "limit": 5, "offset": 2},
    {"q": "curiosity accountability"},
    {"q": "improvement"},  # a common word: every row's score moves with N and avgdl
    {"q": "the"},
    {"q": '"each other"'},
    {"q": '"golden thread"'},
    {"q": "behav*"},
    {"q": "lead*", "kind": "participant"},
    {"q": "gemba"},  # thesaurus synonyms
    {"q": "go and see"},
    {"q": "leaders", "kind": "quote"},
    {"q": "sutcliffe"},  # a person of both chats: more words now
    {"q": "improvement", "kind": "resource"},
    {"q": "trust", "kind": "organisation"},
    {"q": "safety", "kind": "theme"},
    {"q": "improvement", "question": "Q2"},
    {"q": "learning", "theme": "golden thread"},
    {"q": "account", "author": "Sutcliffe1987"},
    {"q": "zzzz"},
    {"q": "account", "chat": "2023-02-28"},  # the added chat (a chat's id is its date)
    {"q": "account", "chat": "2023-02-28", "question": "2", "kind": "quote"},
]


def _answers(build: Path, store: Path) -> list[tuple[int, dict]]:
    """The answers to QUERIES from a server of `build` (its stored indexes)."""
    settings = Settings(data_dir=build, store_dir=store, reload_interval=0)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.service.catalogue_source == "stored"  # the build's own index file answers
        return [(r.status_code, r.json()) for r in (client.get("/api/search", params=q) for q in QUERIES)]


def _search_file(build: Path) -> Path:
    return build / stored.FOLDER / stored.SEARCH_FILE


def _said(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("search index:"))


@pytest.mark.timeout(900)
def test_an_added_and_a_removed_chat_patch_the_index_to_the_answers_of_a_full_build(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "chats", JAN)
    out = tmp_path / "build"
    assert _said(_run("build", "--out", str(out), "--no-reason", "--registry", str(registry))).endswith("built whole")
    before = tmp_path / "before"
    shutil.copytree(out, before, ignore=shutil.ignore_patterns("store"))

    said = _said(_run("add", str(FEB), "--out", str(out), "--no-reason", "--registry", str(registry)))
    assert said.startswith("search index: patched:"), said
    assert int(re.search(r"(\d+) added", said)[1]) > 0 and int(re.search(r"(\d+) reworded", said)[1]) > 0, said
    full = tmp_path / "full"
    _run("build", "--out", str(full), "--no-reason", "--registry", str(registry))
    assert statistics(_search_file(out)) == statistics(_search_file(full))
    want = _answers(full, tmp_path / "store-full")
    got = _answers(out, tmp_path / "store-added")
    for query, g, w in zip(QUERIES, got, want, strict=True):
        assert g == w, query
    assert all(status == 200 for status, _ in want) and want[-1][1]["total"] > 0
    assert any(body["expanded"] for _, body in want)
    added = want

    said = _said(_run("remove", "2023-02-28", "--out", str(out), "--no-reason", "--registry", str(registry)))
    assert said.startswith("search index: patched:"), said
    assert statistics(_search_file(out)) == statistics(_search_file(before))
    got = _answers(out, tmp_path / "store-removed")
    want = _answers(before, tmp_path / "store-before")
    for query, g, w in zip(QUERIES, got, want, strict=True):
        assert g == w, query
    assert want[-1][0] == 404  # the February chat is gone
    assert added[0][1]["total"] > want[0][1]["total"] and added[1] != want[1]  # the add changed these answers


@pytest.mark.timeout(900)
def test_an_index_of_an_older_format_is_built_whole_not_patched(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "chats")
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    with sqlite3.connect(_search_file(out)) as db:  # what an index of the format before this one says
        db.execute("UPDATE info SET value = ? WHERE name = 'version'", [str(stored.VERSION - 1)])
    said = _said(_run("add", str(FEB), "--out", str(out), "--no-reason", "--registry", str(registry)))
    assert said == (
        f"search index: built whole: the previous index is of format version {stored.VERSION - 1}, "
        f"this build's is {stored.VERSION}"
    )
    full = tmp_path / "full"
    _run("build", "--out", str(full), "--no-reason", "--registry", str(registry))
    assert statistics(_search_file(out)) == statistics(_search_file(full))
