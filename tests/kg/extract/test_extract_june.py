"""The last announced chat's report as a third author and converter write it (fixtures/leadingqi-2023-06-27-report.txt,
TEST DATA): headings worded otherwise, the shared-resources table without its heading and with its columns in
another order and a link column, a quote tweet inside a card, handles in brackets and before a colon, emoji in
display names, an organisation with its abbreviation in brackets, a panel line naming two organisations, an
influencer table with a fourth ranking, HTML and a script in the words. Expected facts are read from the text.

Also the general rules behind them, on variants of the May report (headings by their words, the closest line named
when a heading is not recognised, the table found by its header row)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.extract.headings import heading_key
from kg.extract.markup import clean
from kg.extract.report import ExtractionError, extract
from kg.records import Tweet
from tests.kg.extract.test_extract_held_out import _variant

FIXTURES = Path(__file__).with_name("fixtures")
JUNE = FIXTURES / "leadingqi-2023-06-27-report.txt"
MAY = FIXTURES / "leadingqi-2023-05-30-report.txt"
SEED = Path(__file__).resolve().parents[3] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
LINES = JUNE.read_text(encoding="utf-8").split("\n")


def _line_of(words: str, lines: list[str] = LINES) -> int:
    [n] = [i for i, line in enumerate(lines, start=1) if words in clean(line)]
    return n


def _text(n: int) -> str:
    return clean(LINES[n - 1])


@pytest.fixture(scope="module")
def june():
    return extract(JUNE)


def test_the_report_is_test_data_of_the_last_chat_the_first_report_announced(june):
    assert LINES[0].startswith("TEST DATA:")
    announced = re.search(r"Tuesday 27th June 2023, (\d)-(\d)pm (\w+)", SEED.read_text(encoding="utf-8"))
    assert announced is not None
    chat = june.chat
    assert (chat.date.isoformat(), chat.start.hour, chat.end.hour, chat.timezone) == (
        "2023-06-27",
        int(announced[1]) + 12,
        int(announced[2]) + 12,
        announced[3],
    )


@pytest.mark.parametrize(
    ("words", "section"),
    [
        ("Chat analytics", "Analytics"),
        ("Top influencers", "The Influencers"),
        ("Key Insights & Learnings", "Insights and Learning"),
        ("Core reading", "Core resources"),
        ("Coming up next", "What next?"),
    ],
)
def test_headings_worded_otherwise_are_their_sections(june, words: str, section: str) -> None:
    [n] = [i for i, line in enumerate(LINES, start=1) if clean(line) == words]
    assert heading_key(_text(n)) == section
    assert not any(f"{section}: no such section" in w for w in june.warnings)


def test_both_questions_are_read_under_the_other_insights_heading(june):
    expected = [
        (int(m[1]), m[2], n) for n in range(1, len(LINES) + 1) if (m := re.match(r"^Question (\d): (.+)$", _text(n)))
    ]
    assert [(q.number, q.text, q.line) for q in june.questions] == expected and len(expected) == 2


def test_the_table_without_its_heading_is_read_by_its_header_row_whatever_the_column_order(june):
    header = _line_of("Resource Shared by Link")
    assert LINES[header - 1].split("\t") == ["Resource", "Shared by", "Link"]
    rows = [n for n in range(header + 1, len(LINES) + 1) if LINES[n - 1].count("\t") == 2]
    shared = [r for r in june.resources if not r.core]
    assert [r.line for r in shared] == rows
    for r in shared:
        cells = [clean(c) for c in LINES[r.line - 1].split("\t")]
        assert r.shared_by == [cells[1].lstrip("@")]  # the 'Shared by' column, second here
        assert r.type == re.match(r"\[([^\]]+)\]", cells[0])[1]
    assert any(w.startswith(f"{JUNE}:{header}: Shared resources: no heading") for w in june.warnings)
    [core] = [r for r in june.resources if r.core]
    assert core.line < header  # the core list ends where the table starts


def test_a_link_column_gives_the_resources_address_or_its_doi(june):
    for r in (r for r in june.resources if not r.core):
        link = clean(LINES[r.line - 1].split("\t")[2])
        if "doi.org/" in link:
            assert (r.doi, r.url) == (link.split("doi.org/")[1], None)
        elif link:
            assert r.url == link and r.title and r.title not in link
        else:
            assert (r.url, r.doi) == (None, None)


def test_a_quote_tweet_is_its_authors_tweet_and_the_counts_are_the_quoting_cards(june):
    mark = _line_of("Quote Tweet")
    outer = max((q for q in june.quotes if isinstance(q, Tweet) and q.line < mark), key=lambda q: q.line)
    inner = min((q for q in june.quotes if isinstance(q, Tweet) and q.line > mark), key=lambda q: q.line)
    assert _text(outer.line).startswith(outer.display_name) and f"@{outer.author} ·" in _text(outer.line)
    assert f"@{inner.author} ·" in _text(inner.line) and inner.text == _text(inner.line + 2)
    counts = next(n for n in range(inner.line + 1, len(LINES)) if "💬" in LINES[n - 1])
    values = [int(v) for v in re.findall(r"\d+", _text(counts))]
    assert [c.value for c in outer.counts] == values and outer.counts_line == counts
    assert inner.counts == [] and inner.counts_line is None
    assert "Quote Tweet" not in outer.text and inner.text not in outer.text
    assert (
        outer.question == 2 and inner.question is None
    )  # the quoted tweet was posted elsewhere: it answers nothing here


def test_handles_in_brackets_or_before_a_colon_are_speakers(june):
    for words in ("(@HanaNovakQI) added", "@OwenPriceQI:"):
        n = _line_of(words)
        [comment] = [q for q in june.quotes if q.line == n]
        handle = re.search(r"@(\w+)", words)[1]
        assert (comment.kind, comment.author) == ("comment", handle)
        assert comment.text == re.search(r"“(.+)”", _text(n))[1]


def test_html_and_scripts_in_the_words_stay_words(june):
    kemi = next(q for q in june.quotes if isinstance(q, Tweet) and q.author == "KemiAdebayoQI")
    assert "<img src=x onerror=alert(1)>" in kemi.text
    owen = next(q for q in june.quotes if q.author == "OwenPriceQI")
    assert "<b>earned</b>" in owen.text and "<script>alert('ready')</script>" in owen.text  # '&lt;' as printed
    pull = next(q for q in june.quotes if q.kind == "pullquote")
    assert pull.author == "KemiAdebayoQI" and pull.text.startswith("<script>")


def test_emoji_in_display_names_are_kept_as_shown(june):
    shown = {a.handle: a.display_name for a in june.accounts}
    for handle in ("KemiAdebayoQI", "vmsenseimelissa"):
        n = next(n for n in range(1, len(LINES) + 1) if f"@{handle} ·" in _text(n))
        assert shown[handle] == _text(n).split(f" @{handle}")[0]
    assert shown["KemiAdebayoQI"].startswith("🌟") and shown["vmsenseimelissa"].endswith("🇺🇸")


def test_the_panel_with_a_bracketed_handle_two_organisations_and_an_abbreviation(june):
    panel_lines = [n for n in range(1, len(LINES) + 1) if re.match(r"^- .+@\w+\)?$", _text(n))]
    assert june.panel == [re.search(r"@(\w+)", _text(n))[1] for n in panel_lines] and len(panel_lines) == 4
    people = {p.handle: p for p in june.people if p.handle in june.panel}
    orgs = {o.slug: o for o in june.organisations}
    owen = people["OwenPriceQI"]
    printed = _text(owen.line).split(", ")[-1].rsplit(" @", 1)[0].split(" / ")
    assert [orgs[s].name for s in owen.affiliations] == printed and len(printed) == 2
    kemi = people["KemiAdebayoQI"]
    [uhb] = [orgs[s] for s in kemi.affiliations]
    full = re.search(r", ([^,]+) \((\w+)\) @", _text(kemi.line))
    assert (uhb.name, uhb.alt_names, kemi.role) == (full[1], [full[2]], "head of improvement")
    hana = people["HanaNovakQI"]
    assert [orgs[s].name for s in hana.affiliations] == [re.search(r", (.+) \(@", _text(hana.line))[1]]


def test_a_panel_organisation_with_and_in_its_name_stays_one(tmp_path: Path) -> None:
    path = tmp_path / JUNE.name
    path.write_text(
        JUNE.read_text(encoding="utf-8").replace(
            "Northshire Community Health Partnership / Eastbrook University", "Surrey and Sussex Healthcare NHS Trust"
        ),
        encoding="utf-8",
    )
    [owen] = [p for p in extract(path).people if p.handle == "OwenPriceQI"]
    assert owen.affiliations == ["surrey-and-sussex-healthcare-nhs-trust"]


@pytest.mark.parametrize(
    "printed",
    [
        "Belfast Health and Social Care Trust",
        "Sheffield Health and Social Care NHS Foundation Trust",
        "Edinburgh Health & Social Care Partnership",
    ],
)
def test_a_panel_organisation_named_with_and_between_org_words_is_not_cut_in_two(tmp_path: Path, printed: str) -> None:
    path = tmp_path / JUNE.name
    path.write_text(
        JUNE.read_text(encoding="utf-8").replace(
            "Northshire Community Health Partnership / Eastbrook University", printed
        ),
        encoding="utf-8",
    )
    records = extract(path)
    [owen] = [p for p in records.people if p.handle == "OwenPriceQI"]
    assert [o.name for o in records.organisations if o.slug in owen.affiliations] == [printed]


def test_a_panel_line_joins_two_organisations_with_and_only_when_both_are_known(tmp_path: Path) -> None:
    """Melissa's and Kemi's lines name the two before Owen's line does: 'X and Y' of two known names is two."""
    path = tmp_path / JUNE.name
    both = "Virginia Mason Institute and University Hospitals Birmingham NHS Foundation Trust"
    path.write_text(
        JUNE.read_text(encoding="utf-8").replace(
            "Northshire Community Health Partnership / Eastbrook University", both
        ),
        encoding="utf-8",
    )
    records = extract(path)
    people = {p.handle: p for p in records.people}
    owen, melissa, kemi = people["OwenPriceQI"], people["vmsenseimelissa"], people["KemiAdebayoQI"]
    assert owen.affiliations == melissa.affiliations + kemi.affiliations and len(owen.affiliations) == 2


