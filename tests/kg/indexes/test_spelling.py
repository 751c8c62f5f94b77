"""Did you mean: a word no document holds is offered the nearest word one does hold, and only then."""

from __future__ import annotations

import pytest

from kg.indexes.search import Document, SearchIndex

DOCS = [
    Document("theme", "nemawashi", "Nemawashi", "nemawashi · consensus building before a change"),
    Document("quote", "1", "@a", "We held a safety huddle every morning and kept improving the ward's flow"),
    Document("quote", "2", "@b", "Improvement is a team sport; huddles help, and so does the Café Rouge"),
    Document("quote", "3", "@c", "A huddle each shift."),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(DOCS)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("nemawasi", "nemawashi"),  # a letter left out
        ("huddel", "huddle"),  # two letters swapped: one edit
        ("nemawasi huddle", "nemawashi huddle"),  # only the unknown word changes
        ('"safty huddle"', '"safety huddle"'),  # inside a phrase too, the quotes kept
        ("cafe rougee", "cafe rouge"),  # accents folded as the index folds them
    ],
)
def test_a_misspelt_word_is_offered_the_nearest_word_the_documents_hold(
    index: SearchIndex, typed: str, meant: str
) -> None:
    assert index.did_you_mean(typed) == meant
    _, total, _ = index.search(meant)
    assert total > 0


@pytest.mark.parametrize("typed", ["huddle", "improvement", "improving", "improve", "improvment", "huddles", "shift"])
def test_a_word_the_index_matches_is_never_corrected(index: SearchIndex, typed: str) -> None:
    """Stemming finds these already ("improvment" makes the stem "improvement" makes): no suggestion."""
    assert index.search(typed)[1] > 0
    assert index.did_you_mean(typed) is None


@pytest.mark.parametrize("typed", ["xyzzyq", "zz", "2022", "nemxxxhi"])
def test_nothing_near_gives_no_suggestion(index: SearchIndex, typed: str) -> None:
    assert index.did_you_mean(typed) is None


def test_ties_go_to_the_word_more_documents_hold() -> None:
    """'hudle' is one edit from 'huddle' (three documents) and from 'hurdle' (one): huddle."""
    docs = [*DOCS, Document("quote", "4", "@d", "Every hurdle was a lesson")]
    assert SearchIndex(docs).did_you_mean("hudle") == "huddle"


def test_a_suggestion_that_finds_nothing_under_the_same_filters_is_not_offered(index: SearchIndex) -> None:
    assert index.did_you_mean("huddel", kind="quote") == "huddle"
    assert index.did_you_mean("huddel", kind="organisation") is None  # 'huddle' is in no organisation's words
