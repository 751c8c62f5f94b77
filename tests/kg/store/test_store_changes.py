"""`qikg add` writes only the graphs that changed into the store (`OxigraphStore.load_changes`): the store is then
quad for quad what loading the whole new build gives, the default graph (the merge) included: a triple two graphs
state stays in the merge when one of them drops it and leaves it when the last one does."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import OxigraphStore

TBOX = """<https://x/tbox> { <https://x/C> <https://x/unionOf> ( <https://x/A> <https://x/B> ) . }\n"""


def _trig(graphs: dict[str, list[str]]) -> str:
    return TBOX + "".join(
        f"<https://x/{g}> {{\n" + "".join(f"  {t} .\n" for t in ts) + "}\n" for g, ts in graphs.items()
    )


SHARED = "<https://x/person> <https://x/name> 'Ann'"
BEFORE = {
    "seed": [SHARED, "<https://x/chat2> <https://x/status> 'announced'", "<https://x/seed> <https://x/date> 1"],
    "jan": [SHARED, "<https://x/q1> <https://x/text> 'hello'"],
    "inferred": ["<https://x/q1> a <https://x/Quote>", "<https://x/person> a <https://x/Agent>"],
}
AFTER = {  # a chat added, the seed's announcement dropped (it moved to the chat's own graph), inferred types changed
    "seed": [SHARED, "<https://x/seed> <https://x/date> 1"],
    "jan": [SHARED, "<https://x/q1> <https://x/text> 'hello'"],
    "feb": ["<https://x/chat2> <https://x/status> 'held'", "<https://x/q2> <https://x/text> 'more'"],
    "inferred": ["<https://x/q1> a <https://x/Quote>", "<https://x/q2> a <https://x/Quote>"],
}


def _quads(store: OxigraphStore) -> tuple[set, dict]:
    """Every quad without a blank node, and the number of quads with one in each graph (labels differ per load)."""
    raw = store._require()
    plain, blank = set(), {}
    for q in raw.quads_for_pattern(None, None, None, None):
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            blank[str(q.graph_name)] = blank.get(str(q.graph_name), 0) + 1
        else:
            plain.add(q)
    return plain, blank


def _loaded(folder: Path, text: str, key: str) -> OxigraphStore:
    path = folder / f"{key}.trig"
    path.write_text(text, encoding="utf-8")
    store = OxigraphStore(folder / "store")
    store.load(path, key)
    return store


def _changed(tmp_path: Path, before: dict, after: dict) -> tuple[OxigraphStore, OxigraphStore]:
    """(the store of `before` changed to `after`, a store loaded from `after` afresh)."""
    _loaded(tmp_path, _trig(before), "before").close()
    store = OxigraphStore(tmp_path / "store")
    new = tmp_path / "after.trig"
    new.write_text(_trig(after), encoding="utf-8")
    changed = {g for g in after if after[g] != before.get(g)}
    names = {f"https://x/{g}" for g in changed}
    removed = {f"https://x/{g}" for g in before if g not in after}
    assert store.load_changes(new, "after", changed=names, removed=removed, previous_key="before")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    return store, _loaded(fresh, _trig(after), "after")


def test_an_add_that_changes_three_graphs_gives_the_store_a_full_load_gives(tmp_path: Path) -> None:
    store, full = _changed(tmp_path, BEFORE, AFTER)
    try:
        assert _quads(store) == _quads(full)
        assert store.triple_count() == full.triple_count() and store.named_graphs() == full.named_graphs()
        assert store.loaded_key() == "after"
        reopened = OxigraphStore(tmp_path / "store")  # what a server opens: the new generation
        assert _quads(reopened) == _quads(full)
        reopened.close()
    finally:
        store.close()
        full.close()


def test_a_removed_graph_takes_its_triples_out_of_the_merge_unless_another_graph_states_them(tmp_path: Path) -> None:
    store, full = _changed(tmp_path, AFTER, BEFORE)  # qikg remove: feb goes, the seed's announcement comes back
    try:
        assert _quads(store) == _quads(full)
        assert "https://x/feb" not in store.named_graphs()
        rows = store._require().query("ASK { <https://x/person> <https://x/name> 'Ann' }")
        assert bool(rows)
    finally:
        store.close()
        full.close()


def test_a_triple_the_last_graph_drops_leaves_the_merge(tmp_path: Path) -> None:
    before = {"a": [SHARED], "b": [SHARED]}
    after = {"a": [SHARED], "b": ["<https://x/person> <https://x/name> 'Bo'"]}
    store, full = _changed(tmp_path, before, after)
    try:
        assert _quads(store) == _quads(full)
        store.close()
        (tmp_path / "next").mkdir()
        store, full2 = _changed(tmp_path / "next", after, {"b": after["b"]})
        full2.close()
        default = {q for q in _quads(store)[0] if isinstance(q.graph_name, ox.DefaultGraph)}
        assert all(q.object.value != "Ann" for q in default)
    finally:
        store.close()
        full.close()


def test_a_store_of_another_build_or_a_changed_graph_with_blank_nodes_is_loaded_afresh(tmp_path: Path) -> None:
    _loaded(tmp_path, _trig(BEFORE), "before").close()
    store = OxigraphStore(tmp_path / "store")
    new = tmp_path / "after.trig"
    new.write_text(_trig(AFTER), encoding="utf-8")
    try:
        assert not store.load_changes(new, "after", changed={"https://x/feb"}, removed=set(), previous_key="other")
        assert not store.load_changes(new, "after", changed={"https://x/tbox"}, removed=set(), previous_key="before")
        assert store.loaded_key() == "before"
        assert len([p for p in (tmp_path / "store").iterdir() if p.name.startswith("gen-")]) == 1
    finally:
        store.close()


@pytest.mark.parametrize("graph", ["seed", "inferred"])
def test_a_graph_that_only_loses_triples_loses_them_in_the_store(tmp_path: Path, graph: str) -> None:
    after = {**BEFORE, graph: BEFORE[graph][:1]}
    store, full = _changed(tmp_path, BEFORE, after)
    try:
        assert _quads(store) == _quads(full)
    finally:
        store.close()
        full.close()