def test_a_slash_still_separates_a_name_with_and_from_the_next(tmp_path: Path) -> None:
    path = tmp_path / JUNE.name
    path.write_text(
        JUNE.read_text(encoding="utf-8").replace(
            "Northshire Community Health Partnership", "Belfast Health and Social Care Trust"
        ),
        encoding="utf-8",
    )
    records = extract(path)
    [owen] = [p for p in records.people if p.handle == "OwenPriceQI"]
    names = {o.slug: o.name for o in records.organisations}
    assert [names[s] for s in owen.affiliations] == ["Belfast Health and Social Care Trust", "Eastbrook University"]


def test_an_influencer_table_with_a_fourth_ranking_reads_all_four(june):
    header = _line_of("MOST ACTIVE Tweets ORIGINAL TWEETS")
    names = [c.strip() for c in LINES[header - 1].split("\t") if c.strip()]
    rankings = [(re.sub(r"\s+", "-", names[i].lower()), names[i + 1].lower()) for i in range(0, len(names), 2)]
    assert len(rankings) == 4
    rows = [n for n in range(header + 1, header + 3)]
    expected = []
    for rank, n in enumerate(rows, start=1):
        cells = [c.strip() for c in LINES[n - 1].split("\t") if c.strip()]
        for (slug, unit), who, value in zip(rankings, cells[0::2], cells[1::2], strict=True):
            expected.append((slug, rank, who.split()[0][1:], int(value.replace(",", "")), unit))
    assert [(r.ranking, r.rank, r.handle, r.value, r.unit) for r in june.influencers] == expected


