"""A research group builds a graph from later reports of the series without the first one (`qikg build --registry`,
the invented reports of tests/kg/extract/fixtures, TEST DATA): a fact of the shared curation that names an
organisation or an account only the first report prints (Warwick Business School is part of the University of
Warwick; @crumpy11 and @WBSProfBC are one person) is left out of that chat's graph with a warning naming the curation
file's line, so the build validates (SHACL + HermiT) and serves; a report that prints the parent states the link."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, XSD
from typer.testing import CliRunner

from kg import iris
from kg.cli import app
from kg.iris import ORG, QI

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
SEPT = FIXTURES / "leadingqi-2023-09-26-report.txt"  # prints @crumpy11 on its panel, never @WBSProfBC
JUNE = FIXTURES / "leadingqi-2024-06-25-report.txt"
DATA = ROOT / "kg" / "data"
WBS = iris.organisation("warwick-business-school")
UOW = iris.organisation("university-of-warwick")
runner = CliRunner()


def _line_of(path: Path, words: str) -> int:
    """The line of a curation file that holds `words` (found, never written down: the file changes)."""
    return next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if words in text)


def _registry(tmp_path: Path, *reports: Path) -> Path:
    """A registry of exactly these reports, made the way a user makes one (`qikg add --no-build`)."""
    registry = tmp_path / "chats" / "registry.yaml"
    registry.parent.mkdir(exist_ok=True)
    registry.write_text("sources: []\n", encoding="utf-8")
    for report in reports:
        result = runner.invoke(app, ["add", str(report), "--registry", str(registry), "--no-build"])
        assert result.exit_code == 0, result.output
    return registry


def _build(registry: Path, out: Path, *options: str) -> str:
    """The build's warnings (its manifest's), one a line."""
    result = runner.invoke(app, ["build", "--registry", str(registry), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return "\n".join(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["warnings"])


def _dataset(out: Path) -> Dataset:
    """The build's graphs as one: what every query sees."""
    ds = Dataset(default_union=True)
    ds.parse(out / "qikg.trig", format="trig")
    return ds


def _every_parent_is_an_organisation(ds: Dataset) -> None:
    for child, parent in ds.subject_objects(ORG.subOrganizationOf, unique=True):
        assert (parent, RDF.type, QI.Organisation) in ds, f"{child} is part of {parent}, which is no organisation"


@pytest.mark.timeout(900)
def test_a_later_report_alone_builds_and_leaves_out_the_links_to_what_it_does_not_print(tmp_path: Path) -> None:
    out = tmp_path / "build"
    output = _build(_registry(tmp_path, SEPT), out)  # SHACL and HermiT run: a violation fails the build
    part_of = _line_of(DATA / "organisations.yaml", "part_of: university-of-warwick")
    same_agent = _line_of(DATA / "aliases.yaml", "handles: [crumpy11, WBSProfBC]")
    assert re.search(
        rf"(?m)^\S*/{re.escape(SEPT.name)}:\d+: organisations: Warwick Business School is part of "
        rf"university-of-warwick by kg/data/organisations.yaml:{part_of}, which this report does not print",
        output,
    ), output
    assert f"kg/data/aliases.yaml:{same_agent}: same_agent: @WBSProfBC is not in {SEPT.name}: " in output
    ds = _dataset(out)
    assert (WBS, RDF.type, QI.Organisation) in ds
    assert (UOW, None, None) not in ds and (None, None, UOW) not in ds  # nothing this report states names it
    assert not list(ds.triples((None, QI.sameAgentAs, None)))
    assert (iris.participant("crumpy11"), RDF.type, QI.Participant) in ds
    _every_parent_is_an_organisation(ds)


