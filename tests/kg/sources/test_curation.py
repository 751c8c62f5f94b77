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


def test_each_organisation_is_printed_by_the_report_under_its_name_or_an_alternative():
    text = "\n".join(clean(x) for x in LINES)
    for org in yaml.safe_load((DATA / "organisations.yaml").read_text()):
        assert "line" not in org, f"{org['slug']}: shared facts are keyed by name, never by a line"
        assert any(name in text for name in [org["name"], *org.get("alt_names", [])]), org["slug"]
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


def test_each_curated_resource_fact_of_the_seed_is_anchored_to_words_of_its_report():
    from kg.extract.report import Doc, load_curation

    doc = Doc(path=ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt", lines=LINES)
    cur = load_curation(doc)
    assert cur.path is not None and not cur.problems, cur.problems
    assert cur.resources and cur.themes
    for item in cur.resources:
        assert _line(item["line"]) and all(_line(n) for n in item["discussed_at"]), item
        if item.get("url"):
            assert item["url"].startswith("https://")


def test_each_lesson_phrase_heads_a_sketchnote_line():
    for spec in yaml.safe_load((DATA / "lessons.yaml").read_text()):
        assert any(spec["match"] in _line(n) and _line(n).startswith("- ") for n in range(1, len(LINES) + 1))
