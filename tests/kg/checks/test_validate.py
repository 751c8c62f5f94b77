"""Checks: does a broken record stop the build with a message naming node, rule and line, keeping the last build?"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from kg import iris
from kg.checks.validate import Finding, qc_findings, shacl_findings, validate_dataset
from kg.iris import QI
from kg.rdf import ontology
from kg.rdf.build import build_dataset
from kg.records import ChatRecords

SLUG = "2022-10-19"


def _dataset(records: ChatRecords) -> Dataset:
    from kg.sources.aliases import AliasTable

    return build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus())


def _about(findings: list[Finding], node) -> list[Finding]:
    return [f for f in findings if f.node == str(node)]


def test_the_real_build_has_no_violations(real_build) -> None:
    result, _ = real_build
    assert [f for f in result.findings if f.is_violation] == []


def test_an_empty_quote_is_a_violation_naming_node_rule_and_line(records: ChatRecords) -> None:
    broken = records.quotes[1].model_copy(update={"text": ""})  # the comment of line 197, words lost
    records = records.model_copy(update={"quotes": [records.quotes[0], broken, *records.quotes[2:]]})
    ds = _dataset(records)
    found = _about(shacl_findings(ds, ontology.shapes(), ontology.tbox()), iris.quote(SLUG, broken.number))
    assert found, "the empty quote was not reported"
    f = found[0]
    assert f.is_violation and f.line == 197 and "qi:text" in f.rule and "QuoteShape" in f.rule
    assert "qi:text" in f.message and "line 197" in str(f)


def test_shapes_see_subclasses_through_the_tbox(records: ChatRecords) -> None:
    """A tweet without an author breaks the shape on qi:Quote: only found when the TBox says Tweet ⊑ Quote."""
    ds = _dataset(records)
    facts = ds.graph(iris.source_graph(records.source_slug))
    tweet = iris.quote(SLUG, 1)
    facts.remove((tweet, QI.saidBy, None))
    found = _about(shacl_findings(ds, ontology.shapes(), ontology.tbox()), tweet)
    assert any("saidBy" in f.rule and f.line == 232 for f in found)


def test_a_quality_check_row_is_a_finding_with_its_line(records: ChatRecords) -> None:
    ds = _dataset(records)
    facts = ds.graph(iris.source_graph(records.source_slug))
    quote = iris.quote(SLUG, 3)
    facts.remove((quote, QI.hasTheme, None))
    found = _about(qc_findings(ds), quote)
    assert any(f.rule == "qc/quote-without-theme.rq" and f.line == 173 and f.origin == "qc" for f in found)


def test_a_broken_record_stops_the_build_and_the_last_build_survives(
    real_build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from kg.pipeline import run as pipeline

    _, good = real_build
    out = tmp_path / "build"
    shutil.copytree(good, out)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()}
    real_extract = pipeline.extract_all

    def broken_extract(sources: list[Path], cache: Path | None = None) -> list[ChatRecords]:
        recs = real_extract(sources)  # never from the cache: the record is broken after reading
        quotes = list(recs[0].quotes)
        quotes[5] = quotes[5].model_copy(update={"text": ""})
        return [recs[0].model_copy(update={"quotes": quotes})]

    monkeypatch.setattr(pipeline, "extract_all", broken_extract)
    with pytest.raises(pipeline.BuildError) as failure:
        pipeline.build(out, reasoner=False)
    message = str(failure.value)
    assert "violation" in message and "qi:text" in message and "line " in message
    assert failure.value.findings and failure.value.findings[0].line is not None
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["build"]  # no temporary directory left behind


def test_validate_dataset_uses_the_project_shapes_by_default(records: ChatRecords) -> None:
    ds = _dataset(records)
    assert isinstance(validate_dataset(ds), list)
    assert isinstance(ontology.shapes(), Graph)
