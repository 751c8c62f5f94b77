"""Is the host's question card ('Q2: ... Please remember to add Q2') the question's own tweet, and no participant's
'Q2: ...' answer taken for one? On the first report, every fixture (TEST DATA) and variants written here: the
instruction worded otherwise, no instruction but the heading's words, a question with no heading whose words only its
card prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.extract.markup import clean
from kg.extract.report import extract
from kg.records import ChatRecords, Tweet

FIXTURES = Path(__file__).with_name("fixtures")
SEED = Path(__file__).resolve().parents[3] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
JUNE = FIXTURES / "leadingqi-2023-06-27-report.txt"
REPORTS = [SEED, *sorted(FIXTURES.glob("leadingqi-*-report.txt"))]


# how a host's card tells people to tag their answer: 'add Q2', 'include Q2', 'Reply with Q1', 'Start your answer
# with Q5', 'use Q3', 'tag your tweet Q4', 'begin with Q2', 'put Q2 at the start'
_INSTRUCTION = (
    r"\b(?:add|include|with|use|tag|put|begin|start)\b"
    r"(?:\s+(?:your|the|each|every)?\s*(?:answers?|tweets?|replies?|reply))?\s+"
)


def _host_cards(path: Path) -> dict[int, int]:
    """Read from the text alone: the line of each card whose words start with a question's number and a mark
    ('Q2:', 'Q2 —', 'Q2 –', 'Q2 -', 'Q2.', 'Q2)') and then tell people to tag answers with it ('add Q2', 'include
    Q2', 'Reply with Q2', 'Start your answer with Q2') -> n. A participant's 'Q2 I think ...' has no mark, and no
    answer says 'add Q2'."""
    return _host_cards_in(path.read_text(encoding="utf-8"))


def _host_cards_in(text: str) -> dict[int, int]:
    lines = text.split("\n")
    out: dict[int, int] = {}
    for n, line in enumerate(lines, 1):
        if re.match(r"^.*@\w+ · ", clean(line)):
            words = next((clean(x) for x in lines[n:] if clean(x) and clean(x) not in ("...", "…")), "")
            m = re.match(r"^Q(\d+)(?::|\s*[—–-]\s|[.)]\s)", words)
            rest = " ".join(clean(x) for x in lines[n : n + 12])
            if m and re.search(rf"{_INSTRUCTION}Q{m[1]}\b", rest, re.IGNORECASE):
                out[n] = int(m[1])
    return out


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("Q1 — Welcome!\n\nReply with Q1 and the hashtags", 1),
        ("Q2 – How?\n\nDon't forget to include Q2 and #LeadingQI", 2),
        ("Q3: What?\n\nPlease remember to add Q3 and the hashtags", 3),
        ("Q5. Which?\n\nStart your answer with Q5 and use #LeadingQI", 5),
        ("Q4) Who?\n\nTag your tweets Q4 #LeadingQI", 4),
        ("Q2 I think we take it #LeadingQI", None),  # an answer: no mark after the number
        ("Q2: We ring-fence time. Add Q3 later?", None),  # another question's number
        ("Q2: Honest answer: you take it #LeadingQI", None),  # an answer that tells no one to tag anything
    ],
)
def test_the_tests_own_reading_of_host_cards_takes_every_wording_and_no_answer(words: str, number: int | None):
    """The reading `_host_cards` does, on invented cards: a card it missed would hide one the extractor missed."""
    text = f"Intro\n\nWBS @WarwickBSchool · Nov 26, 2024\n\n{words}\n\n💬 1 ↻ 2 ❤️ 3\n"
    assert _host_cards_in(text) == ({3: number} if number else {})


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name[10:20])
def test_each_host_card_asks_its_question_and_answers_none(path):
    records = extract(path)
    expected = _host_cards(path)
    assert expected, "every report of the series posts its questions as cards"
    asking = {q.line: q.asks for q in records.quotes if isinstance(q, Tweet) and q.asks is not None}
    assert asking == expected
    for line, number in expected.items():
        [question] = [q for q in records.questions if q.number == number]
        assert question.asked_in_line == line
        [card] = [q for q in records.quotes if q.line == line]
        assert card.question is None and card.counts  # its counts stay on the question's tweet


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name[10:20])
def test_no_participant_answer_is_taken_for_a_question_card(path):
    records = extract(path)
    hosts = set(_host_cards(path))
    first_section = min(q.section_start for q in records.questions)
    for q in records.quotes:
        if isinstance(q, Tweet) and q.line not in hosts:
            assert q.asks is None
            if re.match(r"^Q\d", q.text) and q.line > first_section:
                assert q.question is not None  # a participant's 'Q2: ...' answers its question


def test_the_first_reports_cards_and_counts():
    records = extract(SEED)
    asks = {q.asks: (q.line, [c.value for c in q.counts]) for q in records.quotes if isinstance(q, Tweet) and q.asks}
    assert asks == {2: (155, [32, 9, 10]), 3: (377, [34, 9, 19]), 5: (719, asks[5][1])}
    assert asks[5][1]
    # participants' answers that start like a card ('Q2: Developing clear ...') still answer Q2
    [melissa] = [q for q in records.quotes if q.line == 292]
    assert (melissa.question, getattr(melissa, "asks", None)) == (2, None)


def _variant(tmp_path: Path, name: str, old: str, new: str) -> tuple[ChatRecords, str]:
    text = JUNE.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / name / JUNE.name
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return extract(path), text


def _line(text: str, words: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if words in line)


ADD_Q2 = "Please remember to add Q2 and the hashtags #LeadingQI & #QIHour to your answer"


@pytest.mark.parametrize(
    "instruction",
    ["Please use Q2 and the hashtags #LeadingQI & #QIHour in your answer", "Start your answer with Q2 #LeadingQI"],
)
def test_the_instruction_worded_otherwise(tmp_path, instruction):
    records, text = _variant(tmp_path, str(abs(hash(instruction))), ADD_Q2, instruction)
    [q2] = [q for q in records.questions if q.number == 2]
    assert q2.asked_in_line == _line(text, "Q2: What did you do first") - 2  # the card's header, above its words
    [card] = [q for q in records.quotes if q.line == q2.asked_in_line]
    assert (card.author, card.asks, card.question) == ("WarwickBSchool", 2, None)


def test_no_instruction_but_the_headings_words(tmp_path):
    records, _ = _variant(tmp_path, "noinstruction", ADD_Q2 + "\n\n", "")
    [q2] = [q for q in records.questions if q.number == 2]
    [card] = [q for q in records.quotes if q.line == q2.asked_in_line]
    assert card.asks == 2 and card.text.startswith("Q2: What did you do first")


def test_a_participant_card_with_other_words_and_no_instruction_answers(tmp_path):
    old = "Q2 We started with values, not tools"
    records, text = _variant(tmp_path, "participant", old, "Q2: We started with values, not tools")
    [melissa] = [q for q in records.quotes if q.line == _line(text, "Melissa Lin 🇺🇸 @vmsenseimelissa")]
    assert (melissa.question, melissa.asks) == (2, None)


@pytest.mark.parametrize(
    "words",
    [
        "Q2: Struggling with Q2 tbh, we started with values",
        "Q2: agree with Q2 framing, we started with values",
        "Q2: I'd add Q2 of the staff survey, we started with values",
        "Q2 - we use Q2 style huddles daily, values first",
    ],
)
def test_a_participant_card_saying_with_q2_answers(tmp_path, words):
    """'with Q2' asks for nothing unless a word of answering comes before it ('start your answer with Q2'): with the
    host's card worded so that it posts nothing, a participant's 'Q2: ... with Q2 ...' still answers Q2."""
    text = JUNE.read_text(encoding="utf-8")
    for old, new in [
        (ADD_Q2, ""),
        ("Q2: What did you do first", "Next up: what did you do first"),
        ("Q2 We started with values, not tools", words),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / str(abs(hash(words))) / JUNE.name
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    records = extract(path)
    [melissa] = [q for q in records.quotes if q.line == _line(text, "Melissa Lin 🇺🇸 @vmsenseimelissa")]
    assert (melissa.question, melissa.asks) == (2, None)


def test_a_question_without_a_heading_takes_its_words_from_its_card(tmp_path):
    heading = "Question 2: What did you do first to get your organisation ready for improvement?\n\n"
    records, _ = _variant(tmp_path, "noheading", heading, "")
    [q2] = [q for q in records.questions if q.number == 2]
    assert q2.text == "What did you do first to get your organisation ready for improvement?"
    assert q2.asked_by == "WarwickBSchool"
    assert [q.asks for q in records.quotes if q.line == q2.asked_in_line] == [2]
