"""`qikg` on the command line: build, query (table/csv/json), validate, stats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app

runner = CliRunner()
COUNT_QUESTIONS = "SELECT (COUNT(?q) AS ?n) WHERE { ?q a qi:Question }"
PANEL = "SELECT ?handle WHERE { ?p qi:panelistOf ?chat ; qi:handle ?handle } ORDER BY ?handle"


@pytest.fixture(scope="module")
def data(real_build) -> Path:
    return real_build[1]


def test_build_prints_a_summary_per_class(tmp_path: Path) -> None:
    out = tmp_path / "b"
    result = runner.invoke(app, ["build", "--out", str(out), "--no-reason"])
    assert result.exit_code == 0, result.output
    assert "qi:Quote" in result.output or "qi:Tweet" in result.output
    assert "qi:Question" in result.output and (out / "qikg.trig").is_file()


def test_query_as_a_table(data: Path) -> None:
    result = runner.invoke(app, ["query", COUNT_QUESTIONS, "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "1 row(s)" in result.output and "5" in result.output


def test_query_resolves_relative_iris_as_the_endpoint_does(data: Path) -> None:
    """/sparql resolves `<x>` against its IRI under the data's base; `qikg query` the same way, not a syntax error."""
    from kg.settings import Settings

    query = "SELECT (<x> AS ?b) WHERE {}"
    result = runner.invoke(app, ["query", query, "--format", "csv", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert Settings().base_iri.rstrip("/") + "/x" in result.stdout


def test_query_as_csv(data: Path) -> None:
    result = runner.invoke(app, ["query", PANEL, "--format", "csv", "--data", str(data)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["handle"] and ["crumpy11"] in rows and len(rows) == 10


def test_query_as_json_from_a_file(data: Path, tmp_path: Path) -> None:
    rq = tmp_path / "count.rq"
    rq.write_text("PREFIX qi: <https://w3id.org/qikg/ontology#>\n" + COUNT_QUESTIONS, encoding="utf-8")
    result = runner.invoke(app, ["query", str(rq), "--format", "json", "--data", str(data)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["head"]["vars"] == ["n"]
    assert answer["results"]["bindings"][0]["n"]["value"] == "5"


def test_query_refuses_service_and_bad_syntax(data: Path) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert runner.invoke(app, ["query", service, "--data", str(data)]).exit_code == 2
    assert runner.invoke(app, ["query", "SELECT WHERE {", "--data", str(data)]).exit_code == 2
    assert runner.invoke(app, ["query", COUNT_QUESTIONS, "--format", "yaml", "--data", str(data)]).exit_code == 2


def test_query_speaks_the_endpoints_result_formats(data: Path) -> None:
    """`qikg query` writes what /sparql writes: SPARQL XML and TSV too."""
    xml = runner.invoke(app, ["query", COUNT_QUESTIONS, "--format", "xml", "--data", str(data)])
    assert xml.exit_code == 0 and "<sparql" in xml.stdout and ">5<" in xml.stdout, xml.output
    tsv = runner.invoke(app, ["query", PANEL, "--format", "tsv", "--data", str(data)])
    assert tsv.exit_code == 0 and tsv.stdout.splitlines()[0] == "?handle" and '"crumpy11"' in tsv.stdout


def test_query_without_a_build_says_how_to_make_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", COUNT_QUESTIONS, "--data", str(tmp_path)])
    assert result.exit_code == 2 and "qikg build" in result.output


def test_stats_reads_the_manifest(data: Path) -> None:
    result = runner.invoke(app, ["stats", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "qi:Participant" in result.output and "Triples per named graph" in result.output


def test_validate_passes_on_the_real_report() -> None:
    result = runner.invoke(app, ["validate", "--no-reason"])
    assert result.exit_code == 0, result.output


def test_validate_exits_1_and_names_the_broken_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.pipeline import run as pipeline

    real_extract = pipeline.extract_all

    def broken_extract(sources):
        recs = real_extract(sources)
        quotes = list(recs[0].quotes)
        quotes[0] = quotes[0].model_copy(update={"text": ""})
        return [recs[0].model_copy(update={"quotes": quotes})]

    monkeypatch.setattr(pipeline, "extract_all", broken_extract)
    result = runner.invoke(app, ["validate", "--no-reason"])
    assert result.exit_code == 1
    assert "quote/2022-10-19/1" in result.output and "Violation" in result.output


def test_a_syntax_error_is_reported_at_the_users_own_line(data: Path) -> None:
    """The known prefixes go to the engine beside the text, not as PREFIX lines before it: line 3 stays line 3."""
    query = "SELECT ?h\nWHERE {\n  ?p qi:handle ?h ) .\n}"
    result = runner.invoke(app, ["query", query, "--data", str(data)])
    assert result.exit_code == 2, result.output
    column = query.split("\n")[2].index(")") + 1
    said = " ".join(result.output.split())  # the message may be wrapped to the terminal
    assert f"line 3, column {column}" in said, said


def test_known_prefixes_still_work_beside_a_prefix_of_the_users_own(data: Path) -> None:
    query = "PREFIX ex: <http://example.org/>\n" + COUNT_QUESTIONS
    result = runner.invoke(app, ["query", query, "--format", "csv", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["n", "5"]
