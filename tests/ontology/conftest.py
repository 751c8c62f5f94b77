"""Shared fixtures for the ontology tests: a small valid data graph and a catalogue of deliberate defects.

Each defect breaks one thing on its own node, so all of them can be applied to one graph that is validated once
(pySHACL takes about a second per run) while every test still asks about one defect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS

from kg.iris import QI, QID
from kg.rdf import ontology

DATA_DIR = Path(__file__).parent / "data"

SOURCE = QID["source/leadingqi-2022-10-19"]
CHAT = QID["chat/2022-10-19"]
THEME = QID["theme/"]
XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")


def theme(slug: str) -> URIRef:
    return URIRef(f"{THEME}{slug}")


@pytest.fixture(scope="session")
def minimal_graph() -> Graph:
    """The hand-written valid graph (read-only: copy before changing)."""
    return Graph().parse(DATA_DIR / "minimal.ttl", format="turtle")


def with_thesaurus(data: Graph) -> Graph:
    graph = Graph()
    graph += data
    graph += ontology.thesaurus()
    return graph


@dataclass(frozen=True)
class Defect:
    """One deliberate error: how to make it, what SHACL should say, which quality check should report it."""

    name: str
    apply: Callable[[Graph], None]
    focus: URIRef | None  # focus node of the expected SHACL result (None: no SHACL expectation)
    message: str | None  # a distinctive part of the expected sh:resultMessage
    qc_query: str | None  # stem of the quality-check query that must report it
    qc_entity: URIRef | None = None  # the ?entity that query must return
    severity: URIRef = URIRef("http://www.w3.org/ns/shacl#Violation")


def _drop(graph: Graph, subject: URIRef, predicate: URIRef) -> None:
    graph.remove((subject, predicate, None))


def _drop_tag(graph: Graph, item: URIRef) -> None:
    graph.remove((item, QI.hasTheme, None))
    for assignment in list(graph.subjects(QI.assignedTo, item)):
        graph.remove((assignment, None, None))


def _duplicate_account(graph: Graph) -> None:
    node = QID["participant/nicola-again"]
    graph.add((node, RDF.type, QI.Participant))
    graph.add((node, RDFS.label, Literal("@drnicolaburgess")))
    graph.add((node, QI.handle, Literal("drnicolaburgess")))
    graph.add((node, PROV.wasDerivedFrom, SOURCE))
    graph.add((node, QI.sourceLine, Literal(300)))


def _orphan_theme(graph: Graph) -> None:
    node = theme("orphan")
    graph.add((node, RDF.type, QI.Theme))
    graph.add((node, RDFS.label, Literal("Orphan", lang="en")))
    graph.add((node, SKOS.prefLabel, Literal("Orphan", lang="en")))
    graph.add((node, SKOS.inScheme, ontology.THEME_SCHEME))


def _broader_cycle(graph: Graph) -> None:
    graph.add((theme("pdsa"), SKOS.broader, theme("a3-thinking")))
    graph.add((theme("a3-thinking"), SKOS.broader, theme("pdsa")))


def _duplicate_preflabel(graph: Graph) -> None:
    graph.set((theme("toyota-kata"), SKOS.prefLabel, Literal("coaching", lang="en")))


def _question_twin(graph: Graph) -> None:
    node = QID["question/2022-10-19/q1-again"]
    graph.add((node, RDF.type, QI.Question))
    graph.add((node, RDFS.label, Literal("Q1 again")))
    graph.add((node, QI.number, Literal(1)))
    graph.add((node, QI.inChat, CHAT))
    graph.add((node, PROV.wasDerivedFrom, SOURCE))
    graph.add((node, QI.sourceLine, Literal(701)))


def _question_gap(graph: Graph) -> None:
    node = QID["question/2022-10-19/q4"]
    graph.add((node, RDF.type, QI.Question))
    graph.add((node, RDFS.label, Literal("Q4")))
    graph.add((node, QI.number, Literal(4)))
    graph.add((node, QI.inChat, CHAT))
    graph.add((node, PROV.wasDerivedFrom, SOURCE))
    graph.add((node, QI.sourceLine, Literal(700)))


def _org_as_person(graph: Graph) -> None:
    graph.add((QID["organisation/warwick-business-school"], RDF.type, FOAF.Person))


def _end_before_start(graph: Graph) -> None:
    graph.set((CHAT, URIRef("https://schema.org/endDate"), Literal("2022-10-19T18:00:00+01:00", datatype=XSD_DATETIME)))


QUOTE = {n: QID[f"quote/2022-10-19/{n}"] for n in (1, 2, 3, 4)}
SUTCLIFFE = QID["participant/sutcliffe1987"]
SIX_LESSONS = QID["resource/six-key-lessons"]
LHS = QID["resource/learning-health-systems"]
Q1_ASSIGNMENT = QID["tagging/question/2022-10-19/q1/social-media-learning"]
BY_QUESTION = QID["tagging/quote/2022-10-19/1/values-based-culture"]
CURATED = QID["tagging/quote/2022-10-19/4/social-media-learning"]

DEFECTS: list[Defect] = [
    Defect(
        "quote without author",
        lambda g: _drop(g, QUOTE[3], QI.saidBy),
        QUOTE[3],
        "exactly one author",
        "quote-without-author",
        QUOTE[3],
    ),
    Defect(
        "quote without text",
        lambda g: _drop(g, QUOTE[4], QI.text),
        QUOTE[4],
        "exactly one qi:text",
        "quote-without-text",
        QUOTE[4],
    ),
    Defect(
        "handle keeps its @",
        lambda g: g.set((SUTCLIFFE, QI.handle, Literal("@Sutcliffe1987"))),
        SUTCLIFFE,
        "without the '@'",
        "handle-format",
        SUTCLIFFE,
    ),
    Defect(
        "one account, two nodes",
        _duplicate_account,
        SOURCE,
        "belongs to several participant nodes",
        "duplicate-handle-casefold",
        QID["participant/nicola-again"],
    ),
    Defect("participant IRI does not match handle", lambda g: None, SOURCE, "its IRI must end in", None),
    Defect(
        "participant connected to nothing",
        lambda g: None,
        None,
        None,
        "orphan-participant",
        QID["participant/nicola-again"],
    ),
    Defect(
        "node without label",
        lambda g: _drop(g, QID["tool/tweet-binder"], RDFS.label),
        QID["tool/tweet-binder"],
        "rdfs:label",
        "missing-label",
        QID["tool/tweet-binder"],
    ),
    Defect(
        "node without provenance",
        lambda g: _drop(g, QID["measurement/2022-10-19/tweets"], PROV.wasDerivedFrom),
        QID["measurement/2022-10-19/tweets"],
        "prov:wasDerivedFrom",
        "missing-provenance",
        QID["measurement/2022-10-19/tweets"],
    ),
    Defect(
        "theme without definition",
        _orphan_theme,
        theme("orphan"),
        "skos:definition",
        "theme-without-definition",
        theme("orphan"),
    ),
    Defect(
        "theme outside the hierarchy",
        lambda g: None,
        ontology.THEME_SCHEME,
        "no skos:broader path",
        "theme-outside-hierarchy",
        theme("orphan"),
    ),
    Defect(
        "broader cycle", _broader_cycle, ontology.THEME_SCHEME, "skos:broader cycle", "broader-cycle", theme("pdsa")
    ),
    Defect(
        "duplicate prefLabel",
        _duplicate_preflabel,
        ontology.THEME_SCHEME,
        "is not unique in the scheme",
        "duplicate-preflabel",
        theme("toyota-kata"),
    ),
    Defect(
        "label of two themes",
        lambda g: None,
        ontology.THEME_SCHEME,
        "belongs to several themes",
        "label-clash",
        theme("coaching"),
        URIRef("http://www.w3.org/ns/shacl#Warning"),
    ),
    Defect(
        "resource without theme",
        lambda g: _drop_tag(g, LHS),
        LHS,
        "No theme",
        "resource-without-theme",
        LHS,
        URIRef("http://www.w3.org/ns/shacl#Warning"),
    ),
    Defect(
        "quote without theme",
        lambda g: _drop_tag(g, QUOTE[2]),
        QUOTE[2],
        "No theme",
        "quote-without-theme",
        QUOTE[2],
        URIRef("http://www.w3.org/ns/shacl#Warning"),
    ),
    Defect(
        "theme tag without reason",
        lambda g: g.add((QUOTE[3], QI.hasTheme, theme("coaching"))),
        ontology.THEME_SCHEME,
        "no qi:ThemeAssignment records why",
        "theme-without-reason",
        QUOTE[3],
    ),
    Defect(
        "question numbers with a gap",
        _question_gap,
        QID["question/2022-10-19/q4"],
        "without gaps",
        "question-gap",
        QID["question/2022-10-19/q4"],
        URIRef("http://www.w3.org/ns/shacl#Warning"),
    ),
    Defect(
        "two questions with one number",
        _question_twin,
        QID["question/2022-10-19/q1-again"],
        "share the number",
        "question-numbering",
        QID["question/2022-10-19/q1-again"],
    ),
    Defect(
        "negative count",
        lambda g: g.set((QUOTE[2], QI.replyingToOthers, Literal(-2))),
        QUOTE[2],
        "non-negative",
        "negative-count",
        QUOTE[2],
    ),
    Defect(
        "mention of an undescribed node",
        lambda g: g.add((QUOTE[1], QI.mentions, QID["participant/nobody"])),
        QUOTE[1],
        "qi:mentions points to",
        "dangling-reference",
        QUOTE[1],
    ),
    Defect(
        "organisation typed as a person",
        _org_as_person,
        QID["organisation/warwick-business-school"],
        "not a foaf:Person",
        None,
    ),
    Defect(
        "resource both core and not core",  # a core resource shared in another report's table states no 'false'
        lambda g: g.add((SIX_LESSONS, QI.core, Literal(False))),
        SIX_LESSONS,
        "says once whether it is core",
        None,
    ),
    Defect(
        "tweet that posts a question and answers one",
        lambda g: g.add((QUOTE[1], QI.asks, QID["question/2022-10-19/q2"])),
        QUOTE[1],
        "posts a question answers none",
        None,
    ),
    Defect(
        "quote tweet quoting a resource",
        lambda g: g.add((QUOTE[1], QI.quotesTweet, SIX_LESSONS)),
        QUOTE[1],
        "qi:quotesTweet points to one qi:Tweet",
        None,
    ),
    Defect(
        "resource with two titles",
        lambda g: g.add((SIX_LESSONS, DCTERMS.title, Literal("A second title"))),
        SIX_LESSONS,
        "dcterms:title",
        None,
    ),
    Defect(
        "theme assignment without evidence",
        lambda g: _drop(g, Q1_ASSIGNMENT, QI.matchedLabel),
        Q1_ASSIGNMENT,
        "evidence for its reason",
        None,
    ),
    Defect(
        "theme by question via a quote",
        lambda g: g.set((BY_QUESTION, QI.viaQuestion, QUOTE[2])),
        BY_QUESTION,
        '"question" needs qi:viaQuestion, a qi:Question',
        None,
    ),
    Defect(
        "curated theme without a note", lambda g: _drop(g, CURATED, QI.note), CURATED, '"curated" needs qi:note', None
    ),
    Defect(
        "unknown engagement metric",
        lambda g: g.set((QID["quote/2022-10-19/1/count/1"], QI.metric, Literal("views"))),
        QID["quote/2022-10-19/1/count/1"],
        "qi:metric",
        None,
    ),
    Defect("chat ends before it starts", _end_before_start, CHAT, "before its schema:endDate", None),
    Defect(
        "a resource's creator as a plain string",
        lambda g: g.add((SIX_LESSONS, DCTERMS.creator, Literal("Burgess, N"))),
        SIX_LESSONS,
        "dcterms:creator of a resource is an agent",
        None,
    ),
    Defect(
        "a source document's creator as a plain string",
        lambda g: g.set((SOURCE, DCTERMS.creator, Literal("Lou Waters"))),
        SOURCE,
        "dcterms:creator of a source document is an agent",
        None,
    ),
    Defect(
        "a person's name on a team's account",
        lambda g: (
            g.add((QID["participant/warwickbschool"], RDF.type, QI.OrganisationAccount)),
            g.add((QID["participant/warwickbschool"], FOAF.name, Literal("Sue Jenkins"))),
        ),
        QID["participant/warwickbschool"],
        "carries no person's foaf:name",
        None,
    ),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise tests that ask for `shacl_defect` or `qc_defect` with the matching defects of DEFECTS."""
    if "shacl_defect" in metafunc.fixturenames:
        cases = [d for d in DEFECTS if d.message is not None]
        metafunc.parametrize("shacl_defect", cases, ids=[d.name for d in cases])
    if "qc_defect" in metafunc.fixturenames:
        cases = [d for d in DEFECTS if d.qc_query is not None]
        metafunc.parametrize("qc_defect", cases, ids=[d.name for d in cases])


@pytest.fixture(scope="session")
def defects() -> list[Defect]:
    return DEFECTS


@pytest.fixture
def minimal_with_thesaurus(minimal_graph: Graph) -> Graph:
    """A fresh, changeable copy of the minimal graph plus the thesaurus."""
    return with_thesaurus(minimal_graph)


@pytest.fixture(scope="session")
def broken_graph(minimal_graph: Graph) -> Graph:
    """The minimal graph with every defect of DEFECTS applied, plus the thesaurus."""
    graph = with_thesaurus(minimal_graph)
    for defect in DEFECTS:
        defect.apply(graph)
    return graph
