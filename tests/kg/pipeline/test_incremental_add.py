"""`qikg add` into a built graph redoes only what the new chat changes (cached records, SHACL over the changed part)
and still writes exactly what a full build of the same registry writes, refuses what a full build refuses, and
`qikg remove` afterwards gives back the files of before (the invented reports of tests/kg/extract/fixtures, TEST DATA).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import iris
from kg.cli import app
from kg.extract.report import extract
from kg.pipeline import run
from kg.pipeline.cache import cache_dir, source_key
from kg.pipeline.run import extract_all
from kg.sources.registry import Registry

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
JAN = FIXTURES / "leadingqi-2023-01-31-report.txt"
FEB = FIXTURES / "leadingqi-2023-02-28-report.txt"
runner = CliRunner()


def _registry(folder: Path, *reports: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copyfile(SEED.with_name(f"{SEED.stem}.curation.yaml"), folder / f"{SEED.stem}.curation.yaml")
    registry = Registry(folder / "registry.yaml", [])
    registry.save()
    for report in (SEED, *reports):
        shutil.copyfile(report, folder / report.name)
        registry.add(folder / report.name)
    return registry.path


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _folder(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and p.name != "manifest.json"}


def _manifest(out: Path) -> dict:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k != "timings"}


@pytest.mark.timeout(900)
def test_an_added_chat_gives_the_files_of_a_full_build_and_remove_gives_back_the_ones_before(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "chats", JAN)  # JAN starts at question 2: a SHACL warning the add must keep
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    before, manifest_before = _folder(out), _manifest(out)

    _run("add", str(FEB), "--out", str(out), "--no-reason", "--registry", str(registry))
    timings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["timings"]
    assert "shacl_region_s" in timings  # the add validated what the new chat changes, not everything
    full = tmp_path / "full"
    _run("build", "--out", str(full), "--no-reason", "--registry", str(registry))
    assert "shacl_region_s" not in json.loads((full / "manifest.json").read_text(encoding="utf-8"))["timings"]
    assert _folder(out) == _folder(full)
    assert _manifest(out) == _manifest(full)  # the warnings (SHACL's of the chats before included) too
    assert any("QuestionNumberingShape" in w and "2023-01-31" in w for w in _manifest(out)["warnings"])

    _run("remove", "2023-02-28", "--out", str(out), "--no-reason", "--registry", str(registry))
    assert _folder(out) == before
    assert _manifest(out) == manifest_before


@pytest.mark.timeout(900)
def test_with_the_reasoner_an_add_and_a_remove_reason_over_the_region_and_give_the_full_builds_files(
    tmp_path: Path,
) -> None:
    registry = _registry(tmp_path / "chats", JAN)
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--registry", str(registry))
    before, manifest_before = _folder(out), _manifest(out)

    store_before = _stored(out)
    said = _run("add", str(FEB), "--out", str(out), "--registry", str(registry))
    assert "reasoned over the changed region" in said
    assert "changed graph(s) into the store" in " ".join(said.split())  # the new chat's, the seed's, the inferred
    assert "reason_region_s" in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["timings"]
    full = tmp_path / "full"
    _run("build", "--out", str(full), "--registry", str(registry))
    assert "reason_region_s" not in json.loads((full / "manifest.json").read_text(encoding="utf-8"))["timings"]
    assert _folder(out) == _folder(full)  # qikg.trig holds the inferred graph: the same types, byte for byte
    assert _manifest(out) == _manifest(full)
    assert _stored(out) == _stored(full)  # the store, default graph (the merge) included

    said = _run("remove", "2023-02-28", "--out", str(out), "--registry", str(registry))
    assert "reasoned over the changed region" in said
    assert _folder(out) == before
    assert _manifest(out) == manifest_before
    assert _stored(out) == store_before


def _stored(out: Path) -> tuple[set, int, list[str], bool]:
    """The store a server of `out` opens: its quads without blank nodes (a load labels those anew), its count, its
    named graphs, whether it is loaded under the build's key."""
    import pyoxigraph as ox

    from kg.pipeline.manifest import build_key
    from kg.store import OxigraphStore

    store = OxigraphStore(out / "store")
    try:
        quads = {
            q
            for q in store._require().quads_for_pattern(None, None, None, None)
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
        }
        return quads, store.triple_count(), store.named_graphs(), store.loaded_key() == build_key(out)
    finally:
        store.close()


@pytest.mark.timeout(900)
def test_an_add_after_a_build_without_the_reasoner_reasons_over_everything_and_says_why(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "chats")
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    said = _run("add", str(JAN), "--out", str(out), "--registry", str(registry))
    assert "reasoned over everything: the build before kept no inferred types" in said
    full = tmp_path / "full"
    _run("build", "--out", str(full), "--registry", str(registry))
    assert _folder(out) == _folder(full)


