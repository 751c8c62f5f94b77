"""Does ontology/qikg.ttl declare the vocabulary contract, document every term and stay OWL 2 DL-friendly?"""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF

from kg.iris import QI
from kg.rdf import ontology

# The names of /work/shared/design/vocabulary.md (the contract) plus the plan's extensions. Kept here, not parsed
# from the design notes, so the test runs where those notes are absent.
CONTRACT_CLASSES = [
    "TweetChat",
    "Question",
    "Participant",
    "Organisation",
    "Quote",
    "Tweet",
    "Comment",
    "PullQuote",
    "Resource",
    "Theme",
    "Lesson",
    "SourceDocument",
    "OrganisationAccount",
    "ThemeAssignment",
    "EngagementCount",
    "Measurement",
    "Tool",
    "Ranking",
    "RankEntry",
]
CONTRACT_OBJECT_PROPERTIES = [
    "affiliatedWith",
    "panelistOf",
    "inChat",
    "saidBy",
    "answers",
    "repliesTo",
    "mentions",
    "hasTheme",
    "sharedBy",
    "assignedTo",
    "assignedTheme",
    "viaQuestion",
    "engagement",
    "sameAgentAs",
    "accountOf",
    "host",
    "partner",
    "reportAuthor",
    "announcedIn",
    "collaborator",
    "askedBy",
    "askedIn",
    "about",
    "measuredBy",
    "entry",
    "participant",
    "discussedIn",
    "inQuestionSection",
]
CONTRACT_DATA_PROPERTIES = [
    "handle",
    "alias",
    "number",
    "text",
    "value",
    "sourceLine",
    "reason",
    "matchedLabel",
    "note",
    "position",
    "icon",
    "metric",
    "likeCount",
    "retweetCount",
    "replyCount",
    "displayName",
    "role",
    "isOrganisationAccount",
    "timeZone",
    "hashtag",
    "status",
    "replyingToOthers",
    "attribution",
    "qualifier",
    "unit",
    "periodStart",
    "periodEnd",
    "periodLabel",
    "rank",
    "resourceType",
    "core",
    "container",
    "orgKind",
    "altName",
    "sha256",
    "path",
]
EXPECTED_ALIGNMENT = {
    "TweetChat": "https://schema.org/SocialEvent",
    "Question": "https://schema.org/Question",
    "Participant": "http://xmlns.com/foaf/0.1/Agent",
    "Organisation": "http://www.w3.org/ns/org#Organization",
    "Quote": "https://schema.org/Quotation",
    "Tweet": "http://rdfs.org/sioc/types#MicroblogPost",
    "Comment": "https://schema.org/Comment",
    "Resource": "https://schema.org/CreativeWork",
    "Theme": "http://www.w3.org/2004/02/skos/core#Concept",
    "SourceDocument": "http://www.w3.org/ns/prov#Entity",
}
BUILT_IN = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return ontology.ontology_only()


@pytest.fixture(scope="module")
def tbox() -> Graph:
    return ontology.tbox()


def qi_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(QI))}


@pytest.mark.parametrize("name", CONTRACT_CLASSES)
def test_every_contract_class_is_declared(onto: Graph, name: str) -> None:
    assert (QI[name], RDF.type, OWL.Class) in onto


@pytest.mark.parametrize("name", CONTRACT_OBJECT_PROPERTIES)
def test_every_contract_object_property_is_declared(onto: Graph, name: str) -> None:
    assert (QI[name], RDF.type, OWL.ObjectProperty) in onto


@pytest.mark.parametrize("name", CONTRACT_DATA_PROPERTIES)
def test_every_contract_data_property_is_declared(onto: Graph, name: str) -> None:
    assert (QI[name], RDF.type, OWL.DatatypeProperty) in onto