def test_the_chat_announced_in_coming_up_next(june):
    n = _line_of("chat will take place on")
    [follow] = june.follow_ups
    assert follow.line == n and follow.date.isoformat() == "2023-09-26" and "26th September 2023" in _text(n)


# --- the rules on variants of the May report ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Insights and Learning", "Insights & Learning"),
        ("Insights and Learning", "Key insights and learning"),
        ("Insights and Learning", "INSIGHTS AND LEARNINGS:"),
        ("Shared resources", "Resources shared"),
        ("Shared resources", "Shared Resources:"),
        ("Shared resources", "Resources shared during the chat"),
        ("Core resources", "Core reading"),
        ("What next?", "Next steps"),
        ("Insights and Learning", "Key learnings"),
        ("Join our panel of leaders for a Twitter discussion:", "Meet the panel:"),
        ("Join our panel of leaders for a Twitter discussion:", "Our panel for this chat:"),
    ],
)
def test_a_heading_in_other_words_gives_the_same_records(tmp_path: Path, old: str, new: str) -> None:
    records, same = extract(_variant(tmp_path, old, new)), extract(MAY)
    assert [(q.line, q.kind, q.author) for q in records.quotes] == [(q.line, q.kind, q.author) for q in same.quotes]
    assert [(r.slug, r.shared_by, r.core) for r in records.resources] == [
        (r.slug, r.shared_by, r.core) for r in same.resources
    ]
    assert [(p.handle, p.affiliations) for p in records.people] == [(p.handle, p.affiliations) for p in same.people]
    assert not any("no such section" in w and old in w for w in records.warnings)


