"""HermiT over what an added or removed chat changes (`kg.checks.reason_region`) gives what HermiT over the whole graph
gives: the same inferred types (a shared person typed anew, two individuals merged by a functional property and the
types that follows from that), the same clash through a shared node; and when a premise of the argument fails
(a restriction in the ontology, `owl:sameAs` in a chat) the region says so and the build reasons over everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef

from kg import iris
from kg.checks.reason import inferred_types, reason
from kg.checks.reason_region import changed_region, mentioned, mentioned_in_ntriples, premises
from kg.iris import FOAF, QI, QID
from kg.pipeline.run import extract_all
from kg.rdf.assemble import assemble

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
SEED_GRAPH = iris.source_graph("leadingqi-2022-10-19")
NEW = URIRef(str(iris.source_graph("leadingqi-2099-01-01")))
OLD = URIRef(str(iris.source_graph("leadingqi-2098-01-01")))
PRIMARY = QI.testPrimaryContact  # a functional object property the tests add to the ontology
KIND_A, KIND_B = QI.TestKindA, QI.TestKindB  # two classes that are not disjoint


@pytest.fixture(scope="module")
def seed() -> Dataset:
    return assemble(extract_all([SEED]), [])


def _copy(ds: Dataset) -> Dataset:
    out = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        out.bind(prefix, ns)
    for g in ds.graphs():
        target = out.graph(g.identifier)
        for t in g:
            target.add(t)
    return out


def _with_functional_property(ds: Dataset) -> Dataset:
    out = _copy(ds)
    tbox = out.graph(iris.ONTOLOGY_GRAPH)
    tbox.add((PRIMARY, RDF.type, OWL.ObjectProperty))
    tbox.add((PRIMARY, RDF.type, OWL.FunctionalProperty))
    for kind in (KIND_A, KIND_B):
        tbox.add((kind, RDF.type, OWL.Class))
        tbox.add((kind, RDFS.subClassOf, QI.Resource))
    return out


def _added(before: Dataset, triples: list[tuple], graph: URIRef = NEW) -> Dataset:
    after = _copy(before)
    g = after.graph(graph)
    for t in triples:
        g.add(t)
    return after


def _types(graph: Graph) -> set[tuple]:
    return set(graph)


def _region_and_whole(before: Dataset, after: Dataset, seeds: set, **kw) -> tuple:
    """(HermiT over the region with the types of `before`, HermiT over all of `after`)."""
    previous = reason(before)
    assert previous.consistent, previous.findings
    region = changed_region(after, seeds, **kw)
    return reason(after, region=region, previous=inferred_types(previous.inferred)), reason(after)


def _a_participant_not_yet_a_person(seed: Dataset) -> URIRef:
    """A seed participant neither asserted nor inferred a person nor an organisation's account."""
    inferred = reason(seed).inferred
    facts = seed.graph(SEED_GRAPH)
    for p in sorted(facts.subjects(RDF.type, QI.Participant)):
        kinds = set(facts.objects(p, RDF.type)) | set(inferred.objects(p, RDF.type))
        if not kinds & {FOAF.Person, QI.OrganisationAccount}:
            return p
    raise AssertionError("the seed has no participant of unknown kind")


def test_an_added_chat_that_makes_a_shared_participant_a_person_types_it_as_over_everything(seed: Dataset) -> None:
    person = _a_participant_not_yet_a_person(seed)
    chat = iris.chat("2099-01-01")
    added = [(chat, RDF.type, QI.TweetChat), (chat, QI.collaborator, person)]  # range foaf:Person
    after = _added(seed, added)
    in_region, whole = _region_and_whole(seed, after, mentioned(added))
    assert (person, RDF.type, FOAF.Person) in whole.inferred  # the add changes an old node's types
    assert in_region.consistent and whole.consistent
    assert _types(in_region.inferred) == _types(whole.inferred)


def test_removing_that_chat_takes_the_persons_type_away_as_over_everything(seed: Dataset) -> None:
    person = _a_participant_not_yet_a_person(seed)
    chat = iris.chat("2099-01-01")
    added = [(chat, RDF.type, QI.TweetChat), (chat, QI.collaborator, person)]
    with_chat = _added(seed, added)
    previous = reason(with_chat)
    lines = with_chat.graph(NEW).serialize(format="nt").splitlines()
    seeds = mentioned_in_ntriples([ln for ln in lines if ln.strip()])  # as `qikg remove` reads the removed graph
    assert seeds == mentioned(added)
    in_region = reason(seed, region=changed_region(seed, seeds), previous=inferred_types(previous.inferred))
    whole = reason(seed)
    assert (person, RDF.type, FOAF.Person) in previous.inferred
    assert (person, RDF.type, FOAF.Person) not in in_region.inferred
    assert _types(in_region.inferred) == _types(whole.inferred)


