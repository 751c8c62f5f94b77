"""A host adds the next chats of the series with `qikg add REPORT.txt` (the invented reports of
tests/kg/extract/fixtures, TEST DATA): a dry run first, then the add; people, organisations, resources and the
announced chat are shared nodes; `qikg remove` gives back exactly the graph without the chat."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset
from typer.testing import CliRunner

from kg import iris
from kg.cli import app
from kg.iris import QI

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
JAN = FIXTURES / "leadingqi-2023-01-31-report.txt"
FEB = FIXTURES / "leadingqi-2023-02-28-report.txt"
PUBLISHED = ("qikg.trig", "qikg.ttl", "qikg.nt", "qikg.jsonld")
runner = CliRunner()


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    folder = tmp_path / "chats"
    folder.mkdir()
    shutil.copyfile(SEED, folder / SEED.name)
    shutil.copyfile(SEED.with_name(f"{SEED.stem}.curation.yaml"), folder / f"{SEED.stem}.curation.yaml")
    path = folder / "registry.yaml"
    (folder / "registry.yaml").write_text("sources: []\n", encoding="utf-8")
    result = runner.invoke(app, ["add", str(folder / SEED.name), "--registry", str(path), "--no-build"])
    assert result.exit_code == 0, result.output
    return path


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in PUBLISHED}


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_dry_run_shows_what_the_report_brings_and_changes_nothing(registry: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in registry.parent.iterdir()}
    out = _run("add", str(FEB), "--dry-run", "--registry", str(registry), "--out", str(tmp_path / "build"))
    assert "would be added as chat 2023-02-28" in " ".join(out.split())
    assert "@GraceAdeyemiICB (Grace Adeyemi), line" in out
    assert "Riverside Integrated Care Board (riverside-integrated-care-board, kind other)" in out
    assert "@JIMMY_PARVIN (line" in out and "is @jimmy_parvin" in out and "same handle up to case" in out
    assert "Tweet activity: no such section" in out
    assert {p.name: p.read_bytes() for p in registry.parent.iterdir()} == before
    assert not (tmp_path / "build").exists()


def test_a_dry_run_of_a_bad_curation_file_names_its_line_and_exits_2(registry: Path, tmp_path: Path) -> None:
    report = tmp_path / JAN.name
    shutil.copyfile(JAN, report)
    curation = tmp_path / f"{JAN.stem}.curation.yaml"
    curation.write_text("resources:\n  - {at: 'no such words anywhere', reason: r}\n", encoding="utf-8")
    result = runner.invoke(app, ["add", str(report), "--dry-run", "--registry", str(registry)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{curation}:2: resources[0].at: the words 'no such words anywhere' are on no line" in " ".join(
        result.output.split()
    ).replace(f"{curation}: 2", f"{curation}:2")


@pytest.mark.timeout(900)
def test_add_shares_nodes_across_chats_and_remove_gives_back_the_graph(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    seed_only = _files(out)
    _run("add", str(JAN), "--out", str(out), "--no-reason", "--registry", str(registry))
    assert (registry.parent / JAN.name).is_file()
    ds = Dataset()
    ds.parse(out / "qikg.trig", format="trig")
    jan_graph = ds.graph(iris.source_graph("leadingqi-2023-01-31"))
    seed_graph = ds.graph(iris.source_graph("leadingqi-2022-10-19"))
    # a handle in other case is the same person: @helenbevan's tweet is by the first chat's @HelenBevan
    helen = iris.participant("HelenBevan")
    assert (None, QI.saidBy, helen) in jan_graph and (None, QI.saidBy, helen) in seed_graph
    assert len({o for o in jan_graph.objects(None, QI.saidBy) if "helenbevan" in str(o).lower()}) == 1
    # a resource shared again is one resource with both chats
    habits = iris.resource("the-habits-of-an-improver")
    assert (habits, None, None) in jan_graph and (habits, None, None) in seed_graph
    # an organisation printed the same way is one node; the chat the first report announced is one node
    assert (iris.organisation("surrey-and-sussex-healthcare-nhs-trust"), None, None) in jan_graph
    chat = iris.chat("2023-01-31")
    assert (chat, None, None) in jan_graph and (chat, QI.announcedIn, None) in seed_graph
    assert len({o for g in ds.graphs() for o in g.objects(chat, QI.status)}) == 1  # held, no longer announced
    _run("remove", "2023-01-31", "--out", str(out), "--no-reason", "--registry", str(registry))
    assert not (registry.parent / JAN.name).exists()
    assert _files(out) == seed_only


@pytest.mark.timeout(900)
def test_a_records_file_starting_at_question_2_with_an_untagged_resource_is_built_with_warnings(
    registry: Path, tmp_path: Path
) -> None:
    from kg.extract.report import extract

    records = extract(JAN)  # TEST DATA: questions 2 and 3 only
    chat = records.chat.model_copy(update={"title": "Tea chat", "subject": None})  # a title naming no theme either
    path = tmp_path / "leadingqi-2023-01-31.json"
    path.write_text(records.model_copy(update={"chat": chat}).model_dump_json(), encoding="utf-8")
    out = tmp_path / "build"
    result = runner.invoke(app, ["add", str(path), "--out", str(out), "--no-reason", "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "question 2 has no question 1 before it" in text and "Warning" in text
    assert "tea-and-toast-at-nine" in text and "resource has no theme" in text


def test_a_reports_curation_file_is_added_and_removed_with_it(registry: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "inbox"
    elsewhere.mkdir()
    report = elsewhere / JAN.name
    shutil.copyfile(JAN, report)
    (elsewhere / f"{JAN.stem}.curation.yaml").write_text(
        "themes:\n  items:\n    - {resource: tea-and-toast-at-nine, themes: [human-connection], at: 'Tea and toast',"
        " reason: a podcast about the human side}\n",
        encoding="utf-8",
    )
    _run("add", str(report), "--registry", str(registry), "--no-build")
    copied = registry.parent / f"{JAN.stem}.curation.yaml"
    assert copied.read_bytes() == (elsewhere / copied.name).read_bytes()
    from kg.sources.registry import load_records

    [theme] = load_records(registry.parent / JAN.name).curated_themes
    assert (theme.resource, theme.themes) == ("tea-and-toast-at-nine", ["human-connection"])
    _run("remove", "2023-01-31", "--registry", str(registry), "--no-build")
    assert not copied.exists() and not (registry.parent / JAN.name).exists()
