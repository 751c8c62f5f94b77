"""Writing the dumps after `qikg add` reuses the text of every unchanged graph and still writes, byte for byte, what
serialising the whole dataset writes (three chats: the seed and the invented reports of tests/kg/extract/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import URIRef

from kg.pipeline.run import extract_all
from kg.publish import dumps
from kg.publish.dumps import sorted_dataset_with_digests, write_dumps
from kg.rdf.assemble import assemble

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
DUMPS = ("qikg.trig", "qikg.ttl", "qikg.nt", "qikg.jsonld")


@pytest.fixture(scope="module")
def three_chats():
    records = extract_all(
        [SEED, FIXTURES / "leadingqi-2023-01-31-report.txt", FIXTURES / "leadingqi-2023-02-28-report.txt"]
    )
    return sorted_dataset_with_digests(assemble(records, []))


def _written(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in DUMPS}


def test_the_reused_graph_texts_make_the_files_the_whole_dataset_makes(
    three_chats, tmp_path: Path, monkeypatch
) -> None:
    digests = three_chats.digests
    ordered = three_chats.ds
    whole = tmp_path / "whole"  # rdflib serialises the whole dataset
    whole.mkdir()
    flat = dumps.union_graph(ordered)
    (whole / "qikg.trig").write_bytes(dumps._trig(ordered))
    (whole / "qikg.ttl").write_bytes(flat.serialize(format="turtle", encoding="utf-8"))
    (whole / "qikg.nt").write_bytes(dumps._nt_sorted(flat))
    (whole / "qikg.jsonld").write_bytes(dumps._jsonld(ordered))
    (tmp_path / "uncached").mkdir()
    write_dumps(three_chats, tmp_path / "uncached")
    assert _written(tmp_path / "uncached") == _written(whole)
    cache = tmp_path / "cache"
    (tmp_path / "cold").mkdir()
    write_dumps(three_chats, tmp_path / "cold", cache)
    assert _written(tmp_path / "cold") == _written(tmp_path / "whole")
    assert sorted(p.stem for p in cache.glob("*.json")) == sorted(digests.values())
    kept = [json.loads(p.read_text(encoding="utf-8")) for p in cache.glob("*.json")]
    assert sum(1 for k in kept if k["trig"]) == len(kept) - 1  # every graph's statements but the TBox's (OWL lists)
    assert sum(1 for k in kept if k["order"]) == len(kept) - 1  # and its share of the subject order and prefixes

    made: list[URIRef] = []
    real = dumps.graph_text
    monkeypatch.setattr(dumps, "graph_text", lambda g: made.append(g.identifier) or real(g))
    walked: list[tuple] = []
    real_walk = dumps._ReusingTrig.preprocessTriple
    monkeypatch.setattr(dumps._ReusingTrig, "preprocessTriple", lambda self, t: walked.append(t) or real_walk(self, t))
    turtled: list[URIRef] = []
    real_turtle = dumps._turtle_statements
    monkeypatch.setattr(dumps, "_turtle_statements", lambda g: turtled.append(g.identifier) or real_turtle(g))
    (tmp_path / "warm").mkdir()
    write_dumps(three_chats, tmp_path / "warm", cache)
    assert made == [] and turtled == []  # every graph's text came from the cache, its Turtle statements too
    tbox = [g for g in ordered.graphs() if dumps._blank_nodes(g)]
    assert len(walked) == sum(len(g) for g in tbox)  # only the graph with blank nodes was read to order subjects
    assert _written(tmp_path / "warm") == _written(tmp_path / "whole")


def test_a_changed_graph_is_walked_again_and_the_unchanged_ones_still_order_as_rdflib_does(
    three_chats, tmp_path: Path
) -> None:
    """A graph that changes (it mentions a later graph's people more often) moves those people in the later graph's
    block, whose share comes from the cache: the shares of the graphs not walked and of the one walked add up as
    rdflib counts them."""
    from rdflib import Dataset

    ordered = three_chats.ds
    cache = tmp_path / "cache"
    (tmp_path / "first").mkdir()
    write_dumps(three_chats, tmp_path / "first", cache)
    changed = Dataset()
    for g in ordered.graphs():
        target = changed.graph(g.identifier)
        for t in g:
            target.add(t)
    jan = next(g for g in ordered.graphs() if "2023-01-31" in str(g.identifier))
    feb = next(g for g in ordered.graphs() if "2023-02-28" in str(g.identifier))
    people = sorted({s for s in feb.subjects() if "/participant/" in str(s)})  # the later graph's people
    for i, person in enumerate(people[:3]):  # the January graph refers to them many more times
        for n in range(5 + i):
            changed.graph(jan.identifier).add((URIRef(f"{person}/note-{n}"), dumps.iris.QI.mentions, person))
    again = sorted_dataset_with_digests(changed)
    (tmp_path / "second").mkdir()
    write_dumps(again, tmp_path / "second", cache)
    whole = dumps._trig(again.ds)
    assert (tmp_path / "second" / "qikg.trig").read_bytes() == whole
    turtle = dumps.union_graph(again.ds).serialize(format="turtle", encoding="utf-8")
    assert (tmp_path / "second" / "qikg.ttl").read_bytes() == turtle  # the shared people rewritten from the union

    def block(text: bytes, graph: URIRef) -> list[str]:
        body = text.decode("utf-8").split(f"<{graph}> {{", 1)[1]
        return body.split("}\n", 1)[0].splitlines()

    before, after = (block((tmp_path / n / "qikg.trig").read_bytes(), feb.identifier) for n in ("first", "second"))
    assert sorted(before) == sorted(after) and before != after  # the same statements, in rdflib's new order


def test_a_graph_digest_changes_with_its_triples_only(three_chats) -> None:  # last: it changes the fixture
    ordered, digests = three_chats.ds, three_chats.digests
    assert sorted_dataset_with_digests(ordered).digests == digests
    graph = next(g for g in ordered.graphs() if "2023-02-28" in str(g.identifier))
    graph.remove(next(iter(graph)))
    changed = sorted_dataset_with_digests(ordered).digests
    assert {g for g in digests if digests[g] != changed[g]} == {str(graph.identifier)}


def test_an_inferred_graph_that_changes_in_a_few_subjects_rewrites_only_those_and_the_files_stay_rdflibs(
    three_chats, tmp_path: Path, monkeypatch
) -> None:
    """The inferred graph changes with every add (types of the new chat's nodes, of a shared person): each subject
    whose triples are what they were keeps its TriG statement, its union Turtle statement (it is stated by its chat
    and by the inferred graph) and its JSON-LD node; only the changed subjects are written by rdflib."""
    from rdflib import RDF, Dataset

    from kg.iris import QI

    def with_inferred(extra: list[tuple], dropped: set) -> dumps.Sorted:
        ds = Dataset()
        for g in three_chats.ds.graphs():
            target = ds.graph(g.identifier)
            for t in g:
                target.add(t)
        inferred = ds.graph(dumps.iris.INFERRED_GRAPH)
        for s in sorted({s for g in three_chats.ds.graphs() for s in g.subjects(RDF.type, QI.Tweet)}):
            if s not in dropped:
                inferred.add((s, RDF.type, QI.Quote))
        for t in extra:
            inferred.add(t)
        return sorted_dataset_with_digests(ds)

    def whole_files(made: dumps.Sorted) -> dict[str, bytes]:
        flat = dumps.union_graph(made.ds)
        return {
            "qikg.trig": dumps._trig(made.ds),
            "qikg.ttl": flat.serialize(format="turtle", encoding="utf-8"),
            "qikg.nt": dumps._nt_sorted(flat),
            "qikg.jsonld": dumps._jsonld(made.ds),
        }

    cache = tmp_path / "cache"
    first = with_inferred([], set())
    (tmp_path / "first").mkdir()
    write_dumps(first, tmp_path / "first", cache)
    tweets = sorted({s for g in first.ds.graphs() for s in g.subjects(RDF.type, QI.Tweet)})
    person = min(s for g in first.ds.graphs() for s in g.subjects() if "/participant/" in str(s))  # a chat's
    changed = {tweets[0], tweets[1], person}
    second = with_inferred([(tweets[1], RDF.type, QI.Resource), (person, RDF.type, dumps.iris.FOAF.Agent)], {tweets[0]})
    written: list[tuple[str, str]] = []
    real = dumps._statement_text
    monkeypatch.setattr(
        dumps,
        "_statement_text",
        lambda ser, st, subject: written.append((type(ser).__name__, subject)) or real(ser, st, subject),
    )
    (tmp_path / "second").mkdir()
    write_dumps(second, tmp_path / "second", cache)
    assert _written(tmp_path / "second") == whole_files(second)
    assert {s for kind, s in written if kind == "_ReusingTrig"} == changed - {tweets[0]}  # tweets[0] has none left
    assert {s for kind, s in written if kind == "_ReusingTurtle"} <= changed  # the unchanged ones from the cache
    assert {s for kind, s in written if kind == "_CapturingTurtle"} <= changed
