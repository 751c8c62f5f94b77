"""A later report prints a known person's name with a title ('Dr Nicola Burgess' on the panel, 'Nicola Burgess' in
the first report): one person, each chat keeping its printing; another name for one handle is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.report import extract
from kg.sources.registry import check_across

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
MAY = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-05-30-report.txt"  # TEST DATA
PANEL = "- Nicola Burgess, evaluation lead"


@pytest.fixture(scope="module")
def seed():
    return extract(SEED)


def _may(tmp_path: Path, name: str) -> tuple[Path, object]:
    text = MAY.read_text(encoding="utf-8")
    assert PANEL in text
    path = tmp_path / MAY.name
    path.write_text(text.replace(PANEL, f"- {name}, evaluation lead"), encoding="utf-8")
    return path, extract(path)


@pytest.mark.parametrize("name", ["Dr Nicola Burgess", "Prof. Nicola Burgess", "Dr. Nicola  Burgess"])
def test_a_title_is_the_same_name(tmp_path: Path, seed, name: str) -> None:
    path, may = _may(tmp_path, name)
    assert [p.name for p in may.people if p.handle == "DrNicolaBurgess"] == [" ".join(name.split())]  # as printed
    assert check_across([(SEED, seed), (path, may)]) == []


def test_another_name_for_the_same_handle_is_still_a_problem_naming_the_line(tmp_path: Path, seed) -> None:
    path, may = _may(tmp_path, "Nicola Burgess-Smith")
    [problem] = check_across([(SEED, seed), (path, may)])
    line = next(p.line for p in may.people if p.handle == "DrNicolaBurgess")
    assert problem.startswith(f"{path}:{line}: people[") and "'Nicola Burgess-Smith' here" in problem
