"""Can a benchmark writer make synthetic chats that can never be taken for real ones?"""

from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from bench.synth import cli
from kg import iris

SEED = Path(__file__).resolve().parents[2] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
runner = CliRunner()


@pytest.mark.parametrize("suffix,fmt,n", [(".nq", ox.RdfFormat.N_QUADS, 2), (".trig", ox.RdfFormat.TRIG, 1)])
def test_synth_writes_chats_typed_synthetic(tmp_path: Path, suffix: str, fmt: ox.RdfFormat, n: int) -> None:
    out = tmp_path / f"syn{suffix}"
    result = runner.invoke(cli, ["--chats", str(n), "--out", str(out), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    store = ox.Store()
    store.bulk_load(path=str(out), format=fmt)
    graphs = sorted(g.value for g in store.named_graphs())
    sources = [g for g in graphs if "/source/" in g]
    assert len(sources) == n and all(g.startswith(str(iris.GRAPH) + "source/synthetic-") for g in sources)
    assert str(iris.ONTOLOGY_GRAPH) in graphs and str(iris.THEMES_GRAPH) in graphs
    typed = {
        r["s"].value
        for r in store.query("SELECT ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/qikg/ontology#SyntheticSource> } }")
    }
    assert typed == {str(iris.source(g.rsplit("/", 1)[1])) for g in sources}
    assert not store.query("ASK { ?s ?p ?o FILTER(CONTAINS(STR(?s), 'leadingqi-2022')) }")


def test_a_synthetic_chat_lists_only_the_organisations_it_names() -> None:
    from bench.synth import synth_chats
    from kg.extract.report import extract

    chats = synth_chats(extract(SEED), 40)
    series = {o.slug for c in chats for o in c.organisations}
    for chat in chats:
        named = {chat.chat.host, chat.chat.report_for} | {s for p in chat.people for s in p.affiliations}
        assert {o.slug for o in chat.organisations} == named  # each one it names is there, and no other
    assert len(series) > max(len(c.organisations) for c in chats)  # the series holds more than any one chat


def test_the_people_of_the_series_recur_across_chats() -> None:
    from collections import Counter

    from bench.synth import synth_chats
    from kg.extract.report import extract

    chats = synth_chats(extract(SEED), 30)
    seen = Counter(a.handle for c in chats for a in c.accounts)  # a chat lists each of its accounts once
    assert seen.most_common(1)[0][1] > 20  # the most frequent speakers come back (a Zipf-like draw)
    assert sum(1 for n in seen.values() if n == 1) > len(seen) // 5  # and many speak once
