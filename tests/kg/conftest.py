"""Shared fixtures: a small hand-made chat (real report lines), a tiny thesaurus, and the real build once a session."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from kg.records import (
    Account,
    Chat,
    ChatRecords,
    EngagementCount,
    FollowUpChat,
    InfluencerRank,
    Lesson,
    Measurement,
    Organisation,
    Person,
    Question,
    Quote,
    Resource,
    Tweet,
)

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"

MINI_THESAURUS = """
@prefix qi: <https://w3id.org/qikg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://w3id.org/qikg/id/theme/> .
t:cultural-readiness a qi:Lesson ; skos:prefLabel "Build cultural readiness"@en .
t:leaders-show-the-way a qi:Lesson ; skos:prefLabel "Leaders show the way"@en .
t:golden-thread a qi:Lesson ; skos:prefLabel "The golden thread"@en ; skos:altLabel "golden thread"@en .
t:genba a qi:Theme ; skos:prefLabel "genba"@en ; skos:altLabel "gemba"@en, "go and see"@en ;
    skos:broader t:leaders-show-the-way .
t:nemawashi a qi:Theme ; skos:prefLabel "nemawashi"@en ; skos:broader t:cultural-readiness .
t:hoshin-kanri a qi:Theme ; skos:prefLabel "hoshin kanri"@en ; skos:broader t:golden-thread .
"""

MINI_CURATED = """
questions:
  - {question: 2, themes: [cultural-readiness], line: 151, reason: "values-based culture and readiness"}
  - {question: 5, themes: [golden-thread], line: 715, reason: "asks about the golden thread"}
items:
  - {resource: habits-of-an-improver, themes: [leaders-show-the-way], line: 1047, reason: "habits of improvers"}
  - {resource: no-such-resource, themes: [golden-thread], line: 1, reason: "unmatched on purpose"}
