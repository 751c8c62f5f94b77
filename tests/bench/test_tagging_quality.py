"""Would a QI reader agree with the tags? The judged sample (bench/judged/tags-2022-10-19.yaml) says how often."""

from __future__ import annotations

import pytest
import yaml

from bench import tagging as bench_tagging

PRECISION, RECALL = 0.97, 0.95


@pytest.fixture(scope="module")
def judged() -> dict:
    return yaml.safe_load(bench_tagging.JUDGED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(judged: dict) -> dict:
    tags, _, thesaurus = bench_tagging.current_tags()
    return bench_tagging.measure(judged, tags, thesaurus)


def test_the_judged_sample_is_big_enough_and_every_judgement_gives_its_reason(judged: dict) -> None:
    assert len(judged["assignments"]) >= 150 and len(judged["quotes"]) >= 40
    assert len(judged["new_assignments"]) >= 50, "new tags were checked too, not only the first sample"
    for row in judged["assignments"] + judged["new_assignments"] + judged["removed_assignments"]:
        assert row["judgement"] in {"relevant", "weak", "wrong"} and row["why"].strip(), row
        assert row["item"].split("/")[0] in {"quote", "resource", "question"} and "line" not in row["item"]
    for row in judged["quotes"]:
        assert row["expected"] and row["why"].strip(), row


def test_tags_a_qi_reader_agrees_with(result: dict) -> None:
    assert result["precision"] >= PRECISION, result["not_correct_now"]
    assert result["per_sample"]["first"]["precision"] >= PRECISION


def test_the_themes_a_qi_reader_expects_are_found(result: dict) -> None:
    assert result["recall"] >= RECALL, result["missed_now"]


def test_what_the_rules_threw_away_was_mostly_not_worth_keeping(result: dict) -> None:
    assert result["kept_relevant"] >= 0.97


def test_the_measure_counts_weak_as_wrong_unless_the_graph_marks_it_weak() -> None:
    from rdflib import Graph

    judged = {
        "assignments": [
            {"item": "quote/x/1", "theme": "a", "judgement": "weak", "why": "."},
            {"item": "quote/x/2", "theme": "a", "judgement": "weak", "why": "."},
            {"item": "quote/x/3", "theme": "a", "judgement": "relevant", "why": "."},
        ],
        "quotes": [{"item": "quote/x/3", "expected": ["a", "b"], "why": "."}],
    }
    tags = [
        bench_tagging.Tag("quote/x/1", "a", "question", True, "", ""),
        bench_tagging.Tag("quote/x/2", "a", "label", False, "", ""),
        bench_tagging.Tag("quote/x/3", "a", "label", False, "", ""),
    ]
    got = bench_tagging.measure(judged, tags, Graph())
    assert got["precision"] == round(2 / 3, 4) and got["recall"] == 0.5
