"""Does the extractor read a report written the way the invented 26 November 2024 report (TEST DATA) is, and the ways
the next report could be written like it? Pull-quotes signed with an en or em dash, a 'Show this thread' line between a
tweet's words and its counts, a first name that is the panel's person behind a team account, the panel under another
heading, a name the narrative prints with a handle, the chat's hour as a range with no 'at', 'What you told us' as the
insights heading. Each on the fixture changed in one place, and on invented lines, with the lines that must not be
taken."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kg.extract import cards as cardlib
from kg.extract import narrative
from kg.extract.markup import clean
from kg.extract.report import ExtractionError, extract
from kg.records import ChatRecords, Tweet

NOV = Path(__file__).with_name("fixtures") / "leadingqi-2024-11-26-report.txt"
SAVE_THE_DATES = "Save the dates!: no such section"
CARD = "Aisha Bello @AishaBelloQI · Nov 26, 2024"
WORDS = "Q2 A thread on headroom 🧵 1/3 If the work doesn't take something off their plate, why bother? #LeadingQI"


def _variant(tmp_path: Path, *changes: tuple[str, str]) -> tuple[ChatRecords, list[str]]:
    """The November report with each (old, new) replaced; `old` stands once in it. Its records and its lines."""
    text = NOV.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / str(abs(hash(changes)))
    folder.mkdir()
    path = folder / NOV.name
    path.write_text(text, encoding="utf-8")
    return extract(path), text.split("\n")


def _line(lines: list[str], words: str) -> int:
    [n] = [i for i, line in enumerate(lines, 1) if words in clean(line)]
    return n


# kg/data/organisations.yaml makes Warwick Business School part of the University of Warwick, which this report does
# not print: the link is left out of its graph, with that warning (tests/kg/pipeline/test_later_reports_alone.py)
PARENT_NOT_PRINTED = "organisations: Warwick Business School is part of university-of-warwick by kg/data/"


def _other_warnings(records: ChatRecords) -> list[str]:
    return [w for w in records.warnings if SAVE_THE_DATES not in w and PARENT_NOT_PRINTED not in w]


@pytest.fixture(scope="module")
def nov() -> ChatRecords:
    return extract(NOV)


def test_the_november_report_reads_with_no_warning_but_its_missing_dates(nov):
    assert NOV.read_text(encoding="utf-8").startswith("TEST DATA:")
    assert _other_warnings(nov) == []
    assert (len(nov.panel), len(nov.questions), len(nov.quotes)) == (5, 5, 37)


# --- pull-quotes signed with any dash --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature", "handle", "name"),
    [
        ("- @kindleaderMo", "kindleaderMo", None),
        ("– @kindleaderMo", "kindleaderMo", None),  # en dash
        ("— @kindleaderMo", "kindleaderMo", None),  # em dash
        ("―@kindleaderMo", "kindleaderMo", None),  # horizontal bar, no space
        ("— Mo Kaur (@kindleaderMo)", "kindleaderMo", "Mo Kaur"),
        ("– Siân O’Neill-Hart (@kindleaderMo)", "kindleaderMo", "Siân O’Neill-Hart"),
    ],
)
def test_a_pull_quote_signed_with_any_dash_is_the_signers(signature, handle, name):
    lines = ["“Burnt out people can't be curious”.", "", signature]
    warnings: list[str] = []
    pq = narrative.pull_quote(lines, 1, warnings)
    assert pq is not None and (pq.speaker, pq.signed_name, pq.text) == (
        handle,
        name,
        "Burnt out people can't be curious",
    )
    assert warnings == []


@pytest.mark.parametrize("signature", ["- @kindleaderMo", "— @kindleaderMo", "– Mo Kaur (@kindleaderMo)"])
def test_a_signature_ends_a_tweets_words(signature):
    lines = f"{CARD}\n\n{WORDS}\n\n{signature}\n\nMore of the report.".split("\n")
    card = cardlib.parse_card(lines, 1, 2024)
    assert cardlib.is_narrative(signature) and card is not None and card.text == WORDS


@pytest.mark.parametrize("signature", ["— Matron Jules", "– one of our matrons", "- @MatronJules and @physio_dan"])
def test_a_pull_quote_signed_with_no_single_handle_is_warned_of_not_given_to_anyone(signature):
    warnings: list[str] = []
    assert narrative.pull_quote(["“Middle managers hold it together”.", signature], 1, warnings) is None
    assert len(warnings) == 1 and "names no handle" in warnings[0] and repr(signature) in warnings[0]


@pytest.mark.parametrize(
    "after", ["- 212 people took part in the tweetchat.", "- Lots of first-timers: many joined late"]
)
def test_a_list_after_a_quotation_is_no_signature(after):
    warnings: list[str] = []
    assert narrative.pull_quote(["“A quotation the report makes”.", "", after], 1, warnings) is None
    assert warnings == []


def test_the_november_pull_quotes_signed_with_en_and_em_dashes(tmp_path, nov):
    records, lines = _variant(
        tmp_path,
        ("- @kindleaderMo", "— @kindleaderMo"),
        ("- @MatronJules", "– @MatronJules"),
        ("- @AishaBelloQI", "— Aisha Bello (@AishaBelloQI)"),
    )
    assert _other_warnings(records) == []
    pulls = [(q.line, q.author, q.text, q.question) for q in records.quotes if q.kind == "pullquote"]
    assert pulls == [(q.line, q.author, q.text, q.question) for q in nov.quotes if q.kind == "pullquote"]
    assert {a for _, a, _, _ in pulls} == {"kindleaderMo", "MatronJules", "AishaBelloQI", "PriyaNairWard"}
    signed = _line(lines, "— Aisha Bello (@AishaBelloQI)")
    assert not any(q.line == signed for q in records.quotes)  # the signature is no comment of its own


# --- 'Show this thread' between a tweet's words and its counts ------------------------------------------------------


@pytest.mark.parametrize(
    ("between", "counts", "values"),
    [
        ("\n\nShow this thread\n\n", "💬 4 ↻ 9 ❤️ 37", [4, 9, 37]),
        ("\nShow this thread\n", "4 9 37", [4, 9, 37]),  # no blank lines, the icons lost
        ("\n\nShow this thread\n\n", "💬 4\n↻ 9\n❤️ 37", [4, 9, 37]),  # one count a line
        ("\n\nTranslate post\n\n", "💬 4 ↻ 9 ❤️ 37", [4, 9, 37]),
        ("\n\nShow this thread\n\nShow more\n\n", "5 8 25", [5, 8, 25]),
    ],
)
def test_a_show_this_thread_line_before_the_counts_keeps_them_the_cards(between, counts, values):
    lines = f"{CARD}\n\n{WORDS}{between}{counts}\n\nNext words of the report.".split("\n")
    card = cardlib.parse_card(lines, 1, 2024)
    assert card is not None and card.text == WORDS
    assert [c.value for c in card.counts] == values
    assert clean(lines[card.counts_line - 1]).startswith(counts.split("\n")[0])


def test_a_show_this_thread_line_with_no_counts_after_it_ends_no_one_elses_card():
    lines = f"{CARD}\n\n{WORDS}\n\nShow this thread\n\n{CARD}\n\n2/3 So start there #LeadingQI\n\n💬 2 ↻ 6 ❤️ 29".split(
        "\n"
    )
    first, second = cardlib.find_cards(lines, 2024)
    assert (first.text, first.counts) == (WORDS, [])
    assert (second.text, [c.value for c in second.counts]) == ("2/3 So start there #LeadingQI", [2, 6, 29])


def test_a_tweet_that_says_show_this_thread_in_its_words_keeps_them():
    words = "Show this thread to your board, they need to hear it #LeadingQI"
    card = cardlib.parse_card(f"{CARD}\n\n{words}\n\n💬 1 ↻ 2 ❤️ 3".split("\n"), 1, 2024)
    assert card is not None and card.text == words and len(card.counts) == 3


def test_the_first_tweet_of_the_november_thread_has_its_counts(nov):
    lines = NOV.read_text(encoding="utf-8").split("\n")
    first = _line(lines, "Q2 A thread on headroom")
    [tweet] = [q for q in nov.quotes if isinstance(q, Tweet) and q.line == first - 2]
    assert [(c.icon, c.value) for c in tweet.counts] == [("💬", 4), ("↻", 9), ("❤️", 37)]
    assert tweet.counts_line == _line(lines, "💬 4 ↻ 9 ❤️ 37") and "Show this thread" not in tweet.text


# --- a first name that is the panel's person behind a team account ------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Tom also reflected that “coaching isn't a course you send people on”.",
        "Tom commented “coaching isn't a course you send people on”.",
    ],
)
def test_a_first_name_that_is_the_panels_person_for_a_team_account_is_that_account(tmp_path, sentence):
    records, lines = _variant(
        tmp_path, ("[@BrackenfieldQI](#) reflected that “coaching isn't a course you send people on, ", f"{sentence} ")
    )
    n = _line(lines, sentence[:20])
    [quote] = [q for q in records.quotes if q.line == n]
    assert (quote.kind, quote.author, quote.question) == ("comment", "BrackenfieldQI", 5)
    [tom] = [p for p in records.people if p.handle == "BrackenfieldQI"]
    assert (tom.name, tom.on_behalf_of) == ("Tom Hughes", "brackenfield-improvement-team")
    assert _other_warnings(records) == []


def test_a_first_name_no_account_nor_panel_person_has_is_warned_of_and_dropped(tmp_path, nov):
    records, lines = _variant(tmp_path, ("[@BrackenfieldQI](#) reflected that", "Sam also reflected that"))
    n = _line(lines, "Sam also reflected that")
    assert not any(q.line == n for q in records.quotes)
    assert any(f":{n}: no account found for the first name 'Sam'" in w for w in records.warnings)


def test_a_panel_persons_first_name_before_any_card_of_theirs_is_their_account(tmp_path):
    # Nicola's first card comes in Q4: in Q2 only the panel has named her
    records, lines = _variant(
        tmp_path, ("[@DrNicolaBurgess](#) added that in the evaluation", "Nicola also added that")
    )
    n = _line(lines, "Nicola also added that")
    assert [(q.author, q.question) for q in records.quotes if q.line == n] == [("DrNicolaBurgess", 2)]
    assert _other_warnings(records) == []


def test_two_panel_people_of_one_first_name_are_no_answer(tmp_path):
    records, lines = _variant(
        tmp_path,
        ("- Tom Hughes for the Brackenfield", "- Nicola Hughes for the Brackenfield"),  # no card of hers before
        ("[@DrNicolaBurgess](#) added that in the evaluation", "Nicola also added that"),
    )
    n = _line(lines, "Nicola also added that")
    assert not any(q.line == n for q in records.quotes)
    assert any(f":{n}: no account found for the first name 'Nicola'" in w for w in records.warnings)


def test_the_panel_person_of_a_team_account_given_on_behalf_of(tmp_path):
    records, lines = _variant(
        tmp_path,
        (
            "- Tom Hughes for the Brackenfield Improvement Team, Brackenfield Community NHS Trust @BrackenfieldQI",
            "- Tom Hughes, on behalf of the Brackenfield Improvement Team, Brackenfield Community NHS Trust "
            "(@BrackenfieldQI)",
        ),
        ("[@BrackenfieldQI](#) reflected that", "Tom reflected that"),
    )
    [quote] = [q for q in records.quotes if q.line == _line(lines, "Tom reflected that")]
    assert quote.author == "BrackenfieldQI"


# --- the panel under another heading -------------------------------------------------------------------------------

PANEL_HEADING = "\nThe panel on the night:\n"


@pytest.mark.parametrize(
    "heading",
    [
        "With thanks to our panel:",
        "Our panellists on the night:",
        "Our panelists:",
        "Our guests tonight were:",
        "We were joined by:",
        "Joined on the night by:",
        "Meet the panel:",
    ],
)
def test_the_panel_under_another_heading(tmp_path, nov, heading):
    records, _ = _variant(tmp_path, (PANEL_HEADING, f"\n{heading}\n"))
    assert records.panel == nov.panel and len(records.panel) == 5
    assert _other_warnings(records) == []


def test_a_sentence_about_the_panel_before_its_heading_is_not_taken_for_it(tmp_path, nov):
    records, _ = _variant(
        tmp_path,
        ("Purpose\n", "We asked our panel one question:\n\n“What keeps you going?”\n\nPurpose\n"),
        (PANEL_HEADING, "\nWith thanks to our panel:\n"),
    )
    assert records.panel == nov.panel


@pytest.mark.parametrize(
    "sentence",
    [
        "Thanks to our guests for a great chat.",
        "Priya, one of our panel, didn't hold back...",
        "The panel on the night",
    ],
)
def test_an_ordinary_sentence_is_no_panel_heading(tmp_path, sentence):
    records, _ = _variant(tmp_path, (PANEL_HEADING, f"\n{sentence}\n"))
    assert records.panel == []
    assert any("panel: no 'Join our panel ...'" in w for w in records.warnings)


# --- a name the narrative prints with a handle ---------------------------------------------------------------------


def test_a_name_printed_with_a_handle_is_the_accounts_display_name(nov):
    accounts = {a.handle: a for a in nov.accounts}
    assert accounts["DeptLeadSofia"].display_name == "Sofia Marsh"
    assert accounts["OpsManagerRach"].display_name is None  # only '@OpsManagerRach responded': no name printed
    assert accounts["BrackenfieldQI"].display_name == "Brackenfield QI"  # its card's, not the panel person's


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Sofia Marsh (@DeptLeadSofia) added “admit when you don't know”.", [("Sofia Marsh", "DeptLeadSofia")]),
        ("Then Sofia Marsh (@DeptLeadSofia), also commented that “it worked”.", [("Sofia Marsh", "DeptLeadSofia")]),
        ("[Sofia Marsh](#) ([@DeptLeadSofia](#)): “admit it”.", [("Sofia Marsh", "DeptLeadSofia")]),
        ("Priya agreed, and Dr Lee Ong (@LeeOngQI) said “yes”.", [("Dr Lee Ong", "LeeOngQI")]),
        ("Thanks Jane (@JaneQI) for all the work on the slides.", []),
        ("Great to see Sofia Marsh (@DeptLeadSofia) here tonight.", []),
        ("The team at Brackenfield (@BrackenfieldQI) shared “a board”.", []),
    ],
)
def test_which_narrative_lines_print_a_speakers_name(line, expected):
    assert narrative.printed_names(line) == expected


def test_a_card_or_table_name_wins_over_the_narratives_and_a_signature_names_too(tmp_path):
    records, _ = _variant(
        tmp_path,
        ("[@OpsManagerRach](#) added “we stopped", "Kemi A (@NightShiftKemi) added “we stopped"),
        ("- @MatronJules", "— Jules Hart (@MatronJules)"),
        ("[@physio_dan](#) shared “Dan", "Dan Reid (@physio_dan) shared “Dan"),
    )
    accounts = {a.handle: a.display_name for a in records.accounts}
    assert accounts["NightShiftKemi"] == "Kemi Adeyemi"  # her card's
    assert accounts["MatronJules"] == "Jules Hart"
    assert accounts["physio_dan"] == "Dan Reid"


# --- the chat's hour as a range, with no 'at' ----------------------------------------------------------------------

DATE_LINE = "took place on Tuesday 26th November 2024 at 7pm GMT hosted by"
RAN_FROM = "which ran from 7-8pm on 26th November 2024"


@pytest.mark.parametrize(
    ("when", "start", "end"),
    [
        ("took place on Tuesday 26th November 2024, 7-8pm GMT, hosted by", (19, 0), (20, 0)),
        ("took place on Tuesday 26th November 2024, 7pm-8.30pm GMT, hosted by", (19, 0), (20, 30)),
        ("took place on 26th November 2024 from 19:00-20:00 GMT hosted by", (19, 0), (20, 0)),
        ("took place on Tuesday 26th November 2024, 11-12pm GMT, hosted by", (11, 0), (12, 0)),
        ("took place on Tuesday 26th November 2024 at 7pm GMT, hosted by", (19, 0), (20, 0)),
    ],
)
def test_the_chats_hour_as_a_range_with_no_at(tmp_path, when, start, end):
    records, lines = _variant(tmp_path, (DATE_LINE, when), (RAN_FROM, "on 26th November 2024"))
    chat = records.chat
    assert (chat.date, chat.start, chat.end, chat.timezone) == (
        dt.date(2024, 11, 26),
        dt.time(*start),
        dt.time(*end),
        "GMT",
    )
    assert chat.line == _line(lines, when)


def test_a_ran_from_line_still_gives_the_end(tmp_path):
    records, _ = _variant(
        tmp_path,
        (DATE_LINE, "took place on Tuesday 26th November 2024, 7-8pm GMT, hosted by"),
        (RAN_FROM, "which ran from 7-8.15pm on 26th November 2024"),
    )
    assert (records.chat.start, records.chat.end) == (dt.time(19), dt.time(20, 15))


@pytest.mark.parametrize(
    ("when", "where"),
    [
        ("took place on Tuesday 26th November 2024, 7-8 GMT, hosted by", ":17: chat.date: "),  # no am/pm: a guess
        ("took place on Tuesday 26th November 2024, in the evening, hosted by", " chat.date: expected a line like"),
    ],
)
def test_a_date_line_with_no_readable_hour_is_an_error_naming_a_line(tmp_path, when, where):
    with pytest.raises(ExtractionError) as info:
        _variant(tmp_path, (DATE_LINE, when))
    [problem] = info.value.problems
    assert where in problem and "hosted by" in problem


# --- 'What you told us' as the insights heading ---------------------------------------------------------------------

INSIGHTS_HEADING = "\nInsights from the chat\n"


@pytest.mark.parametrize("heading", ["What you told us", "What you told us:", "What we heard from you"])
def test_what_you_told_us_heads_the_insights(tmp_path, nov, heading):
    records, lines = _variant(tmp_path, (INSIGHTS_HEADING, f"\n{heading}\n"))
    assert [(q.number, q.line) for q in records.questions] == [(q.number, q.line) for q in nov.questions]
    assert [(q.line, q.author, q.question) for q in records.quotes] == [
        (q.line, q.author, q.question) for q in nov.quotes
    ]
    assert _other_warnings(records) == []


def test_a_sentence_that_starts_what_you_told_us_is_no_heading(tmp_path):
    with pytest.raises(ExtractionError) as info:
        _variant(tmp_path, (INSIGHTS_HEADING, "\nWhat you told us about headroom surprised us.\n"))
    assert any("Insights and Learning: section missing" in p for p in info.value.problems)
