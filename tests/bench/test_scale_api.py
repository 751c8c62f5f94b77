"""`python -m bench.scale SIZE --api`: does one run give every row of issue 17, embedded and remote, at a tiny size?"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report, scale, servers, startup
from kg.pipeline.manifest import build_key
from kg.settings import Settings
from kg.store import OxigraphStore
from tests.bench.test_bench_run import tiny_dataset as _tiny

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "api" / "fixtures" / "mini.trig"
THEME = "leaders-show-the-way"


def test_the_scale_options_are_read_with_their_defaults():
    args = scale.parse_args(["10m", "--api", "--rounds", "3", "--max-s", "20", "--queries", "none", "--no-native"])
    assert (args.api, args.no_native, args.no_remote, args.starts, args.rounds) == (True, True, False, 2, 3)
    assert args.query_timeout == 300.0 and args.max_s == 20.0
    assert args.command == "python -m bench.scale 10m --api --rounds 3 --max-s 20 --queries none --no-native"


@pytest.mark.server
def test_the_remote_folder_holds_what_the_remote_store_loads(tmp_path):
    """The Oxigraph server's folder written by `oxigraph load` is seen by our remote store as its own load of the
    build: the build's key, its graphs and quads, and the merged graph as the default graph of every query."""
    ds = _tiny(tmp_path)
    build = startup.build_folder(
        tmp_path / "build", ds.trig_dir / "qikg.trig", startup.manifest_text(ds.trig_dir / "qikg.trig")
    )
    key = build_key(build)
    embedded = OxigraphStore(tmp_path / "store")
    embedded.load(ds.nquads, key)
    generation = tmp_path / "store" / json.loads((tmp_path / "store" / "CURRENT.json").read_text())["generation"]
    target = tmp_path / "remote" / "store"
    target.parent.mkdir()
    written = scale.remote_location(ds.nquads, generation, build, key, ds.quads, target)
    assert written["graphs"] == len(embedded.named_graphs()) and written["disk_bytes"] > 0
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    people = "SELECT ?p WHERE { ?p a <http://xmlns.com/foaf/0.1/Person> } ORDER BY ?p"
    with servers.oxigraph_server(target, tmp_path / "oxigraph.log") as server:
        remote = Settings(
            store_backend="remote",
            remote_query_url=server.base + "/query",
            remote_gsp_url=server.base + "/store",
        ).open_store()
        try:
            assert remote.loaded_key() == key  # an API started on it would not load the build again
            assert remote.triple_count() == ds.quads
            assert sorted(remote.named_graphs()) == sorted(embedded.named_graphs())
            assert remote.query(count).rows == embedded.query(count).rows  # the merge, a set, as the embedded one
            assert remote.query(people).rows == embedded.query(people).rows
        finally:
            remote.close()
    embedded.close()


@pytest.mark.server
def test_one_scale_run_gives_every_issue_17_row_at_a_tiny_size(tmp_path):
    out = tmp_path / "scale_tiny.json"
    argv = ["tiny", "--api", "--starts", "1", "--rounds", "1", "--max-s", "1", "--queries", "six_lessons"]
    result = scale.run(_tiny(tmp_path), scale.parse_args([*argv, "--theme", THEME, "--out", str(out)]))
    assert json.loads(out.read_text()) == result  # the file holds the whole run
    loads = result["load"]
    assert loads["oxigraph"]["quads"] == loads["oxigraph-cli"]["quads"] == result["dataset"]["quads"]
    api = result["api"]
    assert api["build_step"]["read_s"] >= 0 and api["indexes_disk_bytes"] > 0
    for where in ("startup_embedded", "startup_remote"):
        assert api[where]["stored indexes"]["median_s"] > 0, where
    embedded = api["embedded"]
    assert embedded["generation_unchanged"] and not embedded["quiet_timed_out"] and embedded["cpu_s_until_quiet"] > 0
    assert embedded["resources_theme"]["n"] > 0 and embedded["resources_theme"]["errors"] == 0
    assert embedded["resources_theme"]["total"] == api["remote"]["resources_theme"]["total"] > 0
    http = embedded["http"]
    assert {"theme", "six_lessons"} <= set(http)
    assert http["theme"]["bytes"]["ours"] > 0 and http["theme"]["bytes"]["engine"] > 0
    summary = embedded["summary"]
    assert summary["theme_cpu_ratio"] > 0 and summary["cq_geo_cpu_ratio"] > 0
    assert embedded["rss"]["ours"] > 0 and embedded["rss"]["engine"] > 0 and embedded["store_disk_bytes"] > 0
    assert api["remote"]["server_rss"] > 0 and api["remote"]["server_disk_bytes"] > 0
    assert api["remote_load"]["graphs"] > 0
    (tmp_path / "load").mkdir()
    (tmp_path / "load" / "scale_tiny.json").write_text(json.dumps(result))
    md = report.scale_markdown(tmp_path)
    assert "API start-up, embedded store" in md and "`/sparql` theme query" in md, md


def test_a_scale_run_can_take_a_folder_of_data_that_prepare_did_not_finish(tmp_path):
    ds = _tiny(tmp_path)
    found = scale.dataset_in(ds.trig_dir, "cut")  # no meta.json: the quads are counted
    assert (found.size, found.quads, found.nquads) == ("cut", ds.quads, ds.nquads)
    (ds.trig_dir / "qikg.trig").unlink()
    with pytest.raises(SystemExit, match="no qikg.trig"):
        scale.dataset_in(ds.trig_dir, "cut")
