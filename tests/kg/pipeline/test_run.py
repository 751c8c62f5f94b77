"""The whole build: are all files written, byte-identical on a rebuild, and is staleness detected?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset

from kg import iris
from kg.pipeline.inputs import input_hashes, is_stale
from kg.pipeline.manifest import RDF_FILES
from kg.pipeline.run import _swap

ROOT = Path(__file__).resolve().parents[3]
DETERMINISTIC = (*RDF_FILES, "qikg.gexf", "graph.html", "ontology.html")


def test_the_build_writes_every_file_and_a_manifest(real_build) -> None:
    result, out = real_build
    for name in (*DETERMINISTIC, "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"] == input_hashes()
    assert manifest["counts"]["qi:Question"] == 5
    assert manifest["counts"]["qi:Lesson"] == 6
    assert set(manifest["files"]) >= set(DETERMINISTIC)
    assert result.timings["total_s"] > 0


def test_the_trig_holds_facts_tbox_thesaurus_and_inferences_as_named_graphs(real_build) -> None:
    _, out = real_build
    ds = Dataset()
    ds.parse(out / "qikg.trig", format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {str(iris.ONTOLOGY_GRAPH), str(iris.THEMES_GRAPH), str(iris.INFERRED_GRAPH)} <= names
    assert any(n.startswith(str(iris.GRAPH["source/"])) for n in names)


def test_a_rebuild_in_another_process_is_byte_identical(real_build, tmp_path: Path) -> None:
    _, out = real_build
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    code = f"from pathlib import Path; from kg.pipeline.run import build; build(Path({str(again)!r}))"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    for name in DETERMINISTIC:
        assert (again / name).read_bytes() == (out / name).read_bytes(), f"{name} differs between two builds"


def test_staleness_follows_the_inputs(real_build, tmp_path: Path) -> None:
    _, out = real_build
    assert not is_stale(out)
    assert is_stale(tmp_path / "nothing-here")
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in out.iterdir():
        if p.is_file():  # the build's files, not its loaded store/
            (copy / p.name).write_bytes(p.read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    first = sorted(manifest["inputs"])[0]
    manifest["inputs"][first] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert is_stale(copy)


def test_swap_replaces_the_old_build_only_with_a_complete_one(tmp_path: Path) -> None:
    out, new = tmp_path / "build", tmp_path / ".build.tmp"
    out.mkdir()
    (out / "old.txt").write_text("old")
    new.mkdir()
    (new / "new.txt").write_text("new")
    _swap(new, out)
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_the_manifest_reports_the_seed_build_time(real_build) -> None:
    """seed_build_s: extract, RDF, SHACL + quality checks and HermiT (which runs alongside the checks), no writing."""
    result, out = real_build
    timings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["timings"]
    assert timings == result.timings
    parts = sum(timings[k] for k in ("extract_s", "build_s", "validate_s", "reason_s"))
    assert abs(parts - timings["seed_build_s"]) < 0.1
    assert timings["reason_hermit_s"] > 0 and timings["seed_build_s"] < timings["total_s"]


def test_a_failed_validation_stops_the_reasoner_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from kg.checks import reason
    from kg.pipeline import run as pipeline

    started: list[reason.Reasoning] = []

    class Watched(reason.Reasoning):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    def broken_validation(ds, **kwargs):
        from kg.checks.validate import Finding

        return [Finding("Violation", "https://w3id.org/qikg/id/x", "a rule", "broken on purpose", 1)]

    monkeypatch.setattr(reason, "Reasoning", Watched)
    monkeypatch.setattr("kg.checks.validate.validate_dataset", broken_validation)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(pipeline.BuildError, match="broken on purpose"):
        pipeline.build(tmp_path / "build")
    assert len(started) == 1 and started[0].process is not None and started[0].process.poll() is not None
    # no HermiT files, no half-written build; the sources' records stay cached for the next build (no build state)
    from kg.pipeline.cache import cache_dir

    cache = cache_dir(tmp_path / "build")
    assert [p for p in tmp_path.iterdir() if p != cache] == []
    assert not (cache / "state.json").exists()


def test_the_graph_views_code_is_an_input_of_the_build() -> None:
    """The build writes graph.html, so a change to the view's script, style, template or queries rebuilds it."""
    inputs = input_hashes()
    for name in (
        "visualizations/static/graph.js",
        "visualizations/static/graph.css",
        "visualizations/render.py",
        "visualizations/templates/graph.html.j2",
        "visualizations/queries/nodes.rq",
    ):
        assert f"package:{name}" in inputs, name  # package data, named wherever qikg is installed