@pytest.mark.timeout(900)
def test_a_later_report_that_prints_the_parent_states_the_link(tmp_path: Path) -> None:
    text = JUNE.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(text) if "hosted by Warwick Business School" in line)
    text.insert(at + 1, "\nWarwick Business School is a department of the University of Warwick.\n")
    report = tmp_path / JUNE.name
    report.write_text("".join(text), encoding="utf-8")
    out = tmp_path / "build"
    output = _build(_registry(tmp_path, report), out, "--no-reason")
    assert "organisations: Warwick Business School is part of" not in output
    ds = _dataset(out)
    assert (WBS, ORG.subOrganizationOf, UOW) in ds
    printed = Literal(at + 3, datatype=XSD.integer)  # the line that prints it (1-based, after the blank one)
    assert ds.value(UOW, QI.sourceLine) == printed
    _every_parent_is_an_organisation(ds)


@pytest.mark.timeout(900)
def test_a_part_of_in_the_reports_own_curation_is_warned_about_at_its_line(tmp_path: Path) -> None:
    report = tmp_path / JUNE.name
    shutil.copyfile(JUNE, report)
    curation = tmp_path / f"{JUNE.stem}.curation.yaml"
    curation.write_text(
        "# TEST DATA: an invented parent the report does not print\norganisations:\n"
        "  - {slug: harwood-university-hospitals, name: Harwood University Hospitals, kind: trust,\n"
        "     part_of: harwood-and-vale-health-system}\n",  # line 4: the warning names it
        encoding="utf-8",
    )
    out = tmp_path / "build"
    output = _build(_registry(tmp_path, report), out, "--no-reason")
    copied = re.escape(f"{JUNE.stem}.curation.yaml")
    said = rf"(?m)^\S*/{re.escape(JUNE.name)}:\d+: organisations: Harwood University Hospitals is part of \S+ by "
    said += rf"\S*/{copied}:4, "
    assert re.search(said, output), output
    ds = _dataset(out)
    harwood = iris.organisation("harwood-university-hospitals")
    assert (harwood, RDF.type, QI.Organisation) in ds
    assert ds.value(harwood, ORG.subOrganizationOf) is None
    _every_parent_is_an_organisation(ds)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timeout(900)
def test_two_later_reports_without_the_first_build_and_serve(tmp_path: Path) -> None:
    out = tmp_path / "build"
    _build(_registry(tmp_path, SEPT, JUNE), out)
    _every_parent_is_an_organisation(_dataset(out))
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "QIKG_RELOAD_INTERVAL": "0"}
    command = [
        str(Path(sys.executable).with_name("qikg")),
        "serve",
        "--data",
        str(out),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(240):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, log.read_text(errors="replace")
                time.sleep(0.25)
            hosts = client.post(
                "/sparql",
                data={"query": "SELECT DISTINCT ?o WHERE { ?c <https://w3id.org/qikg/ontology#host> ?o }"},
                headers={"Accept": "application/sparql-results+json"},
            ).json()["results"]["bindings"]
            assert [h["o"]["value"] for h in hosts] == [str(WBS)]
            for path in ("/health", "/api/themes", "/api/network/people", "/api/organisations"):
                assert client.get(path).status_code == 200, path
            page = client.get(str(WBS).removeprefix("https://w3id.org/qikg"), headers={"Accept": "text/html"})
            assert page.status_code == 200 and "Warwick Business School" in page.text
            assert client.get("/api/network/people").json()["nodes"] > 0
            crump = client.get("/api/participants/crumpy11")  # one account of a person the first report joins
            assert crump.status_code == 200 and "sameAgentAs" not in crump.text
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log.read_text(errors="replace")


def test_the_parent_is_checked_against_the_organisation_node(tmp_path: Path) -> None:
    """The check the tests above rely on fails on a graph that names a parent with no node."""
    ds = Dataset(default_union=True)
    ds.add((WBS, RDF.type, QI.Organisation))
    ds.add((WBS, ORG.subOrganizationOf, URIRef(str(UOW))))
    with pytest.raises(AssertionError):
        _every_parent_is_an_organisation(ds)
