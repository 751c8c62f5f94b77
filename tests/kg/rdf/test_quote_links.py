"""In the graph: does a quote tweet link to the tweet it quotes (qi:quotesTweet, or its words as qi:quotedText when
the report shows no card), and is the host's question card its question's tweet (qi:asks / qi:askedIn), answering
none? The first report and the June report (TEST DATA), and June with the quoted card shown as words only."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal

from kg import iris
from kg.checks.validate import shacl_findings
from kg.extract.report import extract
from kg.iris import QI
from kg.rdf import ontology
from kg.rdf.assemble import assemble
from kg.records import Tweet

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
JUNE = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-06-27-report.txt"
QUOTED = "Dr Nicola Burgess @DrNicolaBurgess · Jun 27, 2023\n\n"


@pytest.fixture(scope="module")
def seed():
    return extract(SEED)


@pytest.fixture(scope="module")
def june():
    return extract(JUNE)


@pytest.fixture(scope="module")
def built(seed, june):
    ds = assemble([seed, june], [])
    ds.default_union = True
    return ds


def _node(records, line: int):
    [q] = [q for q in records.quotes if q.line == line]
    return iris.quote(records.chat.slug, q.number)


def test_the_quote_tweet_links_to_the_tweet_it_quotes(built, june):
    [outer] = [q for q in june.quotes if isinstance(q, Tweet) and q.quotes_tweet]
    quoting, quoted = _node(june, outer.line), _node(june, outer.quotes_tweet)
    assert set(built.objects(quoting, QI.quotesTweet)) == {quoted}
    assert (quoted, RDF.type, QI.Tweet) in built
    assert built.value(quoted, QI.saidBy) == iris.participant("DrNicolaBurgess")
    assert set(built.subject_objects(QI.quotesTweet)) == {(quoting, quoted)}  # nothing else quotes


def test_a_quoted_tweet_without_its_card_is_words_on_the_quote_not_a_node(tmp_path, seed):
    path = tmp_path / JUNE.name
    path.write_text(JUNE.read_text(encoding="utf-8").replace(QUOTED, "", 1), encoding="utf-8")
    june = extract(path)
    ds = assemble([seed, june], [])
    ds.default_union = True
    [outer] = [q for q in june.quotes if isinstance(q, Tweet) and q.quoted_text]
    node = _node(june, outer.line)
    assert set(ds.objects(node, QI.quotedText)) == {Literal(outer.quoted_text)}
    assert not any(ds.subject_objects(QI.quotesTweet))
    assert [str(f) for f in shacl_findings(ds, ontology.shapes(), ontology.tbox()) if f.is_violation] == []


def test_each_host_card_asks_its_question_both_ways_and_answers_none(built, seed, june):
    for records in (seed, june):
        cards = [q for q in records.quotes if isinstance(q, Tweet) and q.asks is not None]
        assert cards
        for card in cards:
            node, question = _node(records, card.line), iris.question(records.chat.slug, card.asks)
            assert set(built.objects(node, QI.asks)) == {question}
            assert set(built.objects(question, QI.askedIn)) == {node}
            assert not any(built.objects(node, QI.answers))
            assert any(built.objects(node, QI.engagement))  # the counts are the question's tweet's


def test_the_shapes_accept_the_new_links_and_refuse_a_card_that_asks_and_answers(built, seed):
    shapes, tbox = ontology.shapes(), ontology.tbox()
    assert [str(f) for f in shacl_findings(built, shapes, tbox) if f.is_violation] == []
    [card] = [q for q in seed.quotes if isinstance(q, Tweet) and q.asks == 2]
    node = _node(seed, card.line)
    graph = built.graph(iris.source_graph(seed.source_slug))
    graph.add((node, QI.answers, iris.question(seed.chat.slug, 2)))
    try:
        broken = [str(f) for f in shacl_findings(built, shapes, tbox) if f.is_violation]
    finally:
        graph.remove((node, QI.answers, iris.question(seed.chat.slug, 2)))
    assert any("posts a question answers none" in f for f in broken)


def test_the_ontology_declares_the_links_aligned_to_schema_org():
    tbox = ontology.tbox()
    from rdflib import OWL, RDFS

    assert (QI.quotesTweet, RDFS.subPropertyOf, iris.SCHEMA.sharedContent) in tbox
    assert (QI.asks, OWL.inverseOf, QI.askedIn) in tbox
    assert (QI.quotedText, RDF.type, OWL.DatatypeProperty) in tbox
