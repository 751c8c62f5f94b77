"""Is a core resource of the series one node when one chat lists it as core and another shares it in its table?

The first report lists the evaluation report and the blog of its six lessons as core resources; the invented
reports here (TEST DATA, made from the January and June fixtures) print them again as rows of their shared-resources
tables, in two table layouts (`Shared by<TAB>Resource` with `<p>` cells, `Resource<TAB>Shared by<TAB>Link`), with the
title in other case and with the web address only. One node each, core, shared by the row's sharer, and each report's
line cited (the rules: kg/rdf/identity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, XSD

from kg import iris
from kg.checks.validate import shacl_findings
from kg.extract.report import extract
from kg.iris import QI
from kg.rdf import ontology
from kg.rdf.assemble import assemble
from kg.records import ChatRecords

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
JANUARY = FIXTURES / "leadingqi-2023-01-31-report.txt"
JUNE = FIXTURES / "leadingqi-2023-06-27-report.txt"

EVALUATION = (
    "Leading change across a healthcare system: How to build improvement capability and foster a culture of "
    "continuous improvement: lessons from an evaluation of the NHS-VMI Partnership"
)
BLOG = "Six key lessons from the NHS and Virginia Mason Institute partnership"


def _january_sharing_both(tmp_path: Path) -> Path:
    """January's table (Shared by first, <p> cells) gains the evaluation report and the blog, the blog in capitals."""
    text = JANUARY.read_text(encoding="utf-8")
    row = "<p>@BryanJns</p>\t<p>[Publication] Lucas, B & Nacer, H."
    extra = (
        f'<p>@TomOkaforQI</p>\t<p>[Evaluation Report] Burgess, N. "{EVALUATION}." Warwick Business School; 2022</p>\n'
        f'<p>@PriyaR_QI</p>\t<p>[Blog] Burgess, N. "{BLOG.upper()}". Warwick Business School; 2022</p>\n'
    )
    assert row in text
    out = tmp_path / JANUARY.name
    out.write_text(text.replace(row, extra + row, 1), encoding="utf-8")
    return out


def _june_sharing_the_evaluation(tmp_path: Path) -> Path:
    """June's table (Resource first, a link column) gains the evaluation report, shared by a panelist."""
    text = JUNE.read_text(encoding="utf-8")
    row = "<p>[Video] Hexitime in two minutes</p>"
    extra = f"<p>[Report] Burgess, N. {EVALUATION}. Warwick Business School; 2022</p>\t<p>@OwenPriceQI</p>\t<p></p>\n"
    assert row in text
    out = tmp_path / JUNE.name
    out.write_text(text.replace(row, extra + row, 1), encoding="utf-8")
    return out


def _evaluation_nodes(ds) -> set:
    return {s for s, title in ds.subject_objects(DCTERMS.title) if str(title).casefold().startswith("leading change")}


def _line(path: Path, words: str) -> int:
    return next(
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if words.casefold() in line.casefold()
    )


@pytest.fixture(scope="module")
def seed() -> ChatRecords:
    return extract(SEED)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("core-shared")
    january_path, june_path = _january_sharing_both(folder), _june_sharing_the_evaluation(folder)
    january, june = extract(january_path), extract(june_path)
    warnings: list[str] = []
    ds = assemble([seed, january, june], warnings)
    ds.default_union = True
    return ds, warnings, {"seed": (seed, SEED), "january": (january, january_path), "june": (june, june_path)}


def _core_node(seed: ChatRecords, words: str):
    [res] = [r for r in seed.resources if r.core and r.title and words.casefold() in r.title.casefold()]
    return iris.resource(res.slug), res


@pytest.mark.parametrize("words", [EVALUATION[:40], BLOG])
def test_a_core_resource_another_chat_shares_is_one_node(reports, seed, words):
    ds, _, _ = reports
    node, _ = _core_node(seed, words)
    titled = {
        s for s in ds.subjects(DCTERMS.title, None) if words.casefold() in str(ds.value(s, DCTERMS.title)).casefold()
    }
    assert titled == {node}
    assert not any(str(s).startswith(str(node) + "-") for s in ds.subjects(None, None))  # no numbered twin