def _merge_through_old_nodes(seed: Dataset) -> tuple[Dataset, Dataset, list[tuple], URIRef, URIRef]:
    """An old graph: contact x points at a (kind A), contact y at b (kind B). The added chat points z at both x and
    y: x and y are one individual (functional), so a and b are one too, and each gets the other's kind; a and b are
    not mentioned by the added chat, only reached through the functional values of x and y."""
    x, y, z, a, b = (QID[f"test/{n}"] for n in ("x", "y", "z", "a", "b"))
    before = _added(
        _with_functional_property(seed),
        [(a, RDF.type, KIND_A), (b, RDF.type, KIND_B), (x, RDF.type, QI.Resource), (y, RDF.type, QI.Resource)]
        + [(x, PRIMARY, a), (y, PRIMARY, b)],
        OLD,
    )
    added = [(z, RDF.type, QI.Resource), (z, PRIMARY, x), (z, PRIMARY, y)]
    return before, _added(before, added), added, a, b


def test_a_chat_that_merges_two_old_individuals_through_a_functional_property_merges_their_types(seed: Dataset) -> None:
    before, after, added, a, b = _merge_through_old_nodes(seed)
    assert premises(after) == []  # a functional object property is within the argument: the closure handles it
    in_region, whole = _region_and_whole(before, after, mentioned(added))
    assert (a, RDF.type, KIND_B) in whole.inferred and (b, RDF.type, KIND_A) in whole.inferred
    assert _types(in_region.inferred) == _types(whole.inferred)


def test_without_the_closure_over_functional_values_the_region_is_too_small(seed: Dataset) -> None:
    before, after, added, a, b = _merge_through_old_nodes(seed)
    in_region, whole = _region_and_whole(before, after, mentioned(added), values=False)
    assert (a, RDF.type, KIND_B) in whole.inferred
    assert (a, RDF.type, KIND_B) not in in_region.inferred  # what the closure is there for
    assert _types(in_region.inferred) != _types(whole.inferred)


def _one_of_two_merged(seed: Dataset) -> tuple[Dataset, Dataset, list[tuple], URIRef]:
    """An old graph points y at a and at b (so a and b are one); the added chat gives a kind B: b has it too, though
    the chat never mentions b and no region node has b as a functional value."""
    y, a, b = (QID[f"test/{n}"] for n in ("y", "a", "b"))
    before = _added(
        _with_functional_property(seed),
        [
            (y, RDF.type, QI.Resource),
            (a, RDF.type, KIND_A),
            (b, RDF.type, QI.Resource),
            (y, PRIMARY, a),
            (y, PRIMARY, b),
        ],
        OLD,
    )
    added = [(a, RDF.type, KIND_B)]
    return before, _added(before, added), added, b


def test_a_chat_that_types_one_of_two_merged_old_individuals_types_the_other(seed: Dataset) -> None:
    before, after, added, b = _one_of_two_merged(seed)
    in_region, whole = _region_and_whole(before, after, mentioned(added))
    assert (b, RDF.type, KIND_B) in whole.inferred
    assert _types(in_region.inferred) == _types(whole.inferred)


def test_without_the_merged_classes_the_region_is_too_small(seed: Dataset) -> None:
    before, after, added, b = _one_of_two_merged(seed)
    in_region, whole = _region_and_whole(before, after, mentioned(added), merged=False)
    assert (b, RDF.type, KIND_B) in whole.inferred and (b, RDF.type, KIND_B) not in in_region.inferred


def test_a_chat_that_merges_a_new_node_with_an_old_one_gives_it_the_old_ones_kind(seed: Dataset) -> None:
    base = _added(_with_functional_property(seed), [(QID["test/old"], RDF.type, KIND_A)], OLD)
    z, new = QID["test/z"], QID["test/new"]
    added = [(z, RDF.type, QI.Resource), (new, RDF.type, KIND_B), (z, PRIMARY, QID["test/old"]), (z, PRIMARY, new)]
    after = _added(base, added)
    in_region, whole = _region_and_whole(base, after, mentioned(added))
    assert (QID["test/old"], RDF.type, KIND_B) in whole.inferred
    assert _types(in_region.inferred) == _types(whole.inferred)


