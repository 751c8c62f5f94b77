"""The default graph is the merge (a set) of the chats' graphs: a person in two chats is counted once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.store import OxigraphStore, RdflibStore

TWO_CHATS = """
@prefix qi: <https://w3id.org/qikg/ontology#> .
<https://w3id.org/qikg/graph/source/a> { <https://w3id.org/qikg/id/participant/x> qi:handle "x" . }
<https://w3id.org/qikg/graph/source/b> { <https://w3id.org/qikg/id/participant/x> qi:handle "x" . }
"""
QUERY = "SELECT ?h WHERE { ?p <https://w3id.org/qikg/ontology#handle> ?h }"


@pytest.mark.parametrize(
    "make",
    [lambda d: OxigraphStore(d / "store"), lambda d: OxigraphStore(None), lambda d: RdflibStore()],
    ids=["oxigraph-disk", "oxigraph-memory", "rdflib"],
)
def test_a_fact_stated_by_two_chats_is_one_row(tmp_path: Path, make) -> None:
    source = tmp_path / "two.trig"
    source.write_text(TWO_CHATS, encoding="utf-8")
    store = make(tmp_path)
    store.load(source)
    assert len(store.query(QUERY).rows) == 1
    graphs = store.query("SELECT ?g WHERE { GRAPH ?g { ?p <https://w3id.org/qikg/ontology#handle> ?h } }").rows
    assert len(graphs) == 2  # each chat's graph still holds its statement
    assert store.triple_count() == 2
    store.close()


def test_a_store_written_by_an_older_layout_is_not_answered_from(tmp_path: Path) -> None:
    import json

    source = tmp_path / "two.trig"
    source.write_text(TWO_CHATS, encoding="utf-8")
    OxigraphStore(tmp_path / "store").load(source)
    pointer = tmp_path / "store" / OxigraphStore.POINTER
    meta = json.loads(pointer.read_text())
    del meta["layout"]
    pointer.write_text(json.dumps(meta))
    assert OxigraphStore(tmp_path / "store").loaded_key() is None  # so the app reloads it
