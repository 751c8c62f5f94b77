"""Is a resource several chats print one node, and does each chat's graph state what its report printed?

Records are the first report's and the June report's (tests/kg/extract/fixtures, TEST DATA), read by the extractor;
variants change one resource record of a copy. The rules: kg/rdf/identity.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDFS

from kg import iris
from kg.extract.report import extract
from kg.iris import SCHEMA
from kg.rdf.assemble import assemble, same_accounts
from kg.rdf.identity import link_key, resource_identities, title_key
from kg.records import ChatRecords

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
JUNE = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-06-27-report.txt"


@pytest.fixture(scope="module")
def seed() -> ChatRecords:
    return extract(SEED)


@pytest.fixture(scope="module")
def june() -> ChatRecords:
    return extract(JUNE)


@pytest.fixture(scope="module")
def built(seed, june):
    warnings: list[str] = []
    ds = assemble([seed, june], warnings)
    ds.default_union = True  # what a query of the default graph sees: every chat's graph
    return ds, warnings


def _graph(ds, records: ChatRecords):
    return ds.graph(iris.source_graph(records.source_slug))


def _seed_resource(seed: ChatRecords, **match):
    [res] = [r for r in seed.resources if all(getattr(r, k) == v for k, v in match.items())]
    return res


def _june_row(june: ChatRecords, words: str):
    [res] = [r for r in june.resources if r.title and words in r.title]
    return res


def test_a_title_printed_in_other_case_is_one_node_titled_by_its_first_printing(built, seed, june):
    ds, warnings = built
    later = _june_row(june, "Creating Tomorrow Today")
    first = next(r for r in seed.resources if r.title and r.title.casefold() == later.title.casefold())
    assert first.title != later.title  # the June report prints it in title case
    node = iris.resource(first.slug)
    assert set(ds.objects(node, DCTERMS.title)) == {Literal(first.title)}  # one title in the union of the graphs
    assert (node, DCTERMS.title, None) not in _graph(ds, june)  # the June graph does not claim the seed's words
    assert (node, SCHEMA.alternateName, Literal(later.title)) in _graph(ds, june)  # it states its own printing
    assert (node, RDFS.label, Literal(later.title)) in _graph(ds, june)
    assert any(w.startswith(f"{june.source_path}:{later.line}: resource {first.slug!r}") for w in warnings)


def _with_resource(records: ChatRecords, index: int, **changes) -> ChatRecords:
    resources = list(records.resources)
    resources[index] = resources[index].model_copy(update=changes)
    return records.model_copy(update={"resources": resources})


def test_a_doi_is_one_resource_whatever_its_title(built, seed, june) -> None:
    ds, warnings = built
    later = next(r for r in june.resources if r.doi and any(s.doi for s in seed.resources))
    first = next(s for s in seed.resources if s.doi and s.doi.casefold() == later.doi.casefold())
    assert first.title != later.title and first.slug != later.slug  # the extractor named them apart
    node = iris.resource(first.slug)
    assert (iris.resource(later.slug), None, None) not in ds  # one node, the first printing's
    assert set(ds.objects(node, DCTERMS.title)) == {Literal(first.title)}
    assert (node, SCHEMA.alternateName, Literal(later.title)) in _graph(ds, june)
    assert set(ds.objects(node, iris.QI.sharedBy)) >= {
        iris.participant(h.lower()) for h in [*first.shared_by, *later.shared_by]
    }
    assert any("by DOI " in w for w in warnings if f":{later.line}:" in w)


def test_one_web_address_with_two_titles_is_two_resources_with_a_warning(built, seed, june) -> None:
    """An address may be a hub page that links several resources: it joins two records only when one is untitled."""
    ds, warnings = built
    later = next(r for r in june.resources if r.url and any(s.url for s in seed.resources))
    first = next(s for s in seed.resources if s.url and link_key(s.url) == link_key(later.url))
    assert first.title != later.title and first.slug != later.slug
    assert set(ds.objects(iris.resource(first.slug), DCTERMS.title)) == {Literal(first.title)}
    assert set(ds.objects(iris.resource(later.slug), DCTERMS.title)) == {Literal(later.title)}
    [warning] = [w for w in warnings if w.startswith(f"{june.source_path}:{later.line}: ")]
    assert "web address" in warning and "kept as two resources" in warning and f"{SEED.name}:{first.line}" in warning


def test_one_web_address_joins_a_record_without_a_title_to_the_titled_one(seed, june) -> None:
    i = next(i for i, r in enumerate(june.resources) if r.url and "vimeo" in r.url)
    untitled = _with_resource(june, i, title=None)
    first = next(s for s in seed.resources if s.url and "vimeo" in s.url)
    ids = resource_identities([seed, untitled])
    assert ids.of(untitled)[i].node == first.slug


def test_a_hub_page_two_resources_link_to_keeps_them_apart(seed, june) -> None:
    """Two resources of one chat print https://www.england.nhs.uk/qsir/ with their own titles."""
    hub = "https://www.england.nhs.uk/qsir/"
    rows = [i for i, r in enumerate(june.resources) if not r.core and not r.doi][:2]
    variant = june
    for i, title in zip(rows, ["QSIR Practitioner course", "QSIR tools: a guide"], strict=True):
        variant = _with_resource(variant, i, title=title, url=hub)
    j = next(i for i, r in enumerate(seed.resources) if not r.core and not r.doi)
    untitled = _with_resource(seed, j, title=None, url=hub)  # which of the two is it? neither, by the address alone
    ids = resource_identities([untitled, variant])
    nodes = {ids.of(variant)[rows[0]].node, ids.of(variant)[rows[1]].node, ids.of(untitled)[j].node}
    assert len(nodes) == 3
    assert sum("kept as two resources" in w for w in ids.warnings) == 1


