"""Theme tagging of a later chat without any curation: the invented 31 January report (TEST DATA) is tagged from the
thesaurus's labels and synonyms and from its questions, each tag with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import iris
from kg.extract.report import extract
from kg.rdf import ontology, tagging

JAN = Path(__file__).resolve().parents[1] / "extract" / "fixtures" / "leadingqi-2023-01-31-report.txt"


@pytest.fixture(scope="module")
def tags():
    records = extract(JAN)
    assert records.curated_themes == []  # no curation file: the words alone
    found, _warnings = tagging.assignments(records, ontology.thesaurus(), tagging.load_curated())
    by_text = {q.number: q for q in records.quotes}
    return records, {(str(a.subject), a.theme_slug): a for a in found}, by_text


def _quote(records, words: str):
    return next(q for q in records.quotes if words in q.text)


def test_the_genba_comment_is_tagged_genba_by_its_word(tags):
    records, found, _ = tags
    q = _quote(records, "we walk the genba")
    a = found[(str(iris.quote("2023-01-31", q.number)), "genba")]
    assert (a.reason, a.matched_label, a.line) == ("label", "genba", q.line)
    assert "genba" in a.context


def test_the_huddle_tweet_is_tagged_huddles_and_inherits_its_questions_theme(tags):
    records, found, _ = tags
    q = _quote(records, "A ten minute huddle")
    node = str(iris.quote("2023-01-31", q.number))
    assert found[(node, "huddles-and-focus-boards")].reason == "label"
    inherited = found[(node, "embed-qi-routines")]  # question 2 is about routines: its words say so
    assert inherited.reason == "question" and inherited.via_question == iris.question("2023-01-31", 2)


def test_the_golden_thread_question_passes_its_theme_to_its_section(tags):
    records, found, _ = tags
    assert found[(str(iris.question("2023-01-31", 3)), "golden-thread")].matched_label == "golden thread"
    q = _quote(records, "our strategy deployment starts")
    via = found[(str(iris.quote("2023-01-31", q.number)), "golden-thread")]
    assert via.reason == "question" and via.via_question == iris.question("2023-01-31", 3)
    assert found[(str(iris.quote("2023-01-31", q.number)), "strategy-deployment")].reason == "label"
