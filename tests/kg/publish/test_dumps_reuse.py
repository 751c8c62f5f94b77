"""Writing the dumps after `qikg add` reuses the text of every unchanged graph and still writes, byte for byte, what
serialising the whole dataset writes (three chats: the seed and the invented reports of tests/kg/extract/fixtures)."""

from __future__ import annotations

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
    ordered, digests = three_chats
    (tmp_path / "whole").mkdir()
    write_dumps(ordered, digests, tmp_path / "whole")  # no cache: rdflib serialises the whole dataset
    cache = tmp_path / "cache"
    (tmp_path / "cold").mkdir()
    write_dumps(ordered, digests, tmp_path / "cold", cache)
    assert _written(tmp_path / "cold") == _written(tmp_path / "whole")
    assert sorted(p.stem for p in cache.glob("*.json")) == sorted(digests.values())

    made: list[URIRef] = []
    real = dumps.graph_text
    monkeypatch.setattr(dumps, "graph_text", lambda g: made.append(g.identifier) or real(g))
    (tmp_path / "warm").mkdir()
    write_dumps(ordered, digests, tmp_path / "warm", cache)
    assert made == []  # every graph's text came from the cache
    assert _written(tmp_path / "warm") == _written(tmp_path / "whole")


def test_a_graph_digest_changes_with_its_triples_only(three_chats) -> None:
    ordered, digests = three_chats
    again = sorted_dataset_with_digests(ordered)[1]
    assert again == digests
    graph = next(g for g in ordered.graphs() if "2023-02-28" in str(g.identifier))
    graph.remove(next(iter(graph)))
    changed = sorted_dataset_with_digests(ordered)[1]
    assert {g for g in digests if digests[g] != changed[g]} == {str(graph.identifier)}