def test_a_type_another_printing_gives_otherwise_is_left_out_of_the_later_graph(seed, june):
    i = next(i for i, r in enumerate(june.resources) if r.url and "vimeo" in r.url)
    later = _with_resource(june, i, title=None)  # untitled, so the web address joins it to the seed's
    first = next(s for s in seed.resources if s.url and "vimeo" in s.url)
    assert first.type != later.resources[i].type
    warnings: list[str] = []
    ds = assemble([seed, later], warnings)
    ds.default_union = True
    node = iris.resource(first.slug)
    assert set(ds.objects(node, iris.QI.resourceType)) == {Literal(first.type)}
    assert any(f"its type here is {later.resources[i].type!r}" in w for w in warnings)


def test_titles_in_other_scripts_are_told_apart(seed, june):
    """A title without ASCII letters identifies by its own letters: two such titles are two resources."""
    rows = [i for i, r in enumerate(june.resources) if not r.core][:2]
    for a, b in [("质量改进指南", "患者安全手册"), ("NHS 改善指南", "NHS 质量手册")]:
        variant = _with_resource(
            _with_resource(june, rows[0], title=a, url=None, doi=None), rows[1], title=b, url=None, doi=None
        )
        ids = resource_identities([seed, variant])
        assert ids.of(variant)[rows[0]].node != ids.of(variant)[rows[1]].node
    assert title_key("Ｑｕａｌｉｔé  Guide!") == title_key("qualite guide") == "qualiteguide"
    assert title_key("...") == ""


def test_titles_without_a_letter_identify_nothing(seed, june):
    rows = [i for i, r in enumerate(june.resources) if not r.core][:2]
    variant = _with_resource(
        _with_resource(june, rows[0], title="…", url=None, doi=None), rows[1], title="?!", url=None, doi=None
    )
    ids = resource_identities([seed, variant])
    assert ids.of(variant)[rows[0]].node != ids.of(variant)[rows[1]].node


def test_a_doi_and_its_doi_org_address_are_one_resource(seed, june):
    first = next(s for s in seed.resources if s.doi)
    i = next(i for i, r in enumerate(june.resources) if r.doi)
    variant = _with_resource(june, i, doi=None, url=f"https://doi.org/{first.doi.upper()}", title="Another title")
    assert resource_identities([seed, variant]).of(variant)[i].node == first.slug


def test_tracking_parameters_do_not_make_another_address():
    assert link_key("https://example.org/a?utm_source=twitter&utm_medium=social") == "example.org/a"
    assert link_key("https://example.org/a?set=1&utm_campaign=x") == link_key("http://example.org/a?set=1")
    assert link_key("https://example.org/a?set=1") != link_key("https://example.org/a?set=2")


