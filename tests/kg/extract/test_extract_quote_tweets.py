"""Does a quote tweet keep what it quotes? In the June report (TEST DATA) @vmsenseimelissa's card quotes a tweet of
@DrNicolaBurgess ('Quote Tweet', then the quoted card inside hers). Variants written here vary the layout: another
mark ('Quoting'), the quoted card dated otherwise, the quoted tweet shown as words only (no card: its words are kept,
no tweet made up), and the first report, where no card quotes another."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.markup import clean
from kg.extract.report import extract
from kg.records import ChatRecords, Tweet
from tests.kg.extract.test_extract_question_cards import _variant  # the June report with one change

FIXTURES = Path(__file__).with_name("fixtures")
JUNE = FIXTURES / "leadingqi-2023-06-27-report.txt"
SEED = Path(__file__).resolve().parents[3] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
QUOTED = "Dr Nicola Burgess @DrNicolaBurgess · Jun 27, 2023"
QUOTED_WORDS = "Trusts that invested in cultural readiness before QI got better outcomes from QI #LeadingQI"


def _line(text: str, words: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if words in clean(line))


def _tweet(records: ChatRecords, line: int) -> Tweet:
    [q] = [q for q in records.quotes if q.line == line and isinstance(q, Tweet)]
    return q


def test_the_june_quote_tweet_links_to_the_card_it_quotes():
    text = JUNE.read_text(encoding="utf-8")
    records = extract(JUNE)
    outer = _tweet(records, _line(text, "Melissa Lin 🇺🇸 @vmsenseimelissa"))
    inner = _tweet(records, _line(text, QUOTED))
    assert outer.quotes_tweet == inner.line and outer.quoted_text is None
    assert inner.author == "DrNicolaBurgess" and inner.text == QUOTED_WORDS and inner.counts == []
    assert [c.value for c in outer.counts] == [2, 6, 18]  # the counts under both cards are the quoting card's


@pytest.mark.parametrize(
    ("mark", "header"),
    [("Quoting", QUOTED), ("Quote Post", "Dr Nicola Burgess @DrNicolaBurgess · 27 Jun")],
)
def test_another_mark_or_date_style_still_links_the_quoted_card(tmp_path, mark, header):
    records, text = _variant(tmp_path, mark.replace(" ", ""), f"Quote Tweet\n\n{QUOTED}", f"{mark}\n\n{header}")
    outer = _tweet(records, _line(text, "Melissa Lin 🇺🇸 @vmsenseimelissa"))
    assert outer.quotes_tweet == _line(text, header)


def test_a_quoted_tweet_shown_without_its_card_keeps_its_words_and_makes_no_tweet(tmp_path):
    """Nothing invented: the report shows no author or date for the quoted tweet, so there is no record of it."""
    records, text = _variant(tmp_path, "words", f"{QUOTED}\n\n", "")
    outer = _tweet(records, _line(text, "Melissa Lin 🇺🇸 @vmsenseimelissa"))
    assert outer.quotes_tweet is None
    assert outer.quoted_text == QUOTED_WORDS
    assert [c.value for c in outer.counts] == [2, 6, 18]
    assert not [q for q in records.quotes if QUOTED_WORDS in q.text]  # no quote of its own, no words lost
    before = extract(JUNE)
    assert len(records.quotes) == len(before.quotes) - 1  # the quoted card's record, and only it, is gone
    # the narrative after it is read as before: Hana Novak's comment, the colon comment, the pull-quote
    assert [(q.kind, q.author) for q in records.quotes if q.kind != "tweet"] == [
        (q.kind, q.author) for q in before.quotes if q.kind != "tweet"
    ]


def test_quoted_words_end_at_the_narrative_after_them(tmp_path):
    """Without counts under it, the quoted words stop where the report's own voice begins."""
    records, text = _variant(tmp_path, "nocounts", f"{QUOTED}\n\n", "")
    text2 = text.replace("💬 2 ↻ 6 ❤️ 18 ↗\n\n", "", 1)
    path = tmp_path / "nocounts2" / JUNE.name
    path.parent.mkdir()
    path.write_text(text2, encoding="utf-8")
    records = extract(path)
    outer = _tweet(records, _line(text2, "Melissa Lin 🇺🇸 @vmsenseimelissa"))
    assert outer.quoted_text == QUOTED_WORDS and outer.counts == []
    assert any(q.author == "HanaNovakQI" for q in records.quotes)


def test_no_card_of_the_first_report_quotes_another():
    records = extract(SEED)
    assert [q.line for q in records.quotes if isinstance(q, Tweet) and (q.quotes_tweet or q.quoted_text)] == []


def test_quoted_words_stop_at_the_next_card_with_no_blank_line_between(tmp_path: Path) -> None:
    """A converter that drops the blank line after the quoted words: the next card is its own tweet, with its own
    counts; its header and words are not the quoted words, its counts not the quoting tweet's."""
    text = JUNE.read_text(encoding="utf-8").replace(QUOTED + "\n\n", "", 1)
    counts = "from QI #LeadingQI\n\n💬 2 ↻ 6 ❤️ 18 ↗\n\n"
    assert counts in text
    text = text.replace(
        counts,
        "from QI #LeadingQI\nSam Lee @samlee_qi · Jun 27, 2023\n\n"
        "Q2 another answer here #LeadingQI\n\n💬 1 ↻ 1 ❤️ 1 ↗\n\n",
        1,
    )
    path = tmp_path / "tight" / JUNE.name
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    records = extract(path)
    [quoting] = [q for q in records.quotes if isinstance(q, Tweet) and q.quoted_text]
    assert quoting.quoted_text == QUOTED_WORDS
    [sam] = [q for q in records.quotes if q.author == "samlee_qi"]
    assert [c.value for c in sam.counts] == [1, 1, 1] and quoting.counts == []


def test_the_quoted_tweet_answers_no_question_of_the_chat_it_is_shown_in():
    """The quoted card was posted elsewhere (maybe years before): only the quoting answer answers the section's
    question; the quoted one would take a question only from its own 'Q2' or 'A2'."""
    text = JUNE.read_text(encoding="utf-8")
    records = extract(JUNE)
    outer = _tweet(records, _line(text, "Melissa Lin 🇺🇸 @vmsenseimelissa"))
    inner = _tweet(records, _line(text, QUOTED))
    assert outer.question is not None and inner.question is None
