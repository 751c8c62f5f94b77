"""Can a user join a new misspelling of a known person in the report's own curation file? `aliases:` in
`REPORT.curation.yaml` names a spelling the report prints and the account it is; the spelling must be on a line
of that report, and it joins the person in every chat (one node). Tried on the invented report of 30 May 2023
(TEST DATA), which prints '@DrNicolaBurges' once beside the seed's @DrNicolaBurgess."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Literal

from kg import iris
from kg.extract.report import extract
from kg.iris import QI
from kg.rdf.assemble import assemble
from kg.sources.curation import curation_path
from kg.sources.inputs import InputError

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
MAY = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-05-30-report.txt"
SPELLING, ACCOUNT = "DrNicolaBurges", "DrNicolaBurgess"


def printed_line(path: Path, words: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if words in line)


def copy_with_curation(tmp_path: Path, curation: str) -> Path:
    report = tmp_path / MAY.name
    shutil.copy(MAY, report)
    curation_path(report).write_text(curation, encoding="utf-8")
    return report


@pytest.fixture(scope="module")
def seed_records():
    return extract(SEED)


def test_a_curated_spelling_is_read_with_the_line_that_prints_it(tmp_path: Path) -> None:
    report = copy_with_curation(
        tmp_path, f"aliases:\n  - {{alias: '@{SPELLING}', canonical: {ACCOUNT}, reason: one letter dropped}}\n"
    )
    records = extract(report)
    assert [(a.alias, a.canonical, a.line) for a in records.aliases] == [
        (SPELLING, ACCOUNT, printed_line(MAY, f"@{SPELLING} "))
    ]


def test_the_spelling_joins_the_known_person_in_every_chat(tmp_path: Path, seed_records) -> None:
    report = copy_with_curation(
        tmp_path, f"aliases:\n  - {{alias: {SPELLING}, canonical: {ACCOUNT}, reason: one letter dropped}}\n"
    )
    warnings: list[str] = []
    merged = assemble([seed_records, extract(report)], warnings)
    person = iris.participant(ACCOUNT)
    assert any(merged.quads((person, QI.alias, Literal(SPELLING), None)))
    assert not any(merged.quads((iris.participant(SPELLING), None, None, None)))
    assert not any("possible alias" in w and SPELLING in w for w in warnings)


def test_without_the_curation_the_spelling_is_its_own_account_and_the_build_says_how_to_join_it(
    seed_records,
) -> None:
    warnings: list[str] = []
    merged = assemble([seed_records, extract(MAY)], warnings)
    assert any(merged.quads((iris.participant(SPELLING), None, None, None)))
    hint = [w for w in warnings if "possible alias" in w and SPELLING in w]
    assert hint and "curation file" in hint[0] and f"canonical: {ACCOUNT}" in hint[0]


@pytest.mark.parametrize(
    ("curation", "expected"),
    [
        ("aliases:\n  - {alias: NotInTheReport1, canonical: DrNicolaBurgess, reason: r}\n", "on no line"),
        ("aliases:\n  - {alias: drnicolaburgess, canonical: DrNicolaBurgess, reason: r}\n", "up to case"),
        (
            "aliases:\n  - {alias: DrNicolaBurges, canonical: DrNicolaBurgess, at: 'words on no line at all', "
            "reason: r}\n",
            "on no line",
        ),
        ("aliases:\n  - {alias: DrNicolaBurges, canonical: DrNicolaBurgess}\n", "reason"),
    ],
)
def test_a_curated_spelling_that_does_not_fit_the_report_is_an_error_naming_the_curation_line(
    tmp_path: Path, curation: str, expected: str
) -> None:
    report = copy_with_curation(tmp_path, curation)
    with pytest.raises(InputError) as raised:
        extract(report)
    text = str(raised.value) + "\n".join(raised.value.problems)
    assert expected in text and f"{curation_path(report)}:2" in text


def test_a_spelling_the_shared_table_gives_another_account_is_refused_naming_the_report_line(
    tmp_path: Path, seed_records
) -> None:
    report = copy_with_curation(  # jimmyparvin is jimmy_parvin's in kg/data/aliases.yaml
        tmp_path, f"aliases:\n  - {{alias: jimmyparvin, canonical: {ACCOUNT}, reason: wrong on purpose}}\n"
    )
    with pytest.raises(InputError) as raised:
        assemble([seed_records, extract(report)], [])
    problems = "\n".join(raised.value.problems)
    assert "two accounts" in str(raised.value) and f"{MAY.name}:{printed_line(MAY, '@jimmyparvin')}" in problems