def test_similar_titles_stay_two_resources_each_named_apart(seed, june):
    first = _seed_resource(seed, slug="the-habits-of-an-improver")
    i = next(i for i, r in enumerate(june.resources) if not r.core and not r.doi and not r.url)
    for title in ("Habits of an Improver", "The Habits of an Improver: a second edition"):
        variant = _with_resource(june, i, title=title, slug=first.slug, doi=None, url=None)
        ids = resource_identities([seed, variant])
        assert ids.of(variant)[i].node != first.slug  # its own node, never the seed's by a near title
        assert ids.of(variant)[i].states_title


def test_a_sites_root_address_identifies_no_resource(seed, june):
    i = next(i for i, r in enumerate(june.resources) if r.url and "example.org" in r.url)
    a = _with_resource(june, i, url="https://www.health.org.uk/")
    seed_b = _with_resource(seed, 0, url="http://health.org.uk")
    ids = resource_identities([seed_b, a])
    assert ids.of(a)[i].node != ids.of(seed_b)[0].node
    assert link_key("https://www.Example.org/a/") == link_key("http://example.org/a") == "example.org/a"
    assert link_key("https://example.org/") is None


def test_the_earliest_chat_names_the_node_in_any_registry_order(seed, june):
    later = _june_row(june, "Creating Tomorrow Today")
    for order in ([seed, june], [june, seed]):
        printing = resource_identities(order).of(june)[june.resources.index(later)]
        assert (printing.node, printing.states_title, printing.alternative) == (
            "creating-tomorrow-today-seven-simple-rules-for-leaders",
            False,
            later.title,
        )


def test_adding_an_earlier_chat_that_prints_a_resource_first_rebuilds_the_later_graph(seed, june):
    assert same_accounts([seed], [seed, june])  # June only adds: the seed's graph stays as it was
    assert not same_accounts([june], [june, seed])  # the seed, dated earlier, takes the title the June graph had


def test_a_core_resource_shared_again_is_the_core_node_with_its_sharer(seed, june):
    """June's core blog printed again as a row of its table: one node, core, shared by the row's sharer (more layouts:
    test_core_resources_shared.py)."""
    [core] = [r for r in june.resources if r.core]
    i = next(i for i, r in enumerate(june.resources) if not r.core)
    variant = _with_resource(june, i, title=core.title, slug=core.slug, doi=None, url=None)
    ids = resource_identities([seed, variant])
    ours = ids.of(variant)
    assert ours[june.resources.index(core)].node == core.slug  # the seed's core resource, core in June too
    assert ours[i].node == core.slug and "core" in ours[i].left_out  # the row: the same node, 'core' left to the core
    warnings: list[str] = []
    ds = assemble([seed, variant], warnings)
    ds.default_union = True
    sharers = {ds.value(iris.participant(h.lstrip("@")), iris.QI.handle) for h in june.resources[i].shared_by}
    assert {ds.value(p, iris.QI.handle) for p in ds.objects(iris.resource(core.slug), iris.QI.sharedBy)} == sharers
    assert set(ds.objects(iris.resource(core.slug), iris.QI.core)) == {Literal(True)}


def test_each_chat_that_shares_a_resource_gives_its_own_reasons_for_its_themes(built, seed, june):
    """A resource both chats share: its theme assignments are one per chat, each in that chat's graph, so a reason,
    a line and a context are never two chats' evidence mixed on one node (the shapes allow one reason)."""
    ds, _ = built
    resource_prefix = str(iris.QID) + "resource/"
    shared = {
        node
        for node in _graph(ds, seed).subjects(iris.QI.hasTheme, None)
        if str(node).startswith(resource_prefix) and (node, iris.QI.hasTheme, None) in _graph(ds, june)
    }
    assert shared, "the June report shares resources the first report shares"
    for resource in shared:
        nodes = set(ds.subjects(iris.QI.assignedTo, resource))
        for node in nodes:
            for p in (
                iris.QI.reason,
                iris.QI.strength,
                iris.QI.sourceLine,
                PROV.wasDerivedFrom,
                iris.QI.matchedContext,
            ):
                assert len(set(ds.objects(node, p))) <= 1, (node, p)
            [chat] = [records for records in (seed, june) if (node, None, None) in _graph(ds, records)]
            assert str(node).endswith(f"/in/{chat.chat.slug}")
        in_june = {n for n in nodes if (n, None, None) in _graph(ds, june)}
        in_seed = {n for n in nodes if (n, None, None) in _graph(ds, seed)}
        assert in_june and in_seed and not in_june & in_seed