def test_no_property_is_both_object_and_data_property(tbox: Graph) -> None:
    both = set(tbox.subjects(RDF.type, OWL.ObjectProperty)) & set(tbox.subjects(RDF.type, OWL.DatatypeProperty))
    annotation = set(tbox.subjects(RDF.type, OWL.AnnotationProperty))
    mixed = annotation & (
        set(tbox.subjects(RDF.type, OWL.ObjectProperty)) | set(tbox.subjects(RDF.type, OWL.DatatypeProperty))
    )
    assert not both and not mixed


def test_every_term_has_an_english_label_and_comment(onto: Graph) -> None:
    missing = []
    for term in sorted(qi_terms(onto)):
        labels = [o for o in onto.objects(term, RDFS.label) if getattr(o, "language", None) == "en"]
        comments = [o for o in onto.objects(term, RDFS.comment) if getattr(o, "language", None) == "en"]
        if len(labels) != 1 or len(comments) != 1 or len(str(comments[0])) < 20:
            missing.append(term)
    assert not missing


@pytest.mark.parametrize(("name", "parent"), sorted(EXPECTED_ALIGNMENT.items()))
def test_classes_are_aligned_to_standard_vocabularies(tbox: Graph, name: str, parent: str) -> None:
    superclasses = set(tbox.transitive_objects(QI[name], RDFS.subClassOf))
    assert URIRef(parent) in superclasses


def test_people_are_disjoint_from_organisations_and_their_accounts(onto: Graph) -> None:
    assert (FOAF.Person, OWL.disjointWith, QI.Organisation) in onto
    assert (FOAF.Person, OWL.disjointWith, QI.OrganisationAccount) in onto


def test_quotes_are_disjoint_from_participants_resources_and_themes(onto: Graph) -> None:
    groups = [
        set(Collection(onto, members))
        for node in onto.subjects(RDF.type, OWL.AllDisjointClasses)
        for members in onto.objects(node, OWL.members)
    ]
    assert any({QI.Quote, QI.Participant, QI.Resource, QI.Theme, QI.Question} <= group for group in groups)


def test_every_external_term_used_is_declared_in_a_stub(onto: Graph, tbox: Graph) -> None:
    structural = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.disjointWith)
    used = {o for p in structural for o in onto.objects(None, p) if isinstance(o, URIRef)}
    for lists in (OWL.members, OWL.unionOf):
        for head in onto.objects(None, lists):
            used |= {m for m in Collection(onto, head) if isinstance(m, URIRef)}
    used |= {p for p in onto.predicates() if isinstance(p, URIRef)}
    used |= {s for s in onto.subjects() if isinstance(s, URIRef)}
    # str(...) first: rdflib's URIRef.startswith does not accept a tuple of prefixes
    external = {t for t in used if not str(t).startswith((str(QI), *BUILT_IN)) and t != ontology.ONTOLOGY_IRI}
    undeclared = sorted(t for t in external if (t, RDF.type, None) not in tbox)
    assert not undeclared


def test_stubs_only_declare_labelled_terms(tbox: Graph) -> None:
    for path in ontology.import_paths():
        stub = Graph().parse(path)
        for term in set(stub.subjects(RDF.type, None)):
            assert stub.value(term, RDFS.label) is not None, f"{term} in {path.name} has no label"


def test_ontology_header_has_the_metadata_pylode_shows(onto: Graph) -> None:
    iri = ontology.ONTOLOGY_IRI
    vann = "http://purl.org/vocab/vann/"
    for predicate in (
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.creator,
        DCTERMS.license,
        DCTERMS.created,
        DCTERMS.modified,
        OWL.versionIRI,
        OWL.versionInfo,
        URIRef(vann + "preferredNamespacePrefix"),
        URIRef(vann + "preferredNamespaceUri"),
    ):
        assert onto.value(iri, predicate) is not None, predicate
    assert str(onto.value(iri, URIRef(vann + "preferredNamespaceUri"))) == str(QI)


def test_nothing_is_imported_from_the_network(tbox: Graph) -> None:
    assert not list(tbox.objects(None, OWL.imports))


def test_hash_namespace_terms_only(onto: Graph) -> None:
    assert all("#" in t and "/" not in t.split("#", 1)[1] for t in qi_terms(onto))
