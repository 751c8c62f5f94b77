"""Loading fills the default graph with the exact merge of the named graphs, on disk and in memory, whatever the
dump's format and however its lines are written (blank nodes, tabs, comments, triples of the default graph)."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from kg.store import OxigraphStore
from kg.store.oxigraph import _NQuadsAsTriples, _Skipped

TRIG = """
@prefix ex: <https://x.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:chat-a { ex:alice ex:handle "alice" ; ex:says "a _:b in text" , "ends with > ." .
            ex:q1 ex:saidBy ex:alice ; ex:likes 3 ; ex:label "hi"@en . }
ex:chat-b { ex:alice ex:handle "alice" . ex:q2 ex:saidBy ex:alice ; ex:about _:shared . _:shared ex:name "s" . }
ex:ontology { ex:Quote owl:unionOf ( ex:Tweet ex:Comment ) . _:shared ex:seenIn ex:ontology . }
_:anon { ex:x ex:y ex:z . ex:x ex:y [ ex:w "deep" ] . }
"""

TRICKY_NQ = "\n".join(
    [
        "# a comment line",
        '<https://x.org/s1>\t<https://x.org/p>\t"tabbed"\t<https://x.org/g1>\t.',
        '<https://x.org/s2> <https://x.org/p> "crlf" <https://x.org/g1> .\r',
        '<https://x.org/s3> <https://x.org/p> "in default" .',
        '<https://x.org/s3> <https://x.org/p> "x"@en <https://x.org/g2> .',
        '<https://x.org/s4> <https://x.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <https://x.org/g2> .',
        "_:n1 <https://x.org/p> <https://x.org/o> <https://x.org/g2> .",
        "<https://x.org/s5> <https://x.org/p> <https://x.org/o> _:graph .",
        '<https://x.org/s6> <https://x.org/p> "q _:not a node" <https://x.org/g3> .',
        "",
    ]
)


def _expected(path: Path, fmt: str) -> tuple[int, int, dict[str, int]]:
    """Quads in named graphs, distinct triples of the merge (file's default graph included), quads per IRI graph."""
    ds = Dataset()
    ds.parse(path, format=fmt)
    quads = [(s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None))]
    named = [q for q in quads if str(q[3]) != "urn:x-rdflib:default"]
    merged = {(s, p, o) for s, p, o, _ in quads}
    per_graph: dict[str, int] = {}
    for *_, g in named:
        if str(g).startswith("https://"):  # graphs named by an IRI (a blank node's name changes on loading)
            per_graph[str(g)] = per_graph.get(str(g), 0) + 1
    return len(named), len(merged), per_graph


def _check(store: OxigraphStore, path: Path, fmt: str) -> None:
    named, merged, per_graph = _expected(path, fmt)
    assert store.triple_count() == named
    count = "SELECT (COUNT(*) AS ?n) WHERE { %s }"
    assert store.query(count % "GRAPH ?g { ?s ?p ?o }").rows[0]["n"].toPython() == named
    assert store.query(count % "?s ?p ?o").rows[0]["n"].toPython() == merged
    # every statement of every chat is in the default graph, blank nodes included (same node, not a copy)
    assert not store.query("ASK { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }").boolean
    for graph, n in per_graph.items():
        assert store.query(count % f"GRAPH <{graph}> {{ ?s ?p ?o }}").rows[0]["n"].toPython() == n, graph


@pytest.fixture(params=["disk", "memory"])
def make(request, tmp_path: Path):
    def build() -> OxigraphStore:
        return OxigraphStore(tmp_path / "store" if request.param == "disk" else None)

    return build


@pytest.mark.parametrize("suffix", [".trig", ".nq"])
def test_the_default_graph_is_the_exact_merge(tmp_path: Path, make, suffix: str) -> None:
    source = tmp_path / f"dump{suffix}"
    if suffix == ".trig":
        source.write_text(TRIG, encoding="utf-8")
    else:
        quads = ox.parse(input=TRIG, format=ox.RdfFormat.TRIG)
        source.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    store = make()
    store.load(source)
    _check(store, source, {".trig": "trig", ".nq": "nquads"}[suffix])
    # the blank node two chats share is one node, in the default graph too
    rows = store.query("SELECT ?g WHERE { ?q <https://x.org/about> ?b . GRAPH ?g { ?b ?p ?o } }").rows
    assert sorted(str(r["g"]) for r in rows) == ["https://x.org/chat-b", "https://x.org/ontology"]
    store.close()


