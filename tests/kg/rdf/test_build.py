"""Records -> RDF: does every record become a node, traceable to its report line, the same way every time?"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg import iris
from kg.iris import FOAF, QI
from kg.rdf.build import build_dataset, spelling_aliases
from kg.records import Account, ChatRecords

SLUG = "2022-10-19"


@pytest.fixture
def built(records: ChatRecords, mini_thesaurus: Graph, curated_file: Path) -> tuple[Dataset, Graph, list[str]]:
    from kg.sources.aliases import AliasTable

    warnings: list[str] = []
    ds = build_dataset(
        records, AliasTable.load(), tbox=Graph(), thesaurus=mini_thesaurus, curated_path=curated_file, warnings=warnings
    )
    return ds, ds.graph(iris.source_graph(records.source_slug)), warnings


def test_every_record_becomes_a_typed_node(records: ChatRecords, built) -> None:
    _, g, _ = built
    expected = [(iris.chat(SLUG), QI.TweetChat), (iris.source(records.source_slug), QI.SourceDocument)]
    expected += [(iris.chat(f.date.isoformat()), QI.TweetChat) for f in records.follow_ups]
    expected += [(iris.organisation(o.slug), QI.Organisation) for o in records.organisations]
    expected += [(iris.question(SLUG, q.number), QI.Question) for q in records.questions]
    kinds = {"tweet": QI.Tweet, "comment": QI.Comment, "pullquote": QI.PullQuote}
    expected += [(iris.quote(SLUG, q.number), kinds[q.kind]) for q in records.quotes]
    expected += [(iris.measurement(SLUG, m.slug), QI.Measurement) for m in records.measurements]
    expected += [(iris.rank_entry(SLUG, e.ranking, e.rank), QI.RankEntry) for e in records.influencers]
    expected += [(iris.resource(r.slug), QI.Resource) for r in records.resources]
    missing = [(str(s), str(t)) for s, t in expected if (s, RDF.type, t) not in g]
    assert missing == []


def test_every_node_has_label_provenance_and_source_line(records: ChatRecords, built) -> None:
    _, g, _ = built
    source = iris.source(records.source_slug)
    nodes = set(g.subjects(RDF.type, None))
    assert len(nodes) > 30
    for node in nodes:
        assert g.value(node, RDFS.label), f"{node} has no rdfs:label"
        assert (node, PROV.wasDerivedFrom, source) in g, f"{node} has no prov:wasDerivedFrom"
        assert g.value(node, QI.sourceLine) is not None, f"{node} has no qi:sourceLine"


def test_spellings_of_one_account_are_one_participant_with_aliases(built) -> None:
    _, g, _ = built
    jimmy = iris.participant("jimmy_parvin")
    assert g.value(jimmy, QI.handle).toPython() == "jimmy_parvin"
    assert {str(a) for a in g.objects(jimmy, QI.alias)} == {"Jimmy_Parvin", "jimmyparvin"}
    assert (iris.quote(SLUG, 6), QI.saidBy, jimmy) in g  # the comment spelt @jimmyparvin (line 494)
    assert (jimmy, QI.panelistOf, iris.chat(SLUG)) in g
    assert (jimmy, FOAF.name, None) in g
    assert (iris.participant("jimmyparvin"), None, None) not in g


def test_an_organisations_handle_is_an_organisation_account(built) -> None:
    _, g, _ = built
    wbs = iris.participant("WarwickBSchool")
    assert (wbs, RDF.type, QI.OrganisationAccount) in g
    assert (wbs, RDF.type, FOAF.Person) not in g
    assert (wbs, QI.accountOf, iris.organisation("warwick-business-school")) in g
    assert (iris.question(SLUG, 2), QI.askedBy, wbs) in g


def test_a_question_without_words_has_no_text_but_keeps_its_number(built) -> None:
    _, g, _ = built
    q4 = iris.question(SLUG, 4)
    assert g.value(q4, QI.text) is None
    assert g.value(q4, QI.number).toPython() == 4


def test_tweet_details_counts_replies_and_dates(built) -> None:
    _, g, _ = built
    robbie = iris.quote(SLUG, 3)
    assert {str(v) for v in g.objects(robbie, QI.repliesTo)} == {
        str(iris.participant("WarwickBSchool")),
        str(iris.participant("DrNicolaBurgess")),
    }
    assert g.value(robbie, QI.replyingToOthers).toPython() == 2
    assert str(g.value(robbie, DCTERMS.date)) == "2022-10-19"
    counts = sorted(
        (g.value(c, QI.position).toPython(), g.value(c, QI.value).toPython(), str(g.value(c, QI.metric)))
        for c in g.objects(robbie, QI.engagement)
    )
    assert counts == [(1, 4, "unknown"), (2, 6, "unknown"), (3, 16, "unknown")]
    assert g.value(robbie, QI.likeCount) is None  # the icons were lost: no guessed metric


def test_measurement_and_tool(built) -> None:
    _, g, _ = built
    m = iris.measurement(SLUG, "participants")
    assert g.value(m, QI.value).toPython() == 521
    assert g.value(m, QI.about) == iris.chat(SLUG)
    continents = iris.measurement(SLUG, "continents")
    tool = g.value(continents, QI.measuredBy)
    assert (tool, RDF.type, QI.Tool) in g and str(g.value(tool, RDFS.label)) == "Twitonomy"


def test_lessons_stay_in_the_thesaurus_and_get_their_source_line(built) -> None:
    _, g, _ = built
    lesson = iris.theme("golden-thread")
    assert g.value(lesson, QI.sourceLine).toPython() == 46
    assert (lesson, RDF.type, None) not in g  # its type and labels live in the themes graph


def test_resources_link_to_sharer_and_question_section(built) -> None:
    _, g, _ = built
    habits = iris.resource("habits-of-an-improver")
    assert g.value(habits, QI.sharedBy) == iris.participant("BryanJns")
    assert g.value(habits, QI.inQuestionSection) == iris.question(SLUG, 2)
    assert str(g.value(habits, DCTERMS.issued)) == "2015"
    assert g.value(iris.resource("evaluation-report"), QI.core).toPython() is True


def test_named_graphs_hold_facts_tbox_and_thesaurus(
    records: ChatRecords, mini_thesaurus: Graph, curated_file: Path
) -> None:
    tbox = Graph()
    tbox.add((QI.Tweet, RDFS.subClassOf, QI.Quote))
    ds = build_dataset(records, tbox=tbox, thesaurus=mini_thesaurus, curated_path=curated_file)
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {str(iris.ONTOLOGY_GRAPH), str(iris.THEMES_GRAPH), str(iris.source_graph(records.source_slug))}
    assert len(ds.graph(iris.THEMES_GRAPH)) == len(mini_thesaurus)


def test_an_account_that_takes_no_part_gets_no_node_and_a_warning(
    records: ChatRecords, mini_thesaurus: Graph, curated_file: Path
) -> None:
    records = records.model_copy(update={"accounts": [*records.accounts, Account(line=1064, handle="scriberian")]})
    warnings: list[str] = []
    ds = build_dataset(records, tbox=Graph(), thesaurus=mini_thesaurus, curated_path=curated_file, warnings=warnings)
    assert (iris.participant("scriberian"), None, None) not in ds
    assert any("@scriberian" in w and "line 1064" in w for w in warnings)


def test_same_records_give_the_same_triples(records: ChatRecords, mini_thesaurus: Graph, curated_file: Path) -> None:
    def nt() -> list[str]:
        ds = build_dataset(records, tbox=Graph(), thesaurus=mini_thesaurus, curated_path=curated_file)
        return sorted(ds.serialize(format="nquads").splitlines())

    assert nt() == nt()


def test_fallback_aliases_pick_the_spelling_of_the_own_card(records: ChatRecords) -> None:
    aliases = spelling_aliases(records)
    assert aliases.canonical("JIMMY_PARVIN") == "jimmy_parvin"
    assert aliases.canonical("SaTHImprove nt") == "SaTHImprove nt"  # unknown handles stay as printed
    assert isinstance(iris.participant(aliases.canonical("BryanJns")), URIRef)
