"""Who made this resource? dcterms:creator points to an agent node (issue 14): the graph's own person or account
where the report prints exactly that name, else an agent of its own named as printed; the printed name stays as
qi:creatorName. The real seed report."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal
from rdflib.namespace import DCTERMS, PROV

from kg import iris
from kg.extract.report import extract
from kg.iris import FOAF, QI
from kg.rdf import ontology
from kg.rdf.build import build_dataset
from kg.sources.aliases import AliasTable

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"


@pytest.fixture(scope="module")
def seed() -> Graph:
    records = extract(SEED)
    ds = build_dataset(records, AliasTable.load(), tbox=Graph(), thesaurus=ontology.thesaurus())
    return ds.graph(iris.source_graph(records.source_slug))


def test_no_creator_is_a_plain_string(seed):
    assert [o for o in seed.objects(None, DCTERMS.creator) if isinstance(o, Literal)] == []


def test_a_creator_named_exactly_as_an_account_is_that_account(seed):
    graphic = iris.resource("analytics-headlines-graphic-2022-10-19")  # '(Graphic created and shared by Helen Bevan'
    assert set(seed.objects(graphic, DCTERMS.creator)) == {iris.participant("HelenBevan")}
    assert set(seed.objects(graphic, QI.creatorName)) == {Literal("Helen Bevan")}


def test_the_reports_author_is_the_source_documents_creator(seed):
    source = iris.source("leadingqi-2022-10-19")
    assert set(seed.objects(source, DCTERMS.creator)) == {iris.participant("LouWaters_QI")}
    assert (iris.chat("2022-10-19"), QI.reportAuthor, iris.participant("LouWaters_QI")) in seed
    assert set(seed.objects(source, QI.creatorName)) == {Literal("Lou Waters")}


def test_a_citation_name_is_an_agent_of_its_own_not_a_guess(seed):
    """'Burgess, N' is not linked to Nicola Burgess (@DrNicolaBurgess): not the same name, so no link is made."""
    report = iris.resource("leading-change-across-a-healthcare-system-how-to")
    [agent] = seed.objects(report, DCTERMS.creator)
    assert agent == iris.creator("leading-change-across-a-healthcare-system-how-to", "Burgess, N")
    assert (agent, RDF.type, FOAF.Agent) in seed and (agent, RDF.type, FOAF.Person) not in seed
    assert (agent, FOAF.name, Literal("Burgess, N")) in seed
    assert (agent, PROV.wasDerivedFrom, iris.source("leadingqi-2022-10-19")) in seed
    assert seed.value(agent, QI.sourceLine) == seed.value(report, QI.sourceLine)  # the resource's line
    blog = iris.resource("six-key-lessons-from-the-nhs-and-virginia")  # the same printed name on another resource
    assert set(seed.objects(blog, DCTERMS.creator)) != {agent}


def test_two_accounts_of_one_name_are_no_creator_link(seed):
    """Bernard Crump has two accounts: a creator 'Bernard Crump' could be either, so it would get its own agent."""
    from kg.rdf.context import ChatContext

    records = extract(SEED)
    ctx = ChatContext(records, Graph(), AliasTable.load(), Graph())
    assert ctx.agent_named("Bernard Crump") is None
    assert ctx.agent_named("helen  bevan") == iris.participant("HelenBevan")  # case and spaces aside, exact
    assert ctx.agent_named("Helen Beva") is None
    assert ctx.agent_named("Warwick Business School") == iris.organisation("warwick-business-school")
    assert ctx.agent_named("Sue Jenkins") == iris.person_name("Sue Jenkins")  # speaks for a team's account
