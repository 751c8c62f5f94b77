"""Is ontology/themes.ttl a clean SKOS thesaurus whose labels tag texts sensibly?"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from kg.iris import QI, theme
from kg.rdf import ontology

LESSONS = {
    "cultural-readiness": "Build cultural readiness",
    "embed-qi-routines": "Embed QI routines and practices",
    "leaders-show-the-way": "Have leaders show the way",
    "relationships-prerequisite": "Relationships aren't a priority, they're a prerequisite",
    "accountability-for-behaviours": "Hold each other to account for behaviours",
    "golden-thread": "The rule of the golden thread",
}
SUB_THEMES_FROM_THE_CONTRACT = [
    "genba",
    "nemawashi",
    "huddles-and-focus-boards",
    "coaching",
    "shared-improvement-method",
    "flattening-hierarchy",
    "psychological-safety",
    "co-production",
    "data-and-metrics",
    "strategy-deployment",
    "networks-and-communities",
    "training-access",
    "celebrating-success",
]


@pytest.fixture(scope="module")
def thesaurus() -> Graph:
    return ontology.thesaurus()


def concepts(graph: Graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, SKOS.Concept))


def themes_tagged(text: str) -> set[str]:
    """Slugs of the themes whose labels occur in `text`: case-insensitive, whole words (the tagging rule)."""
    found = set()
    for label, iri, _kind in ontology.label_index():
        if re.search(r"(?<!\w)" + re.escape(label) + r"(?!\w)", text, re.IGNORECASE):
            found.add(str(iri).rsplit("/", 1)[1])
    return found


def test_the_six_lessons_are_the_top_concepts(thesaurus: Graph) -> None:
    tops = set(thesaurus.objects(ontology.THEME_SCHEME, SKOS.hasTopConcept))
    assert tops == {theme(slug) for slug in LESSONS}
    for slug, label in LESSONS.items():
        node = theme(slug)
        assert (node, RDF.type, QI.Lesson) in thesaurus
        assert (node, SKOS.topConceptOf, ontology.THEME_SCHEME) in thesaurus
        assert str(thesaurus.value(node, SKOS.prefLabel)) == label


@pytest.mark.parametrize("slug", SUB_THEMES_FROM_THE_CONTRACT)
def test_contract_sub_themes_exist_below_a_lesson(thesaurus: Graph, slug: str) -> None:
    node = theme(slug)
    assert (node, RDF.type, QI.Theme) in thesaurus
    ancestors = set(thesaurus.transitive_objects(node, SKOS.broader)) - {node}
    assert ancestors & {theme(lesson) for lesson in LESSONS}


def test_every_concept_has_one_english_preflabel_a_definition_and_a_scheme(thesaurus: Graph) -> None:
    for node in concepts(thesaurus):
        pref = list(thesaurus.objects(node, SKOS.prefLabel))
        assert len(pref) == 1 and pref[0].language == "en", node
        assert str(thesaurus.value(node, RDFS.label)) == str(pref[0]), node
        definition = thesaurus.value(node, SKOS.definition)
        assert definition is not None and len(str(definition)) > 40, node
        assert (node, SKOS.inScheme, ontology.THEME_SCHEME) in thesaurus, node
        assert (node, RDF.type, QI.Theme) in thesaurus, node


def test_every_sub_theme_leads_up_to_a_lesson_without_cycles(thesaurus: Graph) -> None:
    lessons = {theme(slug) for slug in LESSONS}
    for node in concepts(thesaurus) - lessons:
        seen: list[URIRef] = []
        current = node
        while current not in lessons:
            parents = list(thesaurus.objects(current, SKOS.broader))
            assert parents, f"{node} does not reach a lesson"
            current = parents[0]
            assert current not in seen, f"cycle through {current}"
            seen.append(current)


def test_lessons_have_no_broader_theme(thesaurus: Graph) -> None:
    assert not [s for s in (theme(slug) for slug in LESSONS) if thesaurus.value(s, SKOS.broader)]


def test_no_two_themes_share_a_label_of_any_kind() -> None:
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for label, iri, _kind in ontology.label_index():
        owners[label.casefold()].add(iri)
    assert not {label: iris for label, iris in owners.items() if len(iris) > 1}


def test_a_theme_does_not_repeat_its_own_labels(thesaurus: Graph) -> None:
    for node in concepts(thesaurus):
        labels = [
            str(o).casefold()
            for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
            for o in thesaurus.objects(node, p)
        ]
        assert len(labels) == len(set(labels)), node


def test_related_themes_are_not_also_broader(thesaurus: Graph) -> None:
    for node, other in thesaurus.subject_objects(SKOS.related):
        assert other not in set(thesaurus.transitive_objects(node, SKOS.broader))
        assert node not in set(thesaurus.transitive_objects(other, SKOS.broader))


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("continuous improvement starts with leaders who frame problems, go to the genba, ask why", "genba"),
        ("Having googled genba; I've found my new favourite word - the real place that adds value", "genba"),
        ("ending with a recommendation to go-see", "genba"),
        ("This is sometimes called 'nemawashi' (sorry for lingo). It means 'preparing the soil'", "nemawashi"),
        ("we use huddles and focus boards to provide a place for discussion", "huddles-and-focus-boards"),
        ("the hard work of talking, prioritising and talking #hoshinkanri", "strategy-deployment"),
        ("coproduction needs to be the standard not the dream", "co-production"),
        ("engage with patients as partners", "co-production"),
        ("introducing new tools and skills such as PDSA to the work force", "pdsa"),
        ("use an improvement mindset (A3 thinking) in performance management", "a3-thinking"),
        ("using Action Learning Set & facilitation combo", "action-learning"),
        ("is greatly dependent on the 'True North' that the leadership sets gaze on", "true-north"),
        ("flatten the hierarchy - everyone is a leader when it comes to QI", "flattening-hierarchy"),
        ("encouraging leaders to acknowledge vulnerability often goes a long way", "psychological-safety"),
        ("improvement happens at the pace of trust", "building-trust"),
        ("Ensuring leaders are using the right metrics, at the right level", "data-and-metrics"),
        ("real value in skilled coaching that creates headspace", "coaching"),
        ("celebrating success & being safe to fail culture", "celebrating-success"),
        ("allowing everyone access to the training and not seeing it as management only", "training-access"),
        ("The golden thread curves, it is not a straight line.", "golden-thread"),
    ],
)
def test_words_people_use_tag_the_right_theme(text: str, slug: str) -> None:
    assert slug in themes_tagged(text)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Gloucestershire Hospitals NHS Foundation Trust", "building-trust"),
        ("community trust definitely benefiting from virtual connections within trust", "building-trust"),
        ("A3 They have to try and experience them", "a3-thinking"),
        ("daily huddles becoming so much more than updates and reflection", "data-and-metrics"),
        ("'satisfied patients' linked to patient flow", "patience-and-commitment"),
        ("Being honest I think our golden thread has often been very grey and frayed!", "honesty-and-humility"),
        ("Medicine training / medical culture often a barrier to this for doctors", "training-access"),
        ("The next #LeadingQI and #QIHour chat will take place on Tuesday", "data-and-metrics"),
    ],
)
def test_ambiguous_words_do_not_tag_the_wrong_theme(text: str, slug: str) -> None:
    assert slug not in themes_tagged(text)


def test_the_hierarchy_and_relations_can_be_followed_both_ways() -> None:
    """A client asking `?lesson skos:narrower ?theme` or `?b skos:related ?a` gets answers without a reasoner."""
    from rdflib.namespace import SKOS

    graph = ontology.thesaurus()
    broader = set(graph.subject_objects(SKOS.broader))
    assert broader and {(o, s) for s, o in graph.subject_objects(SKOS.narrower)} == broader
    related = set(graph.subject_objects(SKOS.related))
    assert related and {(o, s) for s, o in related} == related
    top = set(graph.subject_objects(SKOS.topConceptOf))
    assert top and {(o, s) for s, o in graph.subject_objects(SKOS.hasTopConcept)} == top


def test_completing_a_thesaurus_adds_only_inverses() -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS

    a, b, c = (URIRef(f"https://example.org/{x}") for x in "abc")
    graph = Graph()
    graph.add((a, SKOS.broader, b))
    graph.add((b, SKOS.related, c))
    ontology.complete_both_ways(graph)
    assert set(graph) == {(a, SKOS.broader, b), (b, SKOS.narrower, a), (b, SKOS.related, c), (c, SKOS.related, b)}
