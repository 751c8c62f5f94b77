"""Nothing a report states is lost silently: an influencer header whose last unit word ends the line, a card's counts
shortened to thousands, a speaker named with a speech phrase ('put it simply:'), and team accounts typed in the
records as the graph types them. Each rule on invented text (TEST DATA): the report of 28 February 2023 in fixtures/
with its layout varied, and lines written here; where a line is seen but not read, a warning names its file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal

from kg import iris
from kg.extract.cards import is_counts, is_narrative, looks_like_counts, parse_counts
from kg.extract.markup import clean
from kg.extract.narrative import comments_on_line
from kg.extract.report import extract
from kg.iris import FOAF, QI
from kg.rdf import ontology
from kg.rdf.build import build_dataset
from kg.records import Tweet
from kg.sources.aliases import AliasTable

FIXTURES = Path(__file__).with_name("fixtures")
FEB = FIXTURES / "leadingqi-2023-02-28-report.txt"  # three rankings, icon counts, bare handles
SEPT = FIXTURES / "leadingqi-2024-09-24-report.txt"  # two rankings, a count in thousands, 'put it simply:'
FEB_TABLE = (
    "MOST ACTIVE\t\tTweets\tORIGINAL TWEETS\t\tTweets\tHIGHEST IMPACT\t\tImpacts\n"
    "\t@LouWaters_QI Lou Waters (...)\t88\t\t@Sutcliffe1987 Lee Sutcliffe\t31\t\t@WarwickBSchool WBS\t904,112\n"
    "\t@GraceAdeyemiICB Grace Adeyemi\t40\t\t@GraceAdeyemiICB Grace Adeyemi\t22\t\t@LouWaters_QI Lou Waters (...)"
    "\t400,501\n"
)


def _variant(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = FEB.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / FEB.name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, words: str) -> int:
    [n] = [i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1) if words in clean(line)]
    return n


# --- the influencer table --------------------------------------------------------------------------------------------

TWO_RANKINGS = (
    "MOST ACTIVE\t\tPosts\tHIGHEST IMPACT\t\tImpressions\n"
    "\t@LouWaters_QI Lou Waters (...)\t88\t\t@WarwickBSchool WBS\t702,114\n"
    "\t@GraceAdeyemiICB Grace Adeyemi\t61\t\t@Sutcliffe1987 Lee Sutcliffe\t588,930\n"
)
TWO_READ = [
    ("most-active", 1, "LouWaters_QI", 88, "posts"),
    ("highest-impact", 1, "WarwickBSchool", 702114, "impressions"),
    ("most-active", 2, "GraceAdeyemiICB", 61, "posts"),
    ("highest-impact", 2, "Sutcliffe1987", 588930, "impressions"),
]


@pytest.mark.parametrize(
    ("heading", "header_end"),
    [
        ("The Influencers", ""),  # the last unit word ends the line
        ("Influencers", ""),
        ("Top influencers", "\t"),  # a converter that keeps the trailing tab
        ("The Influencers", " "),
    ],
)
def test_a_header_of_two_rankings_is_read_whatever_follows_its_last_unit_word(tmp_path, heading, header_end):
    table = TWO_RANKINGS.replace("Impressions\n", f"Impressions{header_end}\n")
    path = _variant(tmp_path, ("The Influencers", heading), (FEB_TABLE, table))
    records = extract(path)
    assert [(r.ranking, r.rank, r.handle, r.value, r.unit) for r in records.influencers] == TWO_READ
    assert not any(": influencers:" in w for w in records.warnings)


def test_a_two_ranking_header_with_no_section_heading_is_found_by_its_tabs(tmp_path):
    path = _variant(tmp_path, ("The Influencers\n\n", ""), (FEB_TABLE, TWO_RANKINGS))
    assert [(r.ranking, r.rank, r.handle, r.value, r.unit) for r in extract(path).influencers] == TWO_READ


def test_one_ranking_in_the_influencers_section_is_read(tmp_path):
    table = "MOST ACTIVE\t\tPosts\n\t@LouWaters_QI Lou Waters (...)\t88\n\t@GraceAdeyemiICB Grace Adeyemi\t61\n"
    records = extract(_variant(tmp_path, (FEB_TABLE, table)))
    assert [(r.ranking, r.rank, r.handle, r.value) for r in records.influencers] == [
        ("most-active", 1, "LouWaters_QI", 88),
        ("most-active", 2, "GraceAdeyemiICB", 61),
    ]


@pytest.mark.parametrize("section", [True, False])
def test_an_influencer_header_seen_but_not_read_is_a_warning_naming_its_line(tmp_path, section):
    """Unit words in lower case are no header the rules read: no rank is made up, and the warning says so."""
    table = TWO_RANKINGS.replace("Posts", "posts").replace("Impressions", "impressions")
    changes = [(FEB_TABLE, table)] + ([] if section else [("The Influencers\n\n", "")])
    path = _variant(tmp_path, *changes)
    records = extract(path)
    assert records.influencers == []
    said = [w for w in records.warnings if ": influencers:" in w]
    assert said and all(w.startswith(f"{path}:{_line_of(path, 'MOST ACTIVE')}: influencers:") for w in said)


def test_a_report_with_no_influencer_table_has_no_warning_about_one():
    records = extract(FIXTURES / "leadingqi-2023-01-31-report.txt")
    assert records.influencers == [] and not any("influencers" in w for w in records.warnings)


# --- a card's counts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("💬 14 ↻ 40 ❤️ 122 📊 9.8K", [("reply", 14), ("retweet", 40), ("like", 122), ("unknown", 9800)]),
        ("📊 12K 💬 3 ↻ 1.2K ❤️ 2,104 ↗", [("unknown", 12000), ("reply", 3), ("retweet", 1200), ("like", 2104)]),
        ("💬 1.5M ↻ 40k ❤️ 7", [("reply", 1500000), ("retweet", 40000), ("like", 7)]),
        ("👍 1 💬 ↻ 14 ❤️ 25 ↗", [("unknown", 1), ("reply", None), ("retweet", 14), ("like", 25)]),
    ],
)
def test_counts_shortened_to_thousands_are_read_each_as_its_own_count(line, expected):
    """A view count ('📊 9.8K') stays a count of its own: its icon is kept, no other count takes its number."""
    assert is_counts(line)
    assert [(c.metric, c.value) for c in parse_counts([line])] == expected


@pytest.mark.parametrize(
    "line",
    ["💬 14 ↻ 40 ❤️ 122 📊 1.2345K", "💬 3 replies ↻ 4 ❤️ 9", "💬 14 ↻ 40 ❤️ 122 📊 9.8K views", "💬 2.5 ↻ 3"],
)
def test_a_line_shaped_like_counts_that_is_not_counts_is_seen(line):
    assert looks_like_counts(line) and not is_counts(line)


@pytest.mark.parametrize("words", ["We had 💬 and ❤️ all night", "Q2 The 2 of us ❤️ it #LeadingQI", "Tweets: 40"])
def test_words_with_an_icon_are_not_taken_for_counts(words):
    assert not looks_like_counts(words) and not is_counts(words)


def test_a_cards_counts_in_thousands_are_read_and_kept_apart_in_the_graph(tmp_path):
    path = _variant(tmp_path, ("💬 2 ↻ 5 ❤️ 14 ↗", "💬 2 ↻ 5 ❤️ 14 📊 9.8K"))
    records = extract(path)
    [card] = [q for q in records.quotes if isinstance(q, Tweet) and q.counts_line == _line_of(path, "📊 9.8K")]
    assert [(c.icon, c.metric, c.value) for c in card.counts] == [
        ("💬", "reply", 2),
        ("↻", "retweet", 5),
        ("❤️", "like", 14),
        ("📊", "unknown", 9800),
    ]
    before = {q.line: q.text for q in extract(FEB).quotes}
    assert {q.line: q.text for q in records.quotes} == before  # no words gained or lost
    g = build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus()).graph(
        iris.source_graph(records.source_slug)
    )
    node = iris.quote(records.chat.slug, card.number)
    assert (node, QI.likeCount, Literal(14)) in g and (node, QI.replyCount, Literal(2)) in g
    views = iris.engagement(records.chat.slug, card.number, 4)
    assert (views, QI.value, Literal(9800)) in g and (views, QI.metric, Literal("unknown")) in g


@pytest.mark.parametrize("shown", ["💬 2 ↻ 5 ❤️ 14 📊 1.2345K", "💬 2 replies ↻ 5 ❤️ 14"])
def test_counts_seen_but_not_read_are_a_warning_and_stay_out_of_the_tweets_words(tmp_path, shown):
    path = _variant(tmp_path, ("💬 2 ↻ 5 ❤️ 14 ↗", shown))
    records = extract(path)
    n = _line_of(path, shown)
    card = next(q for q in records.quotes if isinstance(q, Tweet) and q.author == "jimmy_parvin")
    assert card.counts == [] and shown not in card.text
    assert card.text == next(q for q in extract(FEB).quotes if q.line == card.line).text
    assert [w for w in records.warnings if w.startswith(f"{path}:{n}: counts:")] != []


def test_the_later_chats_card_with_a_view_count_keeps_all_four_counts():
    records = extract(SEPT)
    n = _line_of(SEPT, "📊 9.8K")
    [card] = [q for q in records.quotes if isinstance(q, Tweet) and q.counts_line == n]
    assert [(c.metric, c.value) for c in card.counts] == [
        ("reply", 14),
        ("retweet", 40),
        ("like", 122),
        ("unknown", 9800),
    ]
    assert len(records.influencers) == 8 and {r.unit for r in records.influencers} == {"posts", "impressions"}


# --- speakers in the narrative --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "speaker", "words"),
    [
        (
            "@FTSU_Li put it simply: “Nobody learns from a review they never saw”.",
            "FTSU_Li",
            "Nobody learns from a review they never saw",
        ),
        ("@GP_Sunita summed it up: “one page, plain English”.", "GP_Sunita", "one page, plain English"),
        ("@HelenBevan said it best: “own it first”", "HelenBevan", "own it first"),
        ("Then @ICU_Pete wrote: “ask the rota, not the nurse”.", "ICU_Pete", "ask the rota, not the nurse"),
        ("@PharmSam in one line: “swap one near miss a month”.", "PharmSam", "swap one near miss a month"),
        ("Lee @Sutcliffe1987 on the night: “count what changed”.", "Sutcliffe1987", "count what changed"),
        ("Hana Novak (@HanaN_QI), as ever: “be kind”.", "HanaN_QI", "be kind"),
        (
            '@MidwifeAmara told us "one named person for every family".',
            "MidwifeAmara",
            "one named person for every family",
        ),
    ],
)
def test_a_speaker_with_a_speech_phrase_or_a_colon_before_the_quotation_is_read(line, speaker, words):
    [c] = comments_on_line(7, line)
    assert (c.speaker, c.text, c.line) == (speaker, words, 7)
    assert is_narrative(line)  # in the report's own voice: no card's words run into it


@pytest.mark.parametrize(
    ("line", "first_name", "words"),
    [
        ("Fiona put it simply: “sorry is not liability”.", "Fiona", "sorry is not liability"),
        ("Dev summed it up: “a cuppa tomorrow”.", "Dev", "a cuppa tomorrow"),
        ("Marion said it best: “the family is a witness”.", "Marion", "the family is a witness"),
    ],
)
def test_a_first_name_with_a_speech_phrase_is_a_speaker(line, first_name, words):
    [c] = comments_on_line(3, line)
    assert (c.speaker, c.first_name, c.text) == (None, first_name, words)


@pytest.mark.parametrize(
    "line",
    [
        "We asked @FionaG_Safety a question: “what changed?”",  # the handle is spoken to
        "Thanks @FionaG_Safety for this: “the ten-minute debrief card”.",
        "Thanks to @FionaG_Safety in particular: “after the review”.",
        "The poster from @WestmoorLfH's team put it: “no blame, no shame”.",  # the team's poster, not the account
        "Some replies to @HelenBevan on the night: “yes”.",
        "Staff put it simply: “we are tired”.",  # no one named
        "Nobody put it better: “learning is what changes on Monday”.",
        "The words “put it simply” were everywhere.",
        "@KPOteam_SASH put the slides up before the chat.",  # no quotation
    ],
)
def test_a_quotation_whose_speaker_is_not_named_before_it_is_not_attributed(line):
    assert comments_on_line(1, line) == []


def test_a_phrase_speaker_after_a_card_with_no_counts_is_a_comment_not_the_tweets_words(tmp_path):
    said = "@Sutcliffe1987 put it simply: “behaviours first, then the numbers”."
    path = _variant(
        tmp_path, ("💬 2 ↻ 5 ❤️ 14 ↗\n", ""), ("@Sutcliffe1987 responded", f"{said}\n\n@Sutcliffe1987 responded")
    )
    records = extract(path)
    n = _line_of(path, "behaviours first")
    [c] = [q for q in records.quotes if q.line == n]
    assert (c.kind, c.author, c.text, c.question) == (
        "comment",
        "Sutcliffe1987",
        "behaviours first, then the numbers",
        2,
    )
    card = next(q for q in records.quotes if isinstance(q, Tweet) and q.author == "jimmy_parvin")
    assert "behaviours first" not in card.text


def test_the_later_chats_put_it_simply_is_a_comment():
    n = _line_of(SEPT, "put it simply")
    [c] = [q for q in extract(SEPT).quotes if q.line == n]
    assert (c.kind, c.author, c.text) == (
        "comment",
        "FTSU_Li",
        "Nobody learns anything from a review they were never told about",
    )


# --- team and organisation accounts ---------------------------------------------------------------------------------


def test_the_host_and_the_curated_team_accounts_are_organisations_in_every_report():
    """The host's account (its card shows 'WBS', an organisation's name) and the team accounts the first report names
    (kg/data: @KPOteam_SASH 'SASH+', @SaTHImprovement) are organisations' in a later chat with no curation of its own,
    as the graph types them (qi:OrganisationAccount); a person's card stays a person's."""
    seen = set()
    for path in sorted(FIXTURES.glob("*.txt")):
        kinds = {a.handle.lower(): a.kind for a in extract(path).accounts}
        assert kinds["warwickbschool"] == "organisation", path.name
        for team in ("kpoteam_sash", "sathimprovement"):
            if team in kinds:
                seen.add(team)
                assert kinds[team] == "organisation", (path.name, team)
        assert kinds.get("sutcliffe1987") != "organisation", path.name
    assert seen == {"kpoteam_sash"}


def test_a_curated_team_account_a_later_chat_shows_with_a_name_of_its_own_is_still_the_teams(tmp_path):
    """'SaTH Improvement @SaTHImprovement' is no organisation's name the report holds, and no curation of this report
    names it: the shared list (kg/data/aliases.yaml) makes it an organisation's account, in the records and the graph
    alike."""
    card = "SaTH Improvement @SaTHImprovement · Feb 28, 2023"
    path = _variant(tmp_path, ("Grace Adeyemi @GraceAdeyemiICB · Feb 28, 2023", card))
    records = extract(path)
    [account] = [a for a in records.accounts if a.handle == "SaTHImprovement"]
    assert (account.kind, account.display_name) == ("organisation", "SaTH Improvement")
    g = build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus()).graph(
        iris.source_graph(records.source_slug)
    )
    node = iris.participant("SaTHImprovement")
    assert (node, RDF.type, QI.OrganisationAccount) in g and (node, RDF.type, FOAF.Person) not in g


def test_a_panel_member_speaking_for_a_team_is_a_person_beside_the_teams_account(tmp_path):
    panel = "- Grace Adeyemi, speaking for the Quality Team, Riverside Integrated Care Board @RiversideQT"
    card = "Riverside Quality Team @RiversideQT · Feb 28, 2023"
    path = _variant(
        tmp_path,
        ("- Grace Adeyemi, head of quality, Riverside Integrated Care Board @GraceAdeyemiICB", panel),
        ("Grace Adeyemi @GraceAdeyemiICB · Feb 28, 2023", card),
    )
    records = extract(path)
    [grace] = [p for p in records.people if p.name == "Grace Adeyemi"]
    assert grace.handle == "RiversideQT" and grace.on_behalf_of is not None
    [account] = [a for a in records.accounts if a.handle == "RiversideQT"]
    assert (account.kind, account.display_name) == ("organisation", "Riverside Quality Team")
    g = build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus()).graph(
        iris.source_graph(records.source_slug)
    )
    node = iris.participant("RiversideQT")
    assert (node, RDF.type, QI.OrganisationAccount) in g and (node, RDF.type, FOAF.Person) not in g
    assert (iris.person_name("Grace Adeyemi"), QI.speaksFor, node) in g