def test_lines_of_any_shape_are_read(tmp_path: Path, make) -> None:
    source = tmp_path / "tricky.nq"
    source.write_bytes(TRICKY_NQ.encode("utf-8"))
    store = make()
    store.load(source)
    _check(store, source, "nquads")
    store.close()


@pytest.mark.parametrize(
    "line",
    [
        "<https://x.org/s> <https://x.org/p> <https://x.org/o> .",  # a default-graph triple read as a quad: cut wrong
        '<https://x.org/s> <https://x.org/p> "o" <https://x.org/g> . # a comment after the dot',
    ],
)
def test_lines_the_fast_reading_gets_wrong_fall_back_to_the_parser(tmp_path: Path, make, line: str) -> None:
    source = tmp_path / "odd.nq"
    source.write_text('<https://x.org/a> <https://x.org/p> "a" <https://x.org/g> .\n' + line + "\n", encoding="utf-8")
    store = make()
    store.load(source)
    _check(store, source, "nquads")
    store.close()


def test_the_fast_reading_drops_graph_names_and_leaves_out_blank_nodes(tmp_path: Path) -> None:
    source = tmp_path / "plain.nq"
    source.write_text(
        '<https://x.org/s> <https://x.org/p> "o" <https://x.org/g> .\n'
        "<https://x.org/s> <https://x.org/p> <https://x.org/o> <https://x.org/g> .\n"
        '_:b <https://x.org/p> "o" <https://x.org/h> .\n',
        encoding="utf-8",
    )
    skipped = _Skipped()
    with _NQuadsAsTriples(source, skipped, threading.Event()) as stream:
        text = stream.read().decode("utf-8")
    assert text == (
        '<https://x.org/s> <https://x.org/p> "o" .\n<https://x.org/s> <https://x.org/p> <https://x.org/o> .\n'
    )
    assert skipped.iris == {"https://x.org/h"} and not skipped.blank and not skipped.everything


@pytest.mark.parametrize(
    "suffix, text",
    [
        (".nt", '<https://x.org/s> <https://x.org/p> "1" .\n<https://x.org/s> <https://x.org/p> "2" .\n'),
        (".nq", '<https://x.org/s> <https://x.org/p> "1" .\n<https://x.org/s> <https://x.org/p> "2" .\n'),
    ],
)
def test_a_dump_without_named_graphs_counts_its_triples(tmp_path: Path, make, suffix: str, text: str) -> None:
    source = tmp_path / f"flat{suffix}"
    source.write_text(text, encoding="utf-8")
    store = make()
    store.load(source)
    assert store.triple_count() == 2
    assert store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython() == 2
    store.close()


def test_a_broken_dump_raises_and_keeps_the_previous_graph(tmp_path: Path) -> None:
    good = tmp_path / "good.trig"
    good.write_text(TRIG, encoding="utf-8")
    broken = tmp_path / "broken.nq"
    lines = [f'<https://x.org/s{i}> <https://x.org/p> "{i}" <https://x.org/g> .' for i in range(2000)]
    lines[1500] = '<https://x.org/s> <https://x.org/p> "unterminated <https://x.org/g> .'
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = OxigraphStore(tmp_path / "store")
    store.load(good, key="good")
    expected = store.triple_count()
    threads = threading.active_count()
    with pytest.raises(SyntaxError):
        store.load(broken, key="broken")
    assert threading.active_count() == threads  # the second loader thread is done too
    assert store.loaded_key() == "good" and store.triple_count() == expected
    store.close()
    again = OxigraphStore(tmp_path / "store")
    assert again.loaded_key() == "good" and again.triple_count() == expected
    again.close()


@pytest.mark.parametrize("optimize", [True, False])
def test_a_persisted_store_is_compacted_after_its_load_unless_told_not_to(tmp_path: Path, optimize: bool) -> None:
    source = tmp_path / "dump.trig"
    source.write_text(TRIG, encoding="utf-8")
    store = OxigraphStore(tmp_path / "store", optimize=optimize)
    store.load(source)
    assert ("optimize_s" in store.last_load) is optimize
    _check(store, source, "trig")  # the same answers either way
    store.close()
    reopened = OxigraphStore(tmp_path / "store")  # and it opens again as any generation does
    _check(reopened, source, "trig")
    reopened.close()
