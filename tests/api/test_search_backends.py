"""Does search answer the same whatever store the API runs on? The build's stored index (<build>/indexes/) is the
reference; on each back-end an app serves a copy of the build without it, so it reads its catalogue from that store
by SPARQL and builds the search index from it. Every kind of query (a word, a common word, a phrase, a prefix, a
thesaurus synonym, a whole label, pages) and every filter (kind, chat, question, theme, author) must give the same
JSON. Embedded Oxigraph and a real Oxigraph server always; Virtuoso when QIKG_TEST_BACKENDS names it (docs/stores.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.indexes import stored
from kg.settings import Settings
from tests.api.test_stored_indexes import _without_indexes

BACKENDS = ["oxigraph", "remote"] + (
    ["virtuoso"] if "virtuoso" in os.environ.get("QIKG_TEST_BACKENDS", "").replace(" ", "").split(",") else []
)
QUERIES = [
    {"q": "genba"},
    {"q": "improvement"},
    {"q": "improve", "limit": 5, "offset": 3},
    {"q": '"golden thread"'},
    {"q": "coach*"},
    {"q": "gemba"},
    {"q": "go and see"},
    {"q": "nemawashi huddle"},
    {"q": "leaders", "kind": "quote"},
    {"q": "lead*", "kind": "participant"},
    {"q": "improvement", "kind": "resource"},
    {"q": "trust", "kind": "organisation"},
    {"q": "safety", "kind": "theme"},
    {"q": "improvement", "question": "Q2"},
    {"q": "learning", "theme": "golden thread"},
    {"q": "genba", "theme": "genba", "kind": "quote"},
    {"q": "zzzz"},
]


def _queries(client: TestClient) -> list[dict]:
    """The fixed queries, and those that name the build's own chat and a person who spoke in it."""
    quotes = client.get("/api/search", params={"q": "improvement", "kind": "quote", "limit": 1}).json()["items"]
    assert quotes, "the build has quotes about improvement"
    first = quotes[0]
    extra = [
        {"q": "improvement", "chat": first["chat"]},
        {"q": "improvement", "author": first["author"]},
        {"q": "improvement", "chat": first["chat"], "question": "2", "kind": "quote"},
    ]
    return QUERIES + extra


def _answers(client: TestClient, queries: list[dict]) -> list[tuple[int, dict]]:
    return [
        (response.status_code, response.json()) for response in (client.get("/api/search", params=q) for q in queries)
    ]


@pytest.fixture(scope="module")
def reference(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[dict], list]]:
    """The queries and their answers from the build's stored index (embedded store)."""
    if not (graph_dir / stored.FOLDER / stored.SEARCH_FILE).is_file():
        pytest.skip("QIKG_TEST_GRAPH names a folder without stored indexes")
    settings = Settings(data_dir=graph_dir, store_dir=tmp_path_factory.mktemp("search-ref-store"), reload_interval=0)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.service.catalogue_source == "stored"
        queries = _queries(client)
        yield queries, _answers(client, queries)


@pytest.mark.parametrize("store", BACKENDS)
def test_search_answers_alike_on_every_store(
    store: str, reference, graph_dir: Path, app_settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    queries, expected = reference
    bare = _without_indexes(graph_dir, tmp_path_factory.mktemp(f"search-{store}") / "build")
    settings = app_settings(bare, store, f"search-alike-{store}", reload_interval=0, query_timeout=30.0)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.service.catalogue_source == "store"  # read from this store, not the stored index
        answers = _answers(client, queries)
    for query, got, want in zip(queries, answers, expected, strict=True):
        assert got == want, query
    found = [body["total"] for status, body in expected if status == 200]
    assert len(found) == len(queries) and sum(1 for t in found if t) == len(queries) - 1  # all but zzzz match
    assert any(body["expanded"] for _, body in expected)  # and a synonym was added