def test_the_node_is_core_once_and_shared_by_the_rows_sharers(reports, seed):
    ds, _, _ = reports
    evaluation, _ = _core_node(seed, EVALUATION[:40])
    blog, _ = _core_node(seed, BLOG)
    assert set(ds.objects(evaluation, QI.core)) == {Literal(True)}  # functional: never true and false
    assert set(ds.objects(evaluation, QI.sharedBy)) == {
        iris.participant("TomOkaforQI"),
        iris.participant("OwenPriceQI"),
    }
    assert set(ds.objects(blog, QI.core)) == {Literal(True)}
    assert set(ds.objects(blog, QI.sharedBy)) == {iris.participant("PriyaR_QI")}


def test_each_report_that_prints_it_is_cited_with_its_line(reports, seed):
    ds, _, found = reports
    evaluation, res = _core_node(seed, EVALUATION[:40])
    expected = {
        ("seed", res.line),
        ("january", _line(found["january"][1], "[Evaluation Report] Burgess, N.")),
        ("june", _line(found["june"][1], "[Report] Burgess, N. Leading change")),
    }
    cited = set()
    for name, (records, _) in found.items():
        graph = ds.graph(iris.source_graph(records.source_slug))
        if (evaluation, PROV.wasDerivedFrom, iris.source(records.source_slug)) in graph:
            for line in graph.objects(evaluation, QI.sourceLine):
                cited.add((name, int(line)))
    assert cited == expected
    # the sharing chats' graphs say who shared it, and leave 'core' to the report that lists it as core
    january_graph = ds.graph(iris.source_graph(found["january"][0].source_slug))
    assert (evaluation, QI.sharedBy, iris.participant("TomOkaforQI")) in january_graph
    assert not any(january_graph.objects(evaluation, QI.core))
    assert (evaluation, QI.core, Literal(True, datatype=XSD.boolean)) in ds.graph(iris.source_graph(seed.source_slug))


def test_the_shapes_accept_a_core_resource_that_is_shared_elsewhere(reports):
    ds, _, _ = reports
    findings = shacl_findings(ds, ontology.shapes(), ontology.tbox())
    assert [str(f) for f in findings if f.is_violation] == []


def _june_listing_the_evaluation_as_core(tmp_path: Path) -> Path:
    """June's 'Core reading' gains the evaluation report, printed as the first report prints it."""
    text = JUNE.read_text(encoding="utf-8")
    core = '[Blog] [Burgess, N \\(2022\\)](#), Warwick Business School, "[Six key lessons'
    assert core in text
    listed = f'[Evaluation Report] [Burgess, N \\(2022\\)](#), Warwick Business School, "[{EVALUATION}.](#)"\n\n'
    out = tmp_path / JUNE.name
    out.write_text(text.replace(core, listed + core, 1), encoding="utf-8")
    return out


def test_a_chat_that_shares_it_before_another_lists_it_as_core_does_not_contradict_the_core_one(tmp_path):
    """Chat dates and registry order do not matter: the earlier sharing chat leaves qi:core to the later core one."""
    january = extract(_january_sharing_both(tmp_path))
    june = extract(_june_listing_the_evaluation_as_core(tmp_path))
    assert any(r.core and r.title and EVALUATION[:40] in r.title for r in june.resources)
    for order in ([january, june], [june, january]):
        ds = assemble(order, [])
        ds.default_union = True
        [node] = _evaluation_nodes(ds)
        assert set(ds.objects(node, QI.core)) == {Literal(True)}
        assert (node, QI.core, None) not in ds.graph(iris.source_graph(january.source_slug))
        assert (node, QI.sharedBy, iris.participant("TomOkaforQI")) in ds


def test_without_a_core_listing_a_shared_resource_stays_not_core(tmp_path):
    january = extract(_january_sharing_both(tmp_path))
    ds = assemble([january], [])
    ds.default_union = True
    [node] = _evaluation_nodes(ds)
    assert set(ds.objects(node, QI.core)) == {Literal(False)}