def _organisation_account(tmp_path: Path) -> Path:
    """The February chat as a records file in which @Sutcliffe1987, a person in the seed chat, is an organisation's
    account: one node, one kind, so the seed's graph of him changes too (he is a team's account there as well)."""
    records = extract(FEB)
    accounts = [
        a.model_copy(update={"kind": "organisation"}) if a.handle == "Sutcliffe1987" else a for a in records.accounts
    ]
    path = tmp_path / "leadingqi-2023-02-28.json"
    path.write_text(records.model_copy(update={"accounts": accounts}).model_dump_json(indent=1), encoding="utf-8")
    return path


@pytest.mark.timeout(900)
def test_a_chat_that_changes_a_shared_accounts_kind_is_validated_whole_and_gives_the_full_builds_files(
    tmp_path: Path,
) -> None:
    registry = _registry(tmp_path / "chats")
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    bad = _organisation_account(tmp_path)

    _run("add", str(bad), "--out", str(out), "--no-reason", "--registry", str(registry))
    timings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["timings"]
    assert "shacl_region_s" not in timings  # the seed's graph changed: not a pure addition, so everything
    full = tmp_path / "full"
    _run("build", "--out", str(full), "--no-reason", "--registry", str(registry))
    assert _folder(out) == _folder(full)
    assert _manifest(out) == _manifest(full)
    from rdflib import RDF, Dataset

    from kg.iris import QI

    built = Dataset()
    built.parse(out / "qikg.trig", format="trig")
    seed_graph = built.graph(iris.source_graph("leadingqi-2022-10-19"))
    assert (iris.participant("Sutcliffe1987"), RDF.type, QI.OrganisationAccount) in seed_graph


def test_a_violation_through_a_shared_node_is_found_by_the_region_as_by_the_whole_graph() -> None:
    """The new graph alone says nothing wrong; with the old graph's statement about the same node it breaks a
    shape (two values where one is allowed): the region's SHACL finds what SHACL over everything finds."""
    from rdflib import XSD, Dataset, Literal, URIRef

    from kg.checks.region import changed_region
    from kg.checks.validate import shacl_findings, shacl_graph_findings
    from kg.iris import QI
    from kg.rdf import ontology
    from kg.rdf.assemble import assemble

    ds = assemble(extract_all([SEED]), [])
    person = iris.participant("Sutcliffe1987")
    seed_graph = iris.source_graph("leadingqi-2022-10-19")
    assert (person, QI.isOrganisationAccount, Literal(False)) in ds.graph(seed_graph)
    new_graph = URIRef(str(iris.source_graph("leadingqi-2099-01-01")))
    ds.graph(new_graph).add((person, QI.isOrganisationAccount, Literal(True, datatype=XSD.boolean)))
    alone = Dataset()
    alone.graph(new_graph).add((person, QI.isOrganisationAccount, Literal(True, datatype=XSD.boolean)))
    shapes, tbox = ontology.shapes(), ds.graph(iris.ONTOLOGY_GRAPH)
    assert not [f for f in shacl_findings(alone, shapes, tbox) if f.node == str(person)]

    region = changed_region(ds, [new_graph])
    assert person in region.nodes
    in_region = {f for f in shacl_graph_findings(region.subset, shapes, tbox) if f.node == str(person)}
    everywhere = {f for f in shacl_findings(ds, shapes, tbox) if f.node == str(person)}
    assert everywhere and in_region == everywhere
    assert any("isOrganisationAccount" in f.message or "ParticipantShape" in f.rule for f in everywhere)


def test_an_unchanged_source_is_not_extracted_again_and_a_changed_curation_is(tmp_path: Path, monkeypatch) -> None:
    registry = _registry(tmp_path / "chats", JAN)
    sources = Registry.load(registry).sources()
    cache = cache_dir(tmp_path / "build")
    first = extract_all(sources, cache)
    assert first == extract_all(sources)  # what the cache gives back is what extraction gives

    extracted: list[Path] = []
    real = run.load_records
    monkeypatch.setattr(run, "load_records", lambda path: extracted.append(path) or real(path))
    assert extract_all(sources, cache) == first and extracted == []

    curation = sources[0].with_name(f"{sources[0].stem}.curation.yaml")
    key = source_key(sources[0])
    curation.write_text(curation.read_text(encoding="utf-8") + "\n# reviewed again\n", encoding="utf-8")
    assert source_key(sources[0]) != key
    jan = sources[1]
    jan_key = source_key(jan)
    jan.write_text(jan.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert source_key(jan) != jan_key
    extract_all(sources, cache)
    assert extracted == sources  # both extracted again
