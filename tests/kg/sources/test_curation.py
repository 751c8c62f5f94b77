"""Hand-curated data agrees with the report: every item names a line, and the line says it."""

from __future__ import annotations

from pathlib import Path

import yaml

from kg.extract.markup import clean

ROOT = Path(__file__).resolve().parents[3]
LINES = (ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt").read_text(encoding="utf-8").split("\n")
DATA = ROOT / "kg" / "data"


def _line(n: int) -> str:
    return clean(LINES[n - 1])


def test_each_organisation_is_named_on_its_line_and_alt_names_occur():
    text = "\n".join(clean(x) for x in LINES)
    for org in yaml.safe_load((DATA / "organisations.yaml").read_text()):
        assert org["name"] in _line(org["line"]), org["slug"]
        for alt in org.get("alt_names", []):
            assert alt in text, alt
        if org.get("handle"):
            assert org.get("reason"), f"{org['slug']}: an account link needs a reason"


def test_each_alias_is_spelt_so_on_its_line():
    data = yaml.safe_load((DATA / "aliases.yaml").read_text())
    for entry in data["accounts"]:
        for item in entry["aliases"]:
            assert "@" + item["alias"] in _line(item["line"]), item
            assert item["reason"]
    for item in data["organisation_accounts"]:
        assert "@" + item["handle"] in _line(item["line"]), item


def test_each_curated_resource_fact_is_backed_by_its_lines():
    for item in yaml.safe_load((DATA / "resources.yaml").read_text()):
        assert _line(item["line"]), item
        assert item["reason"]
        for n in item.get("discussed_at", []):
            assert _line(n), (item["line"], n)
        if item.get("url"):
            assert item["url"].endswith(item["printed"]) and item["url"].startswith("https://")
            assert any(item["printed"] in _line(n) for n in range(1, len(LINES) + 1))


def test_each_lesson_phrase_heads_a_sketchnote_line():
    for spec in yaml.safe_load((DATA / "lessons.yaml").read_text()):
        assert any(spec["match"] in _line(n) and _line(n).startswith("- ") for n in range(1, len(LINES) + 1))
