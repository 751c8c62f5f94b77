"""Prefixes given beside the query (as `qikg query` gives the known ones): the query may use them undeclared, a
PREFIX of its own wins, and the text's lines keep their numbers. Each back-end: embedded Oxigraph, rdflib, and a
real Oxigraph server as a remote store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.store import OxigraphStore, QuerySyntaxError, RdflibStore, Store, StoreError
from kg.store.remote import RemoteStore

DATA = """
<https://w3id.org/qikg/graph/source/a> {
  <https://w3id.org/qikg/id/participant/x> <https://w3id.org/qikg/ontology#handle> "x" .
  <https://w3id.org/qikg/id/participant/x> <http://example.org/other#handle> "other" .
}
"""
KNOWN = {"qi": "https://w3id.org/qikg/ontology#", "qid": "https://w3id.org/qikg/id/"}


@pytest.fixture(params=["oxigraph", "rdflib", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    source = tmp_path / "data.trig"
    source.write_text(DATA, encoding="utf-8")
    made: Store
    if request.param == "remote":
        server = request.getfixturevalue("oxigraph_server")
        server.clear()
        made = RemoteStore(server.settings())
    else:
        made = OxigraphStore(None) if request.param == "oxigraph" else RdflibStore()
    made.load(source, key="k")
    yield made
    made.close()


def test_a_query_uses_the_given_prefixes_undeclared(store) -> None:
    rows = store.query("SELECT ?h WHERE { ?p qi:handle ?h }", prefixes=KNOWN).rows
    assert [str(r["h"]) for r in rows] == ["x"]


def test_a_prefix_the_query_declares_wins(store) -> None:
    query = "PREFIX qi: <http://example.org/other#>\nSELECT ?h WHERE { ?p qi:handle ?h }"
    assert [str(r["h"]) for r in store.query(query, prefixes=KNOWN).rows] == ["other"]


def test_without_them_an_undeclared_prefix_is_an_error(store) -> None:
    with pytest.raises((QuerySyntaxError, StoreError)):
        store.query("SELECT ?h WHERE { ?p qi:handle ?h }")
