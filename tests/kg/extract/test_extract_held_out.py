"""Reports the way another converter and another author write them: the invented reports of fixtures/ (TEST DATA) of
25 April 2023 (Windows line endings, no-break spaces, page numbers and running headers inside a card, a very long
line, cards dated without a year, icon counts one a line, questions 2-4 only, no analytics, influencers or core
resources) and 30 May 2023 (question headings with number words, capitals and 'Q3 –', known handles in other case
and misspelt, 'NHS FT', '&', HTML and scripts in the words, a short influencer column, resources shared again in
other citation styles, web addresses, a row with no sharer). Expected facts are read from those texts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kg.extract.markup import clean
from kg.extract.report import ExtractionError, extract
from kg.records import Tweet

FIXTURES = Path(__file__).with_name("fixtures")
APR = FIXTURES / "leadingqi-2023-04-25-report.txt"
MAY = FIXTURES / "leadingqi-2023-05-30-report.txt"
SEED = Path(__file__).resolve().parents[3] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")


def _line_of(path: Path, words: str) -> int:
    [n] = [i for i, line in enumerate(_lines(path), start=1) if words in clean(line)]
    return n


def _text(path: Path, n: int) -> str:
    return clean(_lines(path)[n - 1])


@pytest.fixture(scope="module")
def apr():
    return extract(APR)


@pytest.fixture(scope="module")
def may():
    return extract(MAY)


@pytest.fixture(scope="module")
def seed():
    return extract(SEED)


def _tweet(records, author: str) -> Tweet:
    [t] = [q for q in records.quotes if isinstance(q, Tweet) and q.author == author]
    return t


def test_the_reports_are_test_data_and_keep_what_a_converter_left_in_them():
    raw = APR.read_bytes()
    assert APR.read_text(encoding="utf-8").startswith("TEST DATA:") and MAY.read_text().startswith("TEST DATA:")
    assert raw.count(b"\r\n") == raw.count(b"\n")  # Windows line endings throughout
    assert "\u00a0·\u00a0" in raw.decode("utf-8")  # a card header with no-break spaces
    assert max(len(x) for x in _lines(APR)) > 4000  # one very long line


def test_a_card_header_with_no_break_spaces_is_a_card_and_each_question_has_its_asker(apr):
    [card] = [n for n, line in enumerate(_lines(APR), start=1) if "\u00a0·" in line]
    assert _text(APR, card) == "WBS @WarwickBSchool · 25 Apr"  # clean() folds the no-break spaces
    wbs = [q for q in apr.quotes if isinstance(q, Tweet) and q.author == "WarwickBSchool"]
    assert wbs[0].line == card
    assert [(q.number, q.asked_by, q.asked_in_line) for q in apr.questions] == [
        (2, "WarwickBSchool", card),
        (3, "WarwickBSchool", wbs[1].line),
        (4, "WarwickBSchool", wbs[2].line),
    ]


def test_questions_2_to_4_under_headings_written_three_ways(apr):
    got = [(q.number, q.text, q.line) for q in apr.questions]
    expected = []
    for words in ("Question 2:", "QUESTION 3:", "Question 4 -"):
        n = _line_of(APR, words)
        expected.append((int(re.search(r"\d", words)[0]), re.split(r"[:-] ", _text(APR, n), maxsplit=1)[1], n))
    assert got == expected


def test_question_headings_with_number_words_capitals_and_a_short_q_form(may):
    expected = []
    for number, words in ((1, "Question one:"), (2, "QUESTION TWO:"), (3, "Q3 – What")):
        n = _line_of(MAY, words)
        expected.append((number, re.split(r"[:–] ", _text(MAY, n), maxsplit=1)[1], n))
    assert [(q.number, q.text, q.line) for q in may.questions] == expected
    # the WBS card's own 'Q3: ...' words stay the card's: the heading is the line outside every card
    assert may.questions[2].asked_by == "WarwickBSchool"


def test_a_card_dated_without_a_year_is_the_chats_year_the_day_after(apr, may):
    jose = _tweet(apr, "JoseAlvarezQI")
    assert (jose.date, jose.line, jose.display_name) == (
        dt.date(2023, 4, 26),
        _line_of(APR, "· Apr 26"),
        "José Álvarez",
    )
    jimmy = _tweet(may, "jimmy_parvin")
    assert (jimmy.date, jimmy.line) == (dt.date(2023, 5, 31), _line_of(MAY, "@jimmy_parvin · 31 May"))
    assert jimmy.replying_to == ["WarwickBSchool"] and jimmy.replying_to_others == 1


def test_a_page_break_inside_a_card_leaves_its_counts_whole_and_is_a_warning(apr):
    jose = _tweet(apr, "JoseAlvarezQI")
    header = _line_of(APR, "| Tweet Chat Report")
    page_number = max(n for n in range(jose.line, header) if _text(APR, n))  # the footer just before the header
    assert _text(APR, page_number).isdigit()
    numbers = [int(_text(APR, n)) for n in range(header + 1, header + 7) if _text(APR, n).isdigit()]
    assert [c.value for c in jose.counts] == numbers and jose.counts_line == header + 2
    assert "Page" not in jose.text and "Tweet Chat Report" not in jose.text
    [warning] = [w for w in apr.warnings if "running headers" in w]
    skipped = sorted({page_number, header, _line_of(APR, "Page 3 of 6")})
    assert warning.startswith(f"{APR}:{skipped[0]}: ") and ", ".join(map(str, skipped)) in warning


def test_icon_counts_one_a_line_are_read_with_their_metrics(apr):
    first = next(q for q in apr.quotes if isinstance(q, Tweet) and q.author == "WarwickBSchool")
    icons = [t for n in range(first.line, first.line + 14) if (t := _text(APR, n)) and t[0] in "💬↻❤"]
    assert len(icons) == 3
    assert [(c.metric, c.value) for c in first.counts] == [
        (metric, int(text.split()[-1])) for metric, text in zip(("reply", "retweet", "like"), icons, strict=True)
    ]


def test_a_first_name_with_an_accent_resolves_to_the_account_of_the_card_above(apr):
    n = _line_of(APR, "Zoë also commented")
    [comment] = [q for q in apr.quotes if q.line == n]
    assert (comment.kind, comment.author, comment.question) == ("comment", "ZoeNiBhriain", 2)
    assert comment.text == re.search(r"“(.+)”", _text(APR, n))[1]


def test_a_very_long_tweet_is_kept_whole(apr):
    lee = _tweet(apr, "Sutcliffe1987")
    assert lee.text == _text(APR, lee.line + 2) and len(lee.text) > 4000
    assert [c.value for c in lee.counts] == [3, 1, 9]


def test_nhs_ft_and_ampersand_printings_are_the_same_organisation(apr, may, seed):
    panel = {p.handle: p.affiliations for p in apr.people if p.handle in apr.panel}
    assert panel["JoseAlvarezQI"] == panel["ZoeNiBhriain"] == ["westmarch-university-hospitals-nhs-foundation-trust"]
    assert panel["BryanJns"] == ["the-health-foundation"]  # 'Health Foundation', a listed alternative name
    may_panel = {p.handle: p.affiliations for p in may.people if p.handle in may.panel}
    assert may_panel["RhysApG"] == may_panel["AmaraOH_QI"] == ["eastfield-community-nhs-foundation-trust"]
    seed_orgs = {o.slug for o in seed.organisations}
    assert may_panel["kpoteam_sash"] == ["surrey-and-sussex-healthcare-nhs-trust"] and may_panel["kpoteam_sash"][0] in (
        seed_orgs
    )
    glos = {o.slug: o for o in may.organisations}["gloucestershire-hospitals-nhs-foundation-trust"]
    assert glos.line == _line_of(MAY, "Gloucestershire Hospitals NHS FT")
    assert len([o for o in may.organisations if o.slug.startswith("eastfield")]) == 1


def test_handles_in_other_case_are_kept_as_printed_and_a_misspelling_is_not_merged(may):
    handles = {a.handle for a in may.accounts}
    assert {"drnicolaburgess", "DrNicolaBurgess", "kpoteam_sash", "jimmyparvin", "bryanjns"} <= handles
    assert _tweet(may, "drnicolaburgess").display_name == "Dr Nicola Burgess"
    # '@DrNicolaBurges' (one 's') is printed once: its own account until a reviewer lists it as an alias
    [agreed] = [q for q in may.quotes if q.line == _line_of(MAY, "@DrNicolaBurges agreed")]
    assert agreed.author == "DrNicolaBurges"


def test_html_and_scripts_in_the_words_are_kept_as_words(may):
    rhys = next(q for q in may.quotes if q.kind == "comment" and q.author == "RhysApG")
    assert "<b>one</b>" in rhys.text and "<script>alert(1)</script>" in rhys.text  # '&lt;script&gt;' as printed
    pull = next(q for q in may.quotes if q.kind == "pullquote")
    assert pull.author == "RhysApG" and pull.text.startswith("<script>alert('thread')</script>")
    assert "&" in _tweet(may, "AmaraOH_QI").text and "&amp;" not in _tweet(may, "AmaraOH_QI").text


def test_what_the_april_report_lacks_is_absent_with_a_warning_each(apr):
    assert apr.measurements == [] and apr.influencers == [] and not any(r.core for r in apr.resources)
    for heading in ("Analytics", "The Influencers", "Core resources"):
        assert any(f"{heading}: no such section" in w for w in apr.warnings), heading
    assert all(re.match(rf"{re.escape(str(APR))}:\d+: ", w) for w in apr.warnings)  # every warning names FILE:LINE


def test_an_influencer_column_shorter_than_the_others_leaves_only_its_own_cells_empty(may):
    third = _line_of(MAY, "@RhysApG Rhys ap Gwilym\t22".replace("\t", " "))
    rows = [(r.ranking, r.rank, r.handle, r.value) for r in may.influencers if r.line == third]
    cells = [c.strip() for c in _lines(MAY)[third - 1].split("\t") if c.strip()]
    assert rows == [
        ("most-active", 3, cells[0].split()[0][1:], int(cells[1])),
        ("original-tweets", 3, cells[2].split()[0][1:], int(cells[3])),
    ]
    assert len(may.influencers) == 8


def test_a_web_address_in_a_resource_is_its_link_not_its_title(apr, may):
    toolkit = _line_of(APR, "Westmarch relational huddles toolkit")
    [res] = [r for r in apr.resources if r.line == toolkit]
    url = re.search(r"https://\S+?(?=\))", _text(APR, toolkit))[0]
    assert (res.title, res.url) == ("Westmarch relational huddles toolkit", url)
    assert "?" in url and "&" in url
    wiki = _line_of(MAY, "wikipedia.org")
    [res] = [r for r in may.resources if r.line == wiki]
    assert res.url == re.search(r"https://\S+?(?=</p>)", _lines(MAY)[wiki - 1])[0] and res.url.endswith("(walk)")
    assert any(w.startswith(f"{MAY}:{wiki}: citation style not recognised") for w in may.warnings)


def test_an_address_shared_in_two_chats_is_one_resource_whatever_its_scheme_or_closing_slash(apr, may):
    a = next(r for r in apr.resources if r.url and "relational-huddles" in r.url)
    b = next(r for r in may.resources if r.url and "relational-huddles" in r.url)
    assert a.url != b.url and a.url.startswith("https://www.") and b.url.startswith("http://")
    assert a.slug == b.slug and a.title is None and a.label == a.url


def test_resources_the_first_chat_shared_are_the_same_nodes_in_another_citation_style(may, seed):
    seeds = {r.slug: r for r in seed.resources}
    habits = next(r for r in may.resources if r.line == _line_of(MAY, "Lucas B, Nacer H"))
    assert habits.slug in seeds and habits.title == seeds[habits.slug].title and habits.shared_by == ["bryanjns"]
    health = next(r for r in may.resources if r.line == _line_of(MAY, "http://doi.org/"))
    assert health.slug in seeds and health.doi == seeds[health.slug].doi  # not '.../HF-2022-106/'
    [blog] = [r for r in may.resources if r.core]
    assert blog.slug in seeds


def test_a_row_with_an_empty_shared_by_cell_has_no_sharer_not_the_row_aboves(apr, may):
    for records, path in ((apr, APR), (may, MAY)):
        row = _line_of(path, "[Video]" if path == APR else "[Tool]")
        [res] = [r for r in records.resources if r.line == row]
        assert res.shared_by == []
        assert any(w.startswith(f"{path}:{row}: the 'Shared by' cell is empty") for w in records.warnings)
    tool = next(r for r in may.resources if r.line == _line_of(MAY, "[Tool]"))
    assert (tool.title, tool.year, tool.publisher) == (
        "One page, one priority",
        2023,
        "Eastfield Community NHS Foundation Trust",
    )


# --- what else a later author writes, made from the May report in a temporary folder -------------------------------


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = MAY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / MAY.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("printed", "start"),
    [("at 7:30pm BST", dt.time(19, 30)), ("at 19:00 BST", dt.time(19)), ("at 7.15pm BST", dt.time(19, 15))],
)
def test_the_chats_time_in_other_notations(tmp_path: Path, printed: str, start: dt.time) -> None:
    chat = extract(_variant(tmp_path, "at 7pm BST", printed)).chat
    assert (chat.start, chat.timezone) == (start, "BST")


def test_a_date_without_its_weekday(tmp_path: Path) -> None:
    assert extract(_variant(tmp_path, "on Tuesday 30th May", "on 30th May")).chat.date == dt.date(2023, 5, 30)


def test_a_date_line_no_rule_reads_names_the_nearest_line_and_what_was_expected(tmp_path: Path) -> None:
    path = _variant(tmp_path, "at 7pm BST", "in the evening")
    with pytest.raises(ExtractionError) as info:
        extract(path)
    [problem] = info.value.problems
    n = _line_of(path, "which took place on Tuesday 30th May 2023")
    assert problem.startswith(f"{path}:{n}: chat.date: expected a line like '... took place on Tuesday")
    assert "(?P<" not in problem  # words, not the pattern


def test_a_signed_off_report_without_what_next_or_shared_resources_is_read_with_warnings(tmp_path: Path) -> None:
    text = MAY.read_text(encoding="utf-8")
    cut = text[: text.index("Shared resources")] + text[text.rindex("Report produced by") :]
    path = tmp_path / MAY.name
    path.write_text(cut, encoding="utf-8")
    records = extract(path)
    assert [r.core for r in records.resources] == [True] and records.follow_ups == []
    for heading in ("Shared resources", "What next?"):
        assert any(f"{path}:1: {heading}: no such section" in w for w in records.warnings)


def test_a_report_cut_off_before_what_next_is_still_an_error(tmp_path: Path) -> None:
    text = MAY.read_text(encoding="utf-8")
    path = tmp_path / MAY.name
    path.write_text(text[: text.index("What next?")], encoding="utf-8")
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert any("What next?: section missing" in p and "truncated?" in p for p in info.value.problems)


def test_a_card_with_a_relative_date_is_a_warning_not_a_silent_loss(tmp_path: Path) -> None:
    path = _variant(tmp_path, "@AmaraOH_QI · May 30, 2023", "@AmaraOH_QI · 2h")
    records = extract(path)
    n = _line_of(path, "@AmaraOH_QI · 2h")
    assert not any(q.line == n for q in records.quotes if isinstance(q, Tweet))
    assert any(w.startswith(f"{path}:{n}: looks like a tweet card, but '2h'") for w in records.warnings)


def test_a_card_without_a_year_after_new_years_eve_is_dated_in_the_new_year() -> None:
    from kg.extract.cards import parse_date

    eve = dt.date(2023, 12, 31)
    assert parse_date("Jan 1", eve) == dt.date(2024, 1, 1) and parse_date("31 Dec", eve) == eve
    assert parse_date("30 Dec", dt.date(2024, 1, 2)) == dt.date(2023, 12, 30)
    assert parse_date("Jan 1, 2025", eve) == dt.date(2025, 1, 1)  # a year printed is the year


def _panel_lines(path: Path) -> list[int]:
    return [n for n, line in enumerate(_lines(path), start=1) if re.match(r"^- .+ @\w+$", clean(line))]


@pytest.mark.parametrize("bullet", ["•", "*", "1.", "–"])
def test_panel_and_analytics_lists_with_other_bullets(tmp_path: Path, bullet: str) -> None:
    lines = MAY.read_text(encoding="utf-8").split("\n")
    items = [*_panel_lines(MAY), _line_of(MAY, "people took part in the tweetchat")]
    for n in items:
        lines[n - 1] = bullet + lines[n - 1][1:]
    path = tmp_path / MAY.name
    path.write_text("\n".join(lines), encoding="utf-8")
    records = extract(path)
    assert records.panel == extract(MAY).panel and len(records.panel) == len(_panel_lines(MAY))
    assert [(m.slug, m.value) for m in records.measurements] == [(m.slug, m.value) for m in extract(MAY).measurements]


def test_a_chat_with_no_panel_list_says_so(tmp_path: Path) -> None:
    path = _variant(tmp_path, "Join our panel of leaders for a Twitter discussion:", "Who joined us:")
    records = extract(path)
    assert records.panel == [] and any(w.startswith(f"{path}:1: panel: no 'Join our panel") for w in records.warnings)


@pytest.mark.parametrize("heading", ["What’s next?", "What's Next", "WHAT NEXT?"])
def test_a_heading_written_another_way_is_that_section(tmp_path: Path, heading: str) -> None:
    records = extract(_variant(tmp_path, "What next?", heading))
    assert [f.date for f in records.follow_ups] == [f.date for f in extract(MAY).follow_ups] != []
    assert not any("What next?" in w for w in records.warnings)


def test_a_list_item_reading_like_a_heading_is_no_heading(tmp_path: Path) -> None:
    records = extract(_variant(tmp_path, "Shared resources\n", "- Shared resources\n\nShared resources\n"))
    assert len(records.resources) == len(extract(MAY).resources)


def test_the_shared_resources_as_a_markdown_table(tmp_path: Path) -> None:
    text = MAY.read_text(encoding="utf-8")
    start, end = text.index("Shared by\tResource"), text.index("What next?")
    rows = []
    for row in text[start:end].strip().split("\n"):
        cells = [clean(c) for c in row.split("\t")]
        rows.append("| " + " | ".join(cells) + " |")
    rows.insert(1, "|---|---|")
    path = tmp_path / MAY.name
    path.write_text(text[:start] + "\n".join(rows) + "\n\n" + text[end:], encoding="utf-8")
    records = extract(path)
    assert [(r.slug, r.shared_by, r.url) for r in records.resources] == [
        (r.slug, r.shared_by, r.url) for r in extract(MAY).resources
    ]
    assert not any("not understood" in w for w in records.warnings)


def test_an_influencer_table_whose_tabs_were_lost(tmp_path: Path) -> None:
    text = MAY.read_text(encoding="utf-8")
    start, end = text.index("MOST ACTIVE"), text.index("Insights and Learning")
    path = tmp_path / MAY.name
    path.write_text(text[:start] + re.sub(r"\t+", "  ", text[start:end]) + text[end:], encoding="utf-8")
    records = extract(path)
    full = [r for r in extract(MAY).influencers if r.rank < 3]  # the rows with all three cells
    assert [(r.ranking, r.rank, r.handle, r.value) for r in records.influencers] == [
        (r.ranking, r.rank, r.handle, r.value) for r in full
    ]
    third = _line_of(path, "@RhysApG Rhys ap Gwilym 22")
    assert any(w.startswith(f"{path}:{third}: influencers: this row is not three") for w in records.warnings)


def test_an_influencer_header_of_other_rankings_is_read_in_its_section_not_from_a_line_of_narrative(
    tmp_path: Path,
) -> None:
    """A header other than 'MOST ACTIVE ... ORIGINAL TWEETS' is found in the Influencers section; an earlier line
    of capitalised words ("NHS England NHS Improvement and HEE joined us") is not taken for it."""
    text = MAY.read_text(encoding="utf-8")
    narrative = "NHS England NHS Improvement and HEE joined us for the chat.\n\n"
    text = text.replace("These analytics are provided", narrative + "These analytics are provided", 1)
    text = text.replace("MOST ACTIVE\t\tTweets\tORIGINAL TWEETS", "MOST MENTIONED\t\tMentions\tORIGINAL TWEETS", 1)
    path = tmp_path / MAY.name
    path.write_text(text, encoding="utf-8")
    records = extract(path)
    before = extract(MAY).influencers
    assert {r.ranking for r in records.influencers} == {"most-mentioned"} | {r.ranking for r in before} - {
        "most-active"
    }
    assert [(r.rank, r.handle, r.value) for r in records.influencers] == [(r.rank, r.handle, r.value) for r in before]


def test_a_zone_qikg_knows_gets_its_offset_an_unknown_one_is_an_error_naming_its_line(tmp_path: Path) -> None:
    chat = extract(_variant(tmp_path, "at 7pm BST", "at 7pm CEST")).chat
    assert (chat.timezone, chat.utc_offset) == ("CEST", "+02:00")
    path = _variant(tmp_path, "at 7pm BST", "at 7pm IST")  # Irish or Indian: an offset would be a guess
    with pytest.raises(ExtractionError) as info:
        extract(path)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}:{_line_of(path, 'at 7pm IST')}: chat.timezone: ") and "'IST'" in problem