"""


def mini_records() -> ChatRecords:
    """A few records, each copied from a real line of the report (line numbers are the report's)."""
    return ChatRecords(
        source_slug="leadingqi-2022-10-19-report",
        source_title="How to build improvement capability and foster a culture of improvement: Tweet Chat Report",
        source_path="kg/sources/leadingqi-2022-10-19-report.txt",
        source_sha256="0" * 64,
        chat=Chat(
            line=21,
            slug="2022-10-19",
            title="How to build improvement capability and foster a culture of improvement",
            date=dt.date(2022, 10, 19),
            start=dt.time(19),
            end=dt.time(20),
            timezone="BST",
            utc_offset="+01:00",
            hashtags=["LeadingQI", "QIHour"],
            host="warwick-business-school",
            partners=["gsqia"],
            collaborators=["Leeanne Lockley", "Dr Amar Shah"],
            report_author="Lou Waters",
            report_for="warwick-business-school",
        ),
        follow_ups=[
            FollowUpChat(
                line=1117,
                date=dt.date(2023, 1, 31),
                start=dt.time(19),
                end=dt.time(20),
                timezone="GMT",
                utc_offset="+00:00",
            )
        ],
        organisations=[
            Organisation(
                line=21,
                slug="warwick-business-school",
                name="Warwick Business School",
                kind="business-school",
                part_of="university-of-warwick",
                handle="WarwickBSchool",
            ),
            Organisation(line=13, slug="university-of-warwick", name="University of Warwick", kind="university"),
            Organisation(
                line=17, slug="gsqia", name="Gloucestershire Safety & Quality Improvement Academy", kind="academy"
            ),
            Organisation(
                line=65, slug="leeds-teaching-hospitals", name="Leeds Teaching Hospitals NHS Trust", kind="trust"
            ),
        ],
        people=[
            Person(line=65, name="Jimmy Parvin", handle="Jimmy_Parvin", affiliations=["leeds-teaching-hospitals"]),
            Person(
                line=66,
                name="Nicola Burgess",
                handle="DrNicolaBurgess",
                affiliations=["warwick-business-school"],
                role="evaluation lead",
            ),
            Person(line=119, name="Lou Waters", handle="LouWaters_QI"),
        ],
        accounts=[
            Account(line=155, handle="WarwickBSchool", display_name="WBS", kind="organisation"),
            Account(line=232, handle="jimmy_parvin", display_name="Jimmy Parvin", kind="person"),
        ],
        panel=["Jimmy_Parvin", "DrNicolaBurgess"],
        questions=[
            Question(
                line=151,
                number=2,
                text="In your experience, how can healthcare leaders foster a values-based "
                "culture and enhance readiness for improvement?",
                asked_by="WarwickBSchool",
                asked_in_line=155,
                section_start=151,
                section_end=371,
            ),
            Question(line=603, number=4, text=None, section_start=603, section_end=714),
            Question(
                line=715,
                number=5,
                text="What is your experience of creating the \u201cgolden thread\u201d: "
                "linking your improvement activity to strategic priorities?",
                asked_by="WarwickBSchool",
                section_start=715,
                section_end=948,
            ),
        ],
        quotes=[
            Tweet(
                line=232,
                number=1,
                author="jimmy_parvin",
                display_name="Jimmy Parvin",
                date=dt.date(2022, 10, 19),
                text="Q2. A Invest time 'on the genba' where the work is happening to watch, listen and be curious "
                "about the opportunities for change and the barriers (real and perceived) faced by those delivering "
                "care (or involved in supportive questions).",
                question=2,
                hashtags=["QIHour", "LeadingQI"],
                counts=[
                    EngagementCount(position=1, value=2),
                    EngagementCount(position=2, value=3),
                    EngagementCount(position=3, value=12),
                ],
                counts_line=240,
            ),
            Quote(
                line=197,
                number=2,
                kind="comment",
                author="KPOteam_SASH",
                question=2,
                attributed_by="responded",
                text="continuous improvement starts with leaders who frame problems, go to the genba, ask why and "
                "show respect.",
            ),
            Tweet(
                line=173,
                number=3,
                author="RobbieCsays",
                display_name="Robbie",
                date=dt.date(2022, 10, 19),
                question=2,
                text="Q2 They have to lead by example, demonstrate how values translate into a better "
                "working environment. People have to be in a good place to be able to even think about improvement "
                "#LeadingQI #QIhour",
                hashtags=["LeadingQI", "QIhour"],
                replying_to=["WarwickBSchool", "DrNicolaBurgess"],
                replying_to_others=2,
                counts=[
                    EngagementCount(position=1, value=4),
                    EngagementCount(position=2, value=6),
                    EngagementCount(position=3, value=16),
                ],
                counts_line=179,
            ),
            Quote(
                line=797,
                number=4,
                kind="pullquote",
                author="lynwilliams10",
                question=5,
                text="Connect in QI to local & national priorities to create the golden thread at the point of design",
            ),
            Tweet(
                line=763,
                number=5,
                author="joyfurnival",
                display_name="Dr Joy Furnival CEng",
                question=5,
                date=dt.date(2022, 10, 19),
                text="#A5 #LeadingQI #QIhour.... Some good experiences ... the hard "
                "work of talking, prioritising and talking and prioritising and catching ball to connect strategic "
                "challenges to actions on the ground, #hoshinkanri .. some not so good...\u2018priority "
                "thickets\u2019 , all at once unclear thread",
                hashtags=["A5", "LeadingQI", "QIhour", "hoshinkanri"],
            ),
            Quote(
                line=494,
                number=6,
                kind="comment",
                author="jimmyparvin",
                attributed_by="responded",
                text="\u201ccreate formal spaces for informal conversations\u201d around improvement activities. "
                "Improvement is a team sport, relationships and networks matter and need to be nurtured.",
            ),
            Quote(
                line=252,
                number=7,
                kind="comment",
                author="lockley_leanne",
                attributed_by="responded",
                question=2,
                text="Having googled genba; I've found my new favourite word - the real place that "
                "adds value \U0001f604\U0001f604\U0001f604",
            ),
        ],
        measurements=[
            Measurement(
                line=94, slug="participants", label="people took part in the tweetchat", value=521, unit="people"
            ),
            Measurement(
                line=95,
                slug="continents",
                label="continents people took part from",
                value=5,
                unit="continents",
                measured_by="Twitonomy",
            ),
        ],
        influencers=[
            InfluencerRank(
                line=119,
                ranking="most-active",
                rank=1,
                handle="LouWaters_QI",
                display_name="Lou Waters (...)",
                value=172,
                unit="tweets",
            )
        ],
        lessons=[Lesson(line=46, slug="golden-thread", label="THE RULE OF GOLDEN THREAD", notes=["THE GOLDEN THREAD"])],
        resources=[
            Resource(
                line=1047,
                slug="habits-of-an-improver",
                type="Publication",
                title="The Habits of an Improver",
                label="The Habits of an Improver",
                creators=["Lucas, B", "Nacer, H"],
                year=2015,
                publisher="The Health Foundation",
                shared_by=["BryanJns"],
                discussed_at=[354],
            ),
            Resource(
                line=984,
                slug="evaluation-report",
                type="Evaluation Report",
                core=True,
                year=2022,
                title="Leading change across a healthcare system",
                label="Leading change across a healthcare system",
                creators=["Burgess, N"],
            ),
        ],
    )


@pytest.fixture
def records() -> ChatRecords:
    return mini_records()


@pytest.fixture
def mini_thesaurus() -> Graph:
    return Graph().parse(data=MINI_THESAURUS, format="turtle")


@pytest.fixture
def curated_file(tmp_path: Path) -> Path:
    path = tmp_path / "curated.yaml"
    path.write_text(MINI_CURATED, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory):
    """The real pipeline run once per session (extractor, ontology, SHACL, HermiT): (BuildResult, out_dir)."""
    from kg.pipeline.run import build

    out = tmp_path_factory.mktemp("real") / "build"
    result = build(out)
    yield result, out
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):
    """One real Oxigraph SPARQL server for the session, always killed at the end (tests clear it before use)."""
    from kg.store.oxigraph_server import start_oxigraph, stop_oxigraph

    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    try:
        yield server
    finally:
        stop_oxigraph(server)
