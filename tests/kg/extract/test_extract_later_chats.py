"""Later chats of the series read from their reports: the invented reports of fixtures/ (TEST DATA), in the first
report's layout with what another converter or author varies. Expected facts are read from those texts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kg.extract.markup import clean
from kg.extract.report import ExtractionError, extract
from kg.records import Tweet

FIXTURES = Path(__file__).with_name("fixtures")
JAN = FIXTURES / "leadingqi-2023-01-31-report.txt"  # no Q1, counts one per line, [@x](#), <p> table cells
FEB = FIXTURES / "leadingqi-2023-02-28-report.txt"  # Q1, icon counts, bare @x, tab table, influencers


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _line_of(path: Path, words: str) -> int:
    [n] = [i for i, line in enumerate(_lines(path), start=1) if words in line]
    return n


@pytest.fixture(scope="module")
def jan():
    return extract(JAN)


@pytest.fixture(scope="module")
def feb():
    return extract(FEB)


def test_both_reports_are_marked_as_test_data():
    for path in (JAN, FEB):
        assert _lines(path)[0].startswith("TEST DATA:")


def test_the_chat_is_dated_timed_titled_and_hosted_as_its_report_says(jan, feb):
    assert (jan.chat.date, jan.chat.start, jan.chat.end, jan.chat.timezone) == (
        dt.date(2023, 1, 31),
        dt.time(19),
        dt.time(20),
        "GMT",
    )
    assert jan.chat.utc_offset == "+00:00" and jan.source_slug == "leadingqi-2023-01-31"
    assert jan.chat.title == "How to embed improvement routines into everyday work"  # not the TEST DATA line
    assert jan.chat.host == "warwick-business-school" and feb.chat.host == "warwick-business-school"
    assert feb.chat.title == clean(_lines(FEB)[_line_of(FEB, "Tweet Chat Report") - 3])


def test_a_report_that_starts_at_question_2_has_questions_2_and_3_only(jan):
    assert [(q.number, q.text) for q in jan.questions] == [
        (2, "What daily routines help your teams improve the work as they do it?"),
        (3, "How do you keep the golden thread from the board to the ward?"),
    ]
    assert jan.questions[0].line == _line_of(JAN, "Question 2: What daily routines")


def test_the_panel_keeps_each_members_organisation_as_printed_new_ones_included(jan, feb):
    panel = {p.handle: p for p in jan.people if p.handle in jan.panel}
    assert set(panel) == {"KPOteam_SASH", "PriyaR_QI", "TomOkaforQI", "DrNicolaBurgess"}
    orgs = {o.slug: o for o in jan.organisations}
    new = orgs[panel["PriyaR_QI"].affiliations[0]]
    assert (new.name, new.kind, new.line) == (
        "Northshire Community Health Partnership",
        "other",
        _line_of(JAN, "- Priya Ramsden"),
    )
    assert panel["PriyaR_QI"].role == "improvement lead"
    assert panel["KPOteam_SASH"].affiliations == ["surrey-and-sussex-healthcare-nhs-trust"]  # known: shared node
    feb_panel = {p.handle: p for p in feb.people if p.handle in feb.panel}
    assert feb_panel["GraceAdeyemiICB"].affiliations == ["riverside-integrated-care-board"]
    assert feb_panel["JIMMY_PARVIN"].affiliations == ["leeds-teaching-hospitals-nhs-trust"]


def test_only_the_organisations_a_report_prints_are_its_own(jan):
    slugs = {o.slug for o in jan.organisations}
    assert "nhs-england" not in slugs and "hexitime" not in slugs  # the first report's, not printed here
    text = "\n".join(clean(x) for x in _lines(JAN))
    for org in jan.organisations:
        assert any(name in text for name in [org.name, *org.alt_names]), org.slug


def test_every_tweet_card_with_author_date_and_counts_one_per_line_or_with_icons(jan, feb):
    tweets = [q for q in jan.quotes if isinstance(q, Tweet)]
    cards = [
        n for n, line in enumerate(_lines(JAN), start=1) if re.search(r"@\w+ · (\w{3} \d+, \d{4}|\d+ \w{3})$", line)
    ]
    assert [t.line for t in tweets] == cards
    late = next(t for t in tweets if t.author == "helenbevan")
    assert late.date == dt.date(2023, 2, 1)  # the day after the chat, as the card says
    assert [c.value for c in late.counts] == [1, 2, 8]  # three numbers, one a line
    priya = next(t for t in tweets if t.author == "PriyaR_QI")
    assert priya.replying_to == ["WarwickBSchool", "DrNicolaBurgess"] and priya.replying_to_others == 2
    assert priya.question == 2
    grace = next(q for q in feb.quotes if isinstance(q, Tweet) and q.author == "GraceAdeyemiICB")
    assert [(c.metric, c.value) for c in grace.counts][:3] == [("reply", 1), ("retweet", 2), ("like", 9)]
    assert grace.question == 1


def test_html_in_a_tweet_is_kept_as_the_words_it_is(jan):
    late = next(q for q in jan.quotes if q.author == "helenbevan")
    assert "<script>alert('huddle')</script>" in late.text


def test_inline_comments_and_pull_quotes_have_author_question_and_line(jan, feb):
    comment = next(q for q in jan.quotes if q.kind == "comment" and "genba" in q.text)
    assert (comment.author, comment.question, comment.line) == ("TomOkaforQI", 2, _line_of(JAN, "we walk the genba"))
    pull = next(q for q in jan.quotes if q.kind == "pullquote")
    assert (pull.author, pull.question, pull.text) == (
        "DrNicolaBurgess",
        2,
        "Routines only stick when leaders turn up to them",
    )
    bare = next(q for q in feb.quotes if q.kind == "comment")
    assert (bare.author, bare.question) == ("Sutcliffe1987", 2)  # '@Sutcliffe1987 responded', no link markup
    assert next(q for q in feb.quotes if q.kind == "pullquote").author == "GraceAdeyemiICB"


def test_analytics_influencers_and_what_is_absent(jan, feb):
    assert [(m.slug, m.value) for m in jan.measurements] == [("participants", 312.0)]
    assert jan.influencers == []  # the report has no influencer table: none, and no error
    top = [(r.ranking, r.handle, r.value) for r in feb.influencers if r.rank == 1]
    assert top == [
        ("most-active", "LouWaters_QI", 88),
        ("original-tweets", "Sutcliffe1987", 31),
        ("highest-impact", "WarwickBSchool", 904112),
    ]
    assert not any("Traceback" in w for w in jan.warnings + feb.warnings)


def test_resources_from_p_cells_and_plain_tabs_with_their_sharers(jan, feb):
    shared = {r.slug: r for r in jan.resources if not r.core}
    assert shared["the-habits-of-an-improver"].shared_by == ["BryanJns"]  # the first chat shared it too
    assert shared["tea-and-toast-at-nine"].shared_by == ["TomOkaforQI"]
    assert [r.slug for r in jan.resources if r.core] == ["six-key-lessons-from-the-nhs-and-virginia"]
    feb_shared = {r.slug: r.shared_by for r in feb.resources if not r.core}
    assert feb_shared == {"skills-for-collaborative-change": ["PennyPereira1"], "huddles-that-stick": ["jimmy_parvin"]}


def test_the_next_date_from_what_next_and_save_the_dates(jan, feb):
    assert [(f.date, f.timezone, f.line) for f in jan.follow_ups] == [
        (dt.date(2023, 2, 28), "GMT", _line_of(JAN, "will take place on **Tuesday 28th February 2023**"))
    ]
    assert [f.date for f in feb.follow_ups] == [dt.date(2023, 3, 28), dt.date(2023, 4, 25)]


def test_a_report_without_curation_gets_none(jan):
    assert jan.curated_themes == []


def test_curation_words_not_in_the_report_are_an_error_naming_the_curation_line(tmp_path: Path):
    report = tmp_path / JAN.name
    report.write_bytes(JAN.read_bytes())
    curation = tmp_path / f"{JAN.stem}.curation.yaml"
    curation.write_text(
        "themes:\n"
        "  questions:\n"
        "    - {question: 2, themes: [embed-qi-routines], at: 'Question 2: What daily routines', reason: its words}\n"
        "  items:\n"
        "    - {resource: tea-and-toast-at-nine, themes: [human-connection], at: 'Tea and toast at nine', reason: r}\n"
        "resources:\n"
        "    - {at: 'words this report never prints', reason: r}\n",
        encoding="utf-8",
    )
    with pytest.raises(ExtractionError) as info:
        extract(report)
    assert [p.split(": ", 2)[:2] for p in info.value.problems] == [[f"{curation}:7", "resources[0].at"]]
    curation.write_text(curation.read_text().rsplit("resources:", 1)[0], encoding="utf-8")
    records = extract(report)
    assert [(t.scope, t.question, t.resource, t.line) for t in records.curated_themes] == [
        ("section", 2, None, _line_of(JAN, "Question 2: What daily routines")),
        ("resource", None, "tea-and-toast-at-nine", _line_of(JAN, "Tea and toast at nine")),
    ]


def test_curation_words_on_two_lines_are_refused(tmp_path: Path):
    report = tmp_path / JAN.name
    report.write_bytes(JAN.read_bytes())
    (tmp_path / f"{JAN.stem}.curation.yaml").write_text(
        "themes:\n  items:\n    - {question: 3, themes: [golden-thread], at: 'golden thread', reason: r}\n",
        encoding="utf-8",
    )
    with pytest.raises(ExtractionError) as info:
        extract(report)
    [problem] = info.value.problems
    assert ":3: themes.items[0].at: the words 'golden thread' are on 2 lines" in problem


def test_question_headings_with_a_full_stop_or_a_dash(feb):
    assert [(q.number, q.text, q.line) for q in feb.questions] == [
        (
            1,
            clean(_lines(FEB)[_line_of(FEB, "Question 1. Welcome") - 1]).split(". ", 1)[1],
            _line_of(FEB, "Question 1."),
        ),
        (
            2,
            "How do you hold each other to account for how you behave, not only for results?",
            _line_of(FEB, "Question 2 –"),
        ),
    ]


def test_an_organisation_of_the_reports_curation_gets_its_kind_and_must_be_printed(tmp_path: Path):
    report = tmp_path / JAN.name
    report.write_bytes(JAN.read_bytes())
    curation = tmp_path / f"{JAN.stem}.curation.yaml"
    curation.write_text(
        "organisations:\n"
        "  - {slug: northshire-community-health-partnership, name: Northshire Community Health Partnership,\n"
        "     kind: health-system}\n",
        encoding="utf-8",
    )
    [org] = [o for o in extract(report).organisations if o.slug == "northshire-community-health-partnership"]
    assert (org.kind, org.line) == ("health-system", _line_of(JAN, "- Priya Ramsden"))
    curation.write_text(curation.read_text().replace("Northshire Community", "Southshire Community"), encoding="utf-8")
    with pytest.raises(ExtractionError) as info:
        extract(report)
    assert info.value.problems[0].startswith(f"{curation}:2: organisations[0]: {JAN.name} prints neither")


def test_an_organisation_printed_with_its_abbreviation_is_the_known_node(tmp_path: Path):
    report = tmp_path / JAN.name
    text = JAN.read_text(encoding="utf-8")
    text = text.replace(
        "- Sue Jenkins, Surrey and Sussex Healthcare NHS Trust @KPOteam_SASH", "- Sue Jenkins, VMI @KPOteam_SASH"
    )
    text = text.replace(
        "- Tom Okafor, Harbourside Mental Health Foundation Trust @TomOkaforQI",
        "- Tom Okafor, Harbourside Mental Health Foundation Trust (HMHFT) @TomOkaforQI",
    )
    report.write_text(
        text.replace("Warwick Business School @DrNicolaBurgess", "Warwick Business School (WBS) @DrNicolaBurgess"),
        encoding="utf-8",
    )
    records = extract(report)
    panel = {p.handle: p.affiliations for p in records.people if p.handle in records.panel}
    assert panel["KPOteam_SASH"] == ["virginia-mason-institute"]  # a listed alternative name
    assert panel["DrNicolaBurgess"] == ["warwick-business-school"]
    assert panel["TomOkaforQI"] == ["harbourside-mental-health-foundation-trust"]
    [tom] = [o for o in records.organisations if o.slug == "harbourside-mental-health-foundation-trust"]
    assert (tom.name, tom.alt_names) == ("Harbourside Mental Health Foundation Trust", ["HMHFT"])


def test_a_card_dated_day_month_year_the_day_after(feb):
    jimmy = next(q for q in feb.quotes if isinstance(q, Tweet) and q.author == "jimmy_parvin")
    assert (jimmy.date, jimmy.line) == (dt.date(2023, 3, 1), _line_of(FEB, "@jimmy_parvin · 1 Mar 2023"))


def test_a_panel_line_on_behalf_of_a_team_names_the_team_and_the_person_apart():
    march = extract(FIXTURES / "leadingqi-2023-03-28-report.txt")  # TEST DATA with team accounts
    panel = {p.handle: p for p in march.people if p.handle in march.panel}
    marcus = panel["HarbourQT"]
    assert (marcus.name, marcus.on_behalf_of, marcus.affiliations, marcus.role) == (
        "Marcus Reid",
        "harbourside-quality-team",
        ["harbourside-mental-health-foundation-trust"],
        None,
    )
    assert {o.slug: o.name for o in march.organisations}["harbourside-quality-team"] == "Harbourside Quality Team"
    assert {a.handle: a.kind for a in march.accounts}["HarbourQT"] == "organisation"
    assert panel["AdeBelloQI"].on_behalf_of is None and panel["AdeBelloQI"].role == "improvement coach"


MARCH = FIXTURES / "leadingqi-2023-03-28-report.txt"


def test_a_known_name_inside_a_longer_name_is_not_that_organisation(jan):
    """Both reports print "Harbourside Mental Health Foundation Trust", whose words hold "Health Foundation", an
    alternative name of The Health Foundation. March never prints The Health Foundation: it is not March's; Jan
    prints it as a publisher, and that line, not the trust's, is where Jan's node comes from."""
    march_text = MARCH.read_text(encoding="utf-8")
    assert "Mental Health Foundation Trust" in march_text
    assert not re.search(r"(?<!Mental )Health Foundation", march_text)
    assert "the-health-foundation" not in {o.slug for o in extract(MARCH).organisations}
    [org] = [o for o in jan.organisations if o.slug == "the-health-foundation"]
    assert org.line == _line_of(JAN, ". The Health Foundation;")


def test_a_known_name_on_its_own_or_after_an_article_is_that_organisation(tmp_path: Path):
    for words in ("Thanks to Health Foundation colleagues.", "Thanks to The Health Foundation.", "Health Foundation"):
        lines = _lines(MARCH)
        at = _line_of(MARCH, "Mental Health Foundation Trust @HarbourQT")
        report = tmp_path / MARCH.name
        report.write_text("\n".join([*lines[:at], words, *lines[at:]]), encoding="utf-8")
        [org] = [o for o in extract(report).organisations if o.slug == "the-health-foundation"]
        assert org.line == at + 1, words
