"""Whose words are these? A team's or organisation's account is typed as such, holds its own words, and the person the
report names beside it (on the panel) is a person of their own who speaks for it, never merged into it.

Seed: @KPOteam_SASH ('SASH+', panel line 'Sue Jenkins, ...') and @SaTHImprovement ('James Owen, ...'), listed in
kg/data by handle. The invented report of 28 March 2023 (tests/kg/extract/fixtures, TEST DATA) has the rules that
need no curation: a panel line 'X, on behalf of Y, Org @h' and a card whose display name is an organisation's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef

from kg import iris
from kg.checks.validate import shacl_findings
from kg.extract.report import extract
from kg.iris import FOAF, ORG, QI
from kg.rdf import ontology
from kg.rdf.build import build_dataset
from kg.sources.aliases import AliasTable

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
MARCH = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-03-28-report.txt"


def _build(path: Path) -> tuple[Dataset, Graph]:
    records = extract(path)
    ds = build_dataset(records, AliasTable.load(), tbox=ontology.tbox(), thesaurus=ontology.thesaurus())
    return ds, ds.graph(iris.source_graph(records.source_slug))


@pytest.fixture(scope="module")
def seed() -> tuple[Dataset, Graph]:
    return _build(SEED)


@pytest.fixture(scope="module")
def march() -> tuple[Dataset, Graph]:
    return _build(MARCH)


def _quotes_by(g: Graph, account: URIRef) -> set[URIRef]:
    return set(g.subjects(QI.saidBy, account))


@pytest.mark.parametrize(
    ("handle", "team", "person", "trust"),
    [
        ("KPOteam_SASH", "sash-plus", "Sue Jenkins", "surrey-and-sussex-healthcare-nhs-trust"),
        ("SaTHImprovement", "sath-improvement-hub", "James Owen", "shrewsbury-and-telford-hospital-nhs-trust"),
    ],
)
def test_a_seed_team_account_is_the_teams_and_its_panel_person_speaks_for_it(seed, handle, team, person, trust):
    _, g = seed
    account, speaker = iris.participant(handle), iris.person_name(person)
    assert (account, RDF.type, QI.OrganisationAccount) in g
    assert (account, RDF.type, FOAF.Person) not in g
    assert (account, QI.isOrganisationAccount, Literal(True)) in g
    assert (account, FOAF.name, None) not in g  # the person's name is not the account's
    assert (account, QI.accountOf, iris.organisation(team)) in g
    assert (iris.organisation(team), RDF.type, ORG.OrganizationalUnit) in g
    assert (account, QI.panelistOf, iris.chat("2022-10-19")) in g  # the panel seat is listed by the handle
    assert set(g.subjects(QI.speaksFor, account)) == {speaker}
    assert (speaker, RDF.type, FOAF.Person) in g and (speaker, FOAF.name, Literal(person)) in g
    assert (speaker, QI.affiliatedWith, iris.organisation(trust)) in g
    assert (speaker, QI.handle, None) not in g
    assert not _quotes_by(g, speaker)  # no words are the person's own


def test_the_team_accounts_words_are_the_accounts(seed):
    _, g = seed
    sash = iris.participant("KPOteam_SASH")
    said = {str(g.value(q, QI.text)) for q in _quotes_by(g, sash)}
    assert any("go to the genba, ask why and show respect" in t for t in said)  # '@KPOteam_SASH responded that'
    assert str(g.value(sash, RDFS.label)) == "SASH+ (@KPOteam_SASH)"  # its name in the influencer table
    assert str(g.value(iris.participant("SaTHImprovement"), RDFS.label)) == (
        "SaTH Improvement Hub (@SaTHImprovement)"  # no display name: the team's name
    )


def test_people_with_their_own_accounts_stay_one_node(seed):
    _, g = seed
    nicola = iris.participant("DrNicolaBurgess")
    assert (nicola, RDF.type, FOAF.Person) in g and (nicola, FOAF.name, Literal("Nicola Burgess")) in g
    assert (None, QI.speaksFor, nicola) not in g
    assert (iris.person_name("Nicola Burgess"), None, None) not in g


def test_a_panel_line_on_behalf_of_a_team_makes_the_account_the_teams(march):
    _, g = march
    account, marcus = iris.participant("HarbourQT"), iris.person_name("Marcus Reid")
    assert (account, RDF.type, QI.OrganisationAccount) in g and (account, RDF.type, FOAF.Person) not in g
    assert (account, QI.accountOf, iris.organisation("harbourside-quality-team")) in g
    assert str(g.value(iris.organisation("harbourside-quality-team"), RDFS.label)) == "Harbourside Quality Team"
    assert set(g.subjects(QI.speaksFor, account)) == {marcus}
    assert (marcus, QI.affiliatedWith, iris.organisation("harbourside-mental-health-foundation-trust")) in g
    assert _quotes_by(g, account) and not _quotes_by(g, marcus)  # its card's words are the team's
    resources = set(g.subjects(QI.sharedBy, account))
    assert resources == {iris.resource("walking-the-wards-together")}


def test_a_card_showing_an_organisations_name_is_that_organisations_account(march):
    _, g = march
    icb = iris.participant("RiversideICB")
    assert (icb, RDF.type, QI.OrganisationAccount) in g and (icb, RDF.type, FOAF.Person) not in g
    assert (icb, QI.accountOf, iris.organisation("riverside-integrated-care-board")) in g
    ade = iris.participant("AdeBelloQI")  # a person on the same organisation's panel line stays a person's account
    assert (ade, RDF.type, FOAF.Person) in g and (ade, FOAF.name, Literal("Ade Bello")) in g
    assert (ade, QI.role, Literal("improvement coach")) in g


def test_a_curated_team_account_is_the_teams_in_a_later_report_too(march):
    _, g = march
    sash = iris.participant("KPOteam_SASH")
    assert (sash, RDF.type, QI.OrganisationAccount) in g and (sash, RDF.type, FOAF.Person) not in g
    assert set(g.subjects(QI.speaksFor, sash)) == {iris.person_name("Sue Jenkins")}
    assert (sash, QI.accountOf, None) not in g  # this report does not print the team's name 'SASH+'


@pytest.mark.parametrize("which", ["seed", "march"])
def test_team_accounts_and_their_speakers_conform_to_the_shapes(which, request):
    ds, _ = request.getfixturevalue(which)
    findings = shacl_findings(ds, ontology.shapes(), ontology.tbox())
    agents = (str(iris.QID["participant/"]), str(iris.QID["person/"]), str(iris.QID["organisation/"]))
    # a later chat alone, without the seed's University of Warwick (the parent of WBS), names no parent it lacks
    bad = [f for f in findings if f.severity == "Violation" and f.node.startswith(agents)]
    assert bad == []


def test_the_shapes_refuse_a_person_merged_into_a_team_account(seed):
    ds, g = seed
    merged = Dataset()
    for quad in ds.quads((None, None, None, None)):
        merged.add(quad)
    facts = merged.graph(g.identifier)
    sash = iris.participant("KPOteam_SASH")
    facts.add((sash, FOAF.name, Literal("Sue Jenkins")))
    facts.add((iris.person_name("Sue Jenkins"), QI.speaksFor, iris.participant("DrNicolaBurgess")))
    rules = {f.rule for f in shacl_findings(merged, ontology.shapes(), ontology.tbox()) if f.severity == "Violation"}
    assert any("foaf:name" in r for r in rules) and any("speaksFor" in r for r in rules), rules


def test_a_reports_own_curation_can_name_a_team_by_its_handle(tmp_path: Path):
    """A team only one report names: its REPORT.curation.yaml lists it with its handle (anchored by the report's
    words: the name must be printed in it), and the panel's person then speaks for the team's account."""
    report = tmp_path / MARCH.name
    text = MARCH.read_text(encoding="utf-8").replace(
        "Just follow the hashtags",
        "Ade Bello runs the account of the Riverside Coaching Team.\n\nJust follow the hashtags",
    )
    report.write_text(text, encoding="utf-8")
    report.with_name(f"{report.stem}.curation.yaml").write_text(
        "organisations:\n"
        "- {slug: riverside-coaching-team, name: Riverside Coaching Team, kind: team, handle: AdeBelloQI,\n"
        "   reason: \"'Ade Bello runs the account of the Riverside Coaching Team'\"}\n",
        encoding="utf-8",
    )
    _, g = _build(report)
    account = iris.participant("AdeBelloQI")
    assert (account, RDF.type, QI.OrganisationAccount) in g and (account, RDF.type, FOAF.Person) not in g
    assert (account, QI.accountOf, iris.organisation("riverside-coaching-team")) in g
    ade = iris.person_name("Ade Bello")
    assert set(g.subjects(QI.speaksFor, account)) == {ade}
    assert (ade, QI.role, Literal("improvement coach")) in g and (account, QI.role, None) not in g
    assert _quotes_by(g, account) and not _quotes_by(g, ade)


def test_an_account_one_chat_shows_to_be_a_teams_is_a_teams_in_every_chat(tmp_path: Path):
    """The March report's card shows @RiversideICB as 'Riverside Integrated Care Board'; a January report (a variant
    of the invented one) seats a person for it on the panel. One node, one kind: the organisation's account in both
    graphs, and January's person speaks for it."""
    from kg.rdf.assemble import assemble

    jan = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-01-31-report.txt"
    report = tmp_path / jan.name
    report.write_text(
        jan.read_text(encoding="utf-8").replace(
            "- Nicola Burgess, evaluation lead, Warwick Business School @DrNicolaBurgess",
            "- Nicola Burgess, evaluation lead, Warwick Business School @DrNicolaBurgess\n"
            "- Kemi Ade, Riverside Integrated Care Board @RiversideICB",
        ),
        encoding="utf-8",
    )
    ds = assemble([extract(report), extract(MARCH)], [])
    icb = iris.participant("RiversideICB")
    january = ds.graph(iris.source_graph("leadingqi-2023-01-31"))
    assert (icb, QI.panelistOf, iris.chat("2023-01-31")) in january
    assert (icb, RDF.type, QI.OrganisationAccount) in january
    assert not any((icb, RDF.type, FOAF.Person) in g for g in ds.graphs())
    assert set(january.subjects(QI.speaksFor, icb)) == {iris.person_name("Kemi Ade")}
