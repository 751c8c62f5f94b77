"""The messy patterns of the PDF conversion, one at a time."""

from __future__ import annotations

from kg.extract.cards import is_counts, parse_counts
from kg.extract.markup import clean, handles, hashtags, quote_spans
from kg.extract.narrative import comments_on_line


def test_link_and_bold_markup_is_stripped():
    assert clean("[@jimmy_parvin](#) agreed **#LeadingQI** [#QIHour](#)") == "@jimmy_parvin agreed #LeadingQI #QIHour"
    assert clean("<p>@BryanJns</p>\t<p>[Publication] x</p>") == "@BryanJns [Publication] x"
    assert clean("[Burgess, N \\(2022\\)](#)") == "Burgess, N (2022)"


def test_cut_off_handles_and_emails_are_not_handles():
    assert handles("@2019annhill Ann Hill @sh...") == ["2019annhill"]
    assert handles("mail a@b.com or @x_y.") == ["x_y"]


def test_hashtags_keep_their_case_and_skip_ampersand_entities():
    assert hashtags("Q5 #leadingQI & #QIHour #A5") == ["leadingQI", "QIHour", "A5"]


def test_nested_curly_quotes_are_one_quotation():
    spans = quote_spans("responded, ““create formal spaces” around it. Improvement.”")
    assert [s.text for s in spans] == ["“create formal spaces” around it. Improvement."]


def test_a_glued_right_quote_opens_a_quotation():
    spans = quote_spans("added “Where there was enthusiasm -”everyone is talking QI””.")
    assert spans[0].text == "Where there was enthusiasm -”everyone is talking QI”"


def test_straight_quotes_run_to_the_last_one_before_the_next_speaker():
    line = '@TimBonnici commented "Rule 7 for "the new tomorrow" you need philosophy." (see article)'
    assert comments_on_line(1, line)[0].text == 'Rule 7 for "the new tomorrow" you need philosophy.'


def test_an_unclosed_quotation_runs_to_the_end_without_the_reports_note():
    (c,) = comments_on_line(7, "@HelenBevan responded “A: move beyond rational approaches. (see ‘shared resources’)")
    assert c.text == "A: move beyond rational approaches." and c.warnings


def test_two_speakers_on_one_line():
    got = comments_on_line(1, "@a_b said “one” and @c_d added “two”.")
    assert [(c.speaker, c.text) for c in got] == [("a_b", "one"), ("c_d", "two")]


def test_a_quotation_without_speaker_is_not_attributed():
    assert comments_on_line(1, "references to a “dark thread” and a “frayed thread”.") == []


def test_counts_in_every_layout():
    assert is_counts("32 9 10") and is_counts("📊 1 💬 3 ❤️ 7 ↗") and is_counts("👍 1 💬 ↻ 14 ❤️ 25 ↗")
    assert not is_counts("Q4 #LeadingQI") and not is_counts("A3")
    assert [c.value for c in parse_counts(["5", "8", "25"])] == [5, 8, 25]
    assert [(c.metric, c.value) for c in parse_counts(["📊 3 💬 3 ↻ 6 ❤️ 23 📤"])] == [
        ("unknown", 3),
        ("reply", 3),
        ("retweet", 6),
        ("like", 23),
    ]
