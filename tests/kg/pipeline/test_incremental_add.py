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
from kg.pipeline.run import BuildError, build, extract_all
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


def _organisation_account(tmp_path: Path) -> Path:
    """The February chat as a records file in which @Sutcliffe1987, a person in the seed chat, is an organisation's
    account: its graph alone says nothing wrong about him, with the seed's it breaks qi:OrganisationAccountShape (an
    organisation's account is not a foaf:Person) and qi:isOrganisationAccount's one value."""
    records = extract(FEB)
    accounts = [
        a.model_copy(update={"kind": "organisation"}) if a.handle == "Sutcliffe1987" else a for a in records.accounts
    ]
    path = tmp_path / "leadingqi-2023-02-28.json"
    path.write_text(records.model_copy(update={"accounts": accounts}).model_dump_json(indent=1), encoding="utf-8")
    return path


@pytest.mark.timeout(900)
def test_a_chat_breaking_a_shape_through_a_shared_person_is_refused_as_a_full_build_refuses_it(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "chats")
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    kept = _folder(out)
    bad = _organisation_account(tmp_path)

    result = runner.invoke(app, ["add", str(bad), "--out", str(out), "--no-reason", "--registry", str(registry)])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "participant/sutcliffe1987> (line 17) breaks qi:OrganisationAccountShape" in said
    assert _folder(out) == kept
    assert [e.chat for e in Registry.load(registry).entries] == ["2022-10-19"]

    sources = Registry.load(registry).sources() + [bad]
    with pytest.raises(BuildError) as incremental:
        build(tmp_path / "build", sources, reasoner=False, load_store=False, incremental=True)
    with pytest.raises(BuildError) as full:
        build(tmp_path / "other", sources, reasoner=False, load_store=False)
    assert set(incremental.value.findings) == set(full.value.findings)
    person = str(iris.participant("Sutcliffe1987"))
    assert any(f.node == person and "OrganisationAccountShape" in f.rule for f in full.value.findings)


def test_the_new_graph_alone_conforms_so_the_refusal_needs_the_shared_persons_other_statements(tmp_path: Path) -> None:
    from kg.checks.validate import shacl_findings
    from kg.rdf import ontology
    from kg.rdf.assemble import assemble

    ds = assemble(extract_all([_organisation_account(tmp_path)]), [])
    person = str(iris.participant("Sutcliffe1987"))
    assert not [f for f in shacl_findings(ds, ontology.shapes(), ontology.tbox()) if f.node == person]


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
