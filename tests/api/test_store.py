"""The store back-ends: same answers, safe bindings, atomic reloads."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.settings import Settings
from kg.store import (
    AnswerTooLarge,
    OxigraphStore,
    QuerySyntaxError,
    RdflibStore,
    RowLimitExceeded,
    Store,
    open_store,
    reopen,
)

FIXTURE = Path(__file__).parent / "fixtures" / "mini.trig"
QI = "https://w3id.org/qikg/ontology#"
TEXT_BY_HANDLE = f"""PREFIX qi: <{QI}>
SELECT ?handle ?text WHERE {{ ?q qi:saidBy ?p ; qi:text ?text . ?p qi:handle ?handle }} ORDER BY ?text"""


@pytest.fixture(params=["oxigraph", "rdflib"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    store = open_store(request.param, tmp_path / "store" if request.param == "oxigraph" else None)
    store.load(FIXTURE)
    yield store
    store.close()


def test_both_backends_count_the_same_quads(tmp_path: Path) -> None:
    oxi, mem = OxigraphStore(tmp_path / "s"), RdflibStore()
    oxi.load(FIXTURE)
    mem.load(FIXTURE)
    assert oxi.triple_count() == mem.triple_count() > 200
    assert oxi.named_graphs() == mem.named_graphs()


def test_the_default_graph_is_the_union_of_named_graphs(store: Store) -> None:
    ask = f"PREFIX qi: <{QI}> ASK {{ ?t a qi:Theme . ?q qi:hasTheme ?t . ?c a <http://www.w3.org/2002/07/owl#Class> }}"
    assert store.query(ask).boolean is True


def test_a_bound_value_is_a_value_not_query_text(store: Store) -> None:
    bound = {"handle": Literal('DrTester" } UNION { ?q ?p ?text')}
    assert store.query(TEXT_BY_HANDLE, bound).rows == []
    rows = store.query(TEXT_BY_HANDLE, {"handle": Literal("DrTester")}).rows
    assert [str(r["handle"]) for r in rows] == ["DrTester"]


def test_iri_bindings_select_one_entity(store: Store) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    rows = store.query(query, {"s": URIRef("https://w3id.org/qikg/id/theme/genba")}).rows
    assert rows and all(str(r["s"]).endswith("/theme/genba") for r in rows)


def test_syntax_errors_carry_the_parser_message(store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        store.query("SELEC ?x WHERE {}")
    assert str(info.value)


def test_row_limit_stops_a_large_answer(store: Store) -> None:
    with pytest.raises(RowLimitExceeded, match="more than 10 rows"):
        store.query("SELECT * WHERE { ?s ?p ?o }", row_limit=10)


def test_construct_and_ask_results(store: Store) -> None:
    graph = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5")
    assert graph.kind == "CONSTRUCT" and len(graph.triples) == 5
    assert store.query("ASK { ?s ?p 'no such literal anywhere' }").boolean is False


def test_oxigraph_store_persists_and_reopens(tmp_path: Path) -> None:
    first = OxigraphStore(tmp_path / "s")
    first.load(FIXTURE, key="k1")
    count = first.triple_count()
    first.close()
    again = OxigraphStore(tmp_path / "s")
    assert again.loaded_key() == "k1" and again.triple_count() == count
    assert again.query("ASK { ?s ?p ?o }").boolean


def test_a_reload_swaps_atomically_and_keeps_one_previous_generation(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "s")
    for key in ("a", "b", "c"):
        store.load(FIXTURE, key=key)
    pointer = json.loads((tmp_path / "s" / "CURRENT.json").read_text())
    assert pointer["key"] == "c"
    generations = sorted(p.name for p in (tmp_path / "s").iterdir() if p.name.startswith("gen-"))
    assert pointer["generation"] in generations and len(generations) == 2


def test_a_crash_mid_load_leaves_the_previous_graph(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "s")
    store.load(FIXTURE, key="good")
    store.close()
    half = tmp_path / "s" / "gen-9999999999999999999-1"  # what a kill -9 during bulk_load leaves behind
    half.mkdir()
    (half / "garbage").write_text("partial")
    again = OxigraphStore(tmp_path / "s")
    assert again.loaded_key() == "good" and again.query("ASK { ?s ?p ?o }").boolean
    assert not half.exists()


def test_a_spec_reopens_the_same_data_elsewhere(store: Store) -> None:
    copy = reopen(store.spec())
    assert copy.triple_count() == store.triple_count()


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown store backend"):
        open_store("virtuoso")


@pytest.mark.parametrize(("value", "compacted"), [(None, True), ("false", False), ("true", True)])
def test_qikg_store_optimize_decides_whether_a_load_compacts(tmp_path: Path, monkeypatch, value, compacted) -> None:
    from kg.settings import Settings

    if value is not None:
        monkeypatch.setenv("QIKG_STORE_OPTIMIZE", value)
    store = Settings(store_dir=tmp_path / "store").open_store()
    store.load(FIXTURE)
    assert ("optimize_s" in store.last_load) is compacted
    store.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (GROUP_CONCAT(STR(?o)) AS ?all) WHERE { ?s ?p ?o }",  # one row, one huge value
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",  # many small triples
    ],
)
def test_the_byte_limit_stops_a_large_answer_while_it_is_read(store: Store, query: str) -> None:
    whole = store.query(query)
    assert whole.rows or whole.triples
    with pytest.raises(AnswerTooLarge, match="larger than the limit of 2,000 bytes"):
        store.query(query, byte_limit=2000)
    assert store.query(query, byte_limit=10 * 2**20) == whole  # under the limit, the same answer


def _served_without_loading(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Start a GraphService on `data_dir` (its store at the default <data_dir>/store) and list what it loaded."""
    from api.state import GraphService
    from kg.store import OxigraphStore

    loads: list[Path] = []
    real_load = OxigraphStore.load

    def counting_load(self, source: Path, key: str | None = None) -> None:
        loads.append(Path(source))
        real_load(self, source, key)

    monkeypatch.setattr(OxigraphStore, "load", counting_load)
    service = GraphService(Settings(data_dir=data_dir, reload_interval=0, query_workers=1))
    try:
        service.prepare()
        assert service.catalogue().themes  # answers from the store it opened
    finally:
        service.close()
    return loads


def test_the_api_opens_the_store_the_build_loaded_and_loads_an_unloaded_build_itself(
    graph_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`qikg build` loads <build>/store as its last step: the server starts without loading. A build folder with no
    store (an older build, or one copied without it) is loaded by the server, as before."""
    from kg.pipeline.manifest import build_key
    from kg.store import OxigraphStore

    if os.environ.get("QIKG_TEST_GRAPH"):
        pytest.skip("QIKG_TEST_GRAPH: a build this session did not make")
    built = tmp_path / "built"
    shutil.copytree(graph_dir, built)
    assert OxigraphStore(built / "store").loaded_key() == build_key(built)
    assert _served_without_loading(built, monkeypatch) == []
    bare = tmp_path / "bare"
    bare.mkdir()
    for path in graph_dir.iterdir():
        if path.is_file():
            shutil.copy2(path, bare / path.name)
    assert _served_without_loading(bare, monkeypatch) == [bare / "qikg.trig"]