def test_a_heading_the_rule_cannot_read_names_the_closest_line_and_the_wordings_it_accepts(tmp_path: Path) -> None:
    path = _variant(tmp_path, "Insights and Learning", "Insights gathered on the night")
    with pytest.raises(ExtractionError) as info:
        extract(path)
    [problem] = info.value.problems
    n = _line_of("Insights gathered on the night", path.read_text(encoding="utf-8").split("\n"))
    assert problem.startswith(f"{path}:{n}: Insights and Learning: section missing")
    assert f"line {n} reads 'Insights gathered on the night'" in problem
    assert "'Insights and Learning'" in problem and "'Key insights & learnings'" in problem


def test_a_line_that_only_shares_a_word_is_no_heading() -> None:
    for line in ("- Shared resources", "Shared by\tResource", "Resources", "Learning from 1815 partners", "LEARNINGS"):
        assert heading_key(clean(line)) is None, line


def test_a_signed_off_report_whose_table_has_no_heading_keeps_every_row(tmp_path: Path) -> None:
    records = extract(_variant(tmp_path, "Shared resources\n", ""))
    assert [(r.slug, r.shared_by, r.core, r.url) for r in records.resources] == [
        (r.slug, r.shared_by, r.core, r.url) for r in extract(MAY).resources
    ]
    assert not any("Shared resources: no such section" in w for w in records.warnings)


def test_a_table_with_neither_heading_nor_header_row_is_found_by_its_rows(tmp_path: Path) -> None:
    path = _variant(tmp_path, "Shared resources\n\nShared by\tResource\n", "")
    records = extract(path)
    assert len([r for r in records.resources if not r.core]) == len([r for r in extract(MAY).resources if not r.core])
    assert [r for r in records.resources if r.core and r.line > _line_of("Core resources", MAY_LINES)] == [
        r for r in records.resources if r.core
    ]
    assert len([r for r in records.resources if r.core]) == 1


MAY_LINES = MAY.read_text(encoding="utf-8").split("\n")


def test_a_shared_by_cell_naming_two_people_gives_both(tmp_path: Path) -> None:
    path = tmp_path / JUNE.name
    path.write_text(
        JUNE.read_text(encoding="utf-8").replace("<p>@HelenBevan</p>", "<p>@HelenBevan & @PennyPereira1</p>"),
        encoding="utf-8",
    )
    n = _line_of("@HelenBevan & @PennyPereira1", path.read_text(encoding="utf-8").split("\n"))
    [res] = [r for r in extract(path).resources if r.line == n]
    assert res.shared_by == ["HelenBevan", "PennyPereira1"]


@pytest.mark.parametrize(
    ("paragraph", "narrative"),
    [
        ("Hana Novak (@HanaNovakQI) added “we asked staff first”.", True),
        ("Hana Novak (@HanaNovakQI), also commented that it worked", True),
        ("Thanks Jane Smith (@JaneSmithQI) for hosting tonight!", False),
        ("Great to see Hana Novak (@HanaNovakQI) here", False),
    ],
)
def test_a_speaker_in_brackets_is_narrative_only_before_what_they_said(paragraph: str, narrative: bool) -> None:
    """'Name (@x) added ...' is the report's voice; a tweet's own 'Thanks Name (@x) for ...' is not."""
    from kg.extract.cards import is_narrative

    assert is_narrative(paragraph) is narrative