def test_a_chat_that_types_a_shared_organisation_account_a_person_is_the_same_clash_as_over_everything(
    seed: Dataset,
) -> None:
    account = iris.participant("WarwickBSchool")
    assert (account, RDF.type, QI.OrganisationAccount) in seed.graph(SEED_GRAPH)
    added = [(account, RDF.type, FOAF.Person)]
    in_region, whole = _region_and_whole(seed, _added(seed, added), mentioned(added))
    assert not whole.consistent and not in_region.consistent
    assert any(f.node == str(account) and "disjoint" in f.rule for f in whole.findings)
    assert in_region.findings == whole.findings


def test_a_clash_of_a_functional_data_property_on_a_shared_question_is_found_in_the_region(seed: Dataset) -> None:
    question = iris.question("2022-10-19", 2)
    added = [(question, QI.number, Literal(7))]
    in_region, whole = _region_and_whole(seed, _added(seed, added), mentioned(added))
    assert not whole.consistent and not in_region.consistent
    assert in_region.findings == whole.findings


def test_the_projects_ontology_and_chats_meet_the_premises(seed: Dataset) -> None:
    assert premises(seed) == []


@pytest.mark.parametrize(
    ("graph", "triple", "said"),
    [
        (iris.ONTOLOGY_GRAPH, (BNode("r"), RDF.type, OWL.Restriction), "owl:Restriction"),
        (iris.ONTOLOGY_GRAPH, (QI.answers, OWL.propertyChainAxiom, BNode("l")), "owl:propertyChainAxiom"),
        (iris.ONTOLOGY_GRAPH, (QI.saidBy, RDF.type, OWL.InverseFunctionalProperty), "owl:InverseFunctionalProperty"),
        (iris.ONTOLOGY_GRAPH, (QI.Quote, OWL.oneOf, BNode("l")), "owl:oneOf"),
        (iris.ONTOLOGY_GRAPH, (QI.TweetChat, OWL.hasKey, BNode("l")), "owl:hasKey"),
        (NEW, (iris.participant("a"), OWL.sameAs, iris.participant("b")), "owl:sameAs"),
        (NEW, (QID["test/c"], RDFS.subClassOf, QI.Quote), "rdfs:subClassOf"),
    ],
)
def test_a_construct_outside_the_argument_is_named_so_the_build_reasons_over_everything(
    seed: Dataset, graph: URIRef, triple: tuple, said: str
) -> None:
    after = _added(seed, [triple], graph)
    failed = premises(after)
    assert failed and any(said in f for f in failed), failed


def test_a_functional_property_that_is_also_transitive_is_outside_the_argument(seed: Dataset) -> None:
    ds = _with_functional_property(seed)
    ds.graph(iris.ONTOLOGY_GRAPH).add((PRIMARY, RDF.type, OWL.TransitiveProperty))
    assert any("testPrimaryContact" in f for f in premises(ds))


def test_a_build_whose_ontology_fails_a_premise_reasons_over_everything_and_says_so(seed: Dataset) -> None:
    from kg.pipeline.cache import BuildState
    from kg.pipeline.run import _reasoning_region

    after = _added(seed, [(iris.chat("2099-01-01"), RDF.type, QI.TweetChat)])
    previous = BuildState("key", {str(SEED_GRAPH): "k"}, [], inferred_types(reason(seed).inferred), {})
    log: list[str] = []
    graphs = {str(SEED_GRAPH): "k", str(NEW): "n"}
    assert _reasoning_region(after, [], graphs, [str(NEW)], previous, Path("/nonexistent"), log) is not None
    assert log and "changed region" in log[-1]
    after.graph(iris.ONTOLOGY_GRAPH).add((BNode("r"), RDF.type, OWL.Restriction))
    log.clear()
    assert _reasoning_region(after, [], graphs, [str(NEW)], previous, Path("/nonexistent"), log) is None
    assert log == ["reasoned over everything, not the changed region: the ontology has a owl:Restriction"]


def test_a_removed_graph_with_blank_nodes_is_not_read_as_its_mentions() -> None:
    assert mentioned_in_ntriples(["_:b1 <https://x/p> <https://x/o> ."]) is None
    found = mentioned_in_ntriples(
        ['<https://x/s> <https://x/p> "a <b> c" .', "<https://x/s> <https://x/q> <https://x/o> ."]
    )
    assert found == {URIRef("https://x/s"), URIRef("https://x/o")}
