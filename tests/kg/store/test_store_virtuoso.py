"""The remote store on a real Virtuoso (Debian's virtuoso-opensource 7.2): the answers of the embedded store, or a
clear error naming the server's limit; loads through its Graph Store, its update endpoint, Basic or Digest auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib.compare import isomorphic

from kg.store import OxigraphStore
from kg.store.remote import RemoteStore
from kg.store.virtuoso_server import VirtuosoServer, start_virtuoso, stop_virtuoso, virtuoso_installed

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed (.ci/run installs it)"),
]

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "api" / "fixtures" / "mini.trig"
QI = "https://w3id.org/qikg/ontology#"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One real Virtuoso for the module, its own ini in a temp folder, always stopped at the end."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"), max_rows=50)
    try:
        yield server
    finally:
        stop_virtuoso(server)


@pytest.fixture
def server(virtuoso: VirtuosoServer) -> VirtuosoServer:
    virtuoso.clear()
    return virtuoso


@pytest.fixture
def remote(server: VirtuosoServer) -> Iterator[RemoteStore]:
    store = RemoteStore(server.settings())
    store.load(FIXTURE, key="fixture")
    yield store
    store.close()


@pytest.fixture(scope="module")
def embedded() -> OxigraphStore:
    store = OxigraphStore()
    store.load(FIXTURE)
    return store


def test_the_test_server_runs_on_loopback_with_its_own_files(virtuoso: VirtuosoServer) -> None:
    ini = (virtuoso.folder / "virtuoso.ini").read_text()
    assert (
        f"ServerPort = 127.0.0.1:{virtuoso.http_port}" in ini and f"ServerPort = 127.0.0.1:{virtuoso.sql_port}" in ini
    )
    assert f"DatabaseFile = {virtuoso.folder / 'virtuoso.db'}" in ini and "/var/lib/virtuoso" not in ini
    assert (virtuoso.folder / "virtuoso.db").exists()
    answer = httpx.get(virtuoso.query_url, params={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert answer.json()["boolean"] is True


def test_a_load_through_the_graph_store_holds_every_graph(remote: RemoteStore, embedded: OxigraphStore) -> None:
    assert remote.named_graphs() == embedded.named_graphs()
    assert remote.triple_count() == embedded.triple_count() > 200
    assert remote.loaded_key() == "fixture"


def test_stopping_the_server_ends_its_process(tmp_path: Path) -> None:
    server = start_virtuoso(tmp_path / "short-lived")
    stop_virtuoso(server)
    assert server.process.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.query_url, params={"query": "ASK {}"}, timeout=2)


def _same(result) -> object:
    if result.kind == "CONSTRUCT":
        return sorted(tuple(t.n3() for t in triple) for triple in result.triples)
    return result.kind, result.variables, result.rows, result.boolean


EQUAL_QUERIES = [
    f"PREFIX qi: <{QI}> SELECT ?handle ?text WHERE {{ ?q qi:saidBy ?p ; qi:text ?text . ?p qi:handle ?handle }} "
    "ORDER BY ?text",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    f"PREFIX qi: <{QI}> ASK {{ ?t a qi:Theme . ?q qi:hasTheme ?t }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s a <{QI}Theme> ; ?p ?o }}",
]


@pytest.mark.parametrize("query", EQUAL_QUERIES)
def test_virtuoso_answers_like_the_embedded_store(remote: RemoteStore, embedded: OxigraphStore, query: str) -> None:
    assert _same(remote.query(query)) == _same(embedded.query(query))


def test_a_construct_is_asked_for_as_a_graph_not_a_table(remote: RemoteStore, embedded: OxigraphStore) -> None:
    query = f"CONSTRUCT {{ ?t <{QI}label> ?l }} WHERE {{ ?t <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}"
    result = remote.query(query)
    assert result.kind == "CONSTRUCT" and len(result.triples) == len(embedded.query(query).triples) > 3


def test_exists_and_true_come_back_as_booleans(remote: RemoteStore, embedded: OxigraphStore) -> None:
    query = (
        f"PREFIX qi: <{QI}> SELECT ?t ?lesson ?yes ?same WHERE {{ ?t a qi:Theme . "
        "BIND(EXISTS { ?t a qi:Lesson } AS ?lesson) BIND(true AS ?yes) BIND(?t = ?t AS ?same) } ORDER BY ?t"
    )
    rows = remote.query(query).rows
    assert rows == embedded.query(query).rows
    assert {row["lesson"].toPython() for row in rows} == {True, False}


def test_a_stored_boolean_reads_as_true_not_one(server: VirtuosoServer, tmp_path: Path) -> None:
    source = tmp_path / "b.trig"
    source.write_text("<https://x.org/g> { <https://x.org/s> <https://x.org/p> true . }\n")
    store = RemoteStore(server.settings())
    store.load(source)
    assert store.query("SELECT ?o WHERE { ?s ?p ?o }").rows[0]["o"].n3() == (
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    )


def test_blank_nodes_from_virtuoso_parse(server: VirtuosoServer, tmp_path: Path) -> None:
    source = tmp_path / "bnode.trig"
    source.write_text('<https://x.org/g> { <https://x.org/s> <https://x.org/p> [ <https://x.org/q> "v" ] . }\n')
    store = RemoteStore(server.settings())
    store.load(source)
    rows = store.query("SELECT ?o ?v WHERE { <https://x.org/s> ?p ?o . ?o ?q ?v }").rows
    assert [str(row["v"]) for row in rows] == ["v"]


def test_an_answer_cut_by_the_servers_row_cap_is_an_error_naming_the_cap(remote: RemoteStore) -> None:
    from kg.store.remote_answers import ServerRowCap

    assert len(remote.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 40").rows) == 40  # under the cap of 50: fine
    with pytest.raises(ServerRowCap, match="at most 50 rows") as info:
        remote.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert "ResultSetMaxRows" in str(info.value)
    with pytest.raises(ServerRowCap, match="50 triples"):
        remote.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


DESCRIBES = [
    "DESCRIBE <https://w3id.org/qikg/id/theme/genba>",
    f"DESCRIBE <{QI}Quote>",
    f"PREFIX qi: <{QI}> DESCRIBE ?t WHERE {{ ?t a qi:Theme }}",
    f"PREFIX qi: <{QI}> DESCRIBE ?t <{QI}Theme> WHERE {{ ?t a qi:Theme }} ORDER BY ?t LIMIT 2",
]


@pytest.mark.parametrize("query", DESCRIBES)
def test_describe_gives_the_resources_own_statements_as_the_embedded_store(
    remote: RemoteStore, embedded: OxigraphStore, query: str
) -> None:
    """Virtuoso's own DESCRIBE adds the statements pointing at the resource; asked in its CBD mode it does not."""
    mine, theirs = remote.query(query), embedded.query(query)
    assert mine.kind == "CONSTRUCT" and mine.triples
    assert _same(mine) == _same(theirs)


def test_describe_follows_blank_nodes_once_as_the_embedded_store(server: VirtuosoServer, tmp_path: Path) -> None:
    """A property whose domain is a union class (a blank node and an RDF list), in a graph of its own: the union
    graph holds its own copy of the blank nodes, and the description must still have them once."""
    source = tmp_path / "owl.trig"
    source.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://x.org/onto> { <https://x.org/p> rdfs:label "p" ; '
        "rdfs:domain [ a owl:Class ; owl:unionOf ( <https://x.org/A> <https://x.org/B> ) ] . }\n"
        "<https://x.org/data> { <https://x.org/s> <https://x.org/p> <https://x.org/o> . }\n"
    )
    store = RemoteStore(server.settings())
    store.load(source)
    embedded = OxigraphStore()
    embedded.load(source)
    for query in [
        "DESCRIBE <https://x.org/p>",
        "DESCRIBE ?p WHERE { ?p <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
    ]:
        mine, theirs = store.query(query).graph(), embedded.query(query).graph()
        assert len(theirs) == 8 and isomorphic(mine, theirs), query
    from kg.store.remote_answers import ServerLimit

    with pytest.raises(ServerLimit, match="more than once"):  # with GRAPH, each graph's copy would show
        store.query("DESCRIBE ?p WHERE { GRAPH ?g { ?p <http://www.w3.org/2000/01/rdf-schema#label> ?l } }")
    described = store.query("DESCRIBE ?s WHERE { GRAPH ?g { ?s <https://x.org/p> ?o } }")  # no blank nodes: kept
    assert len(described.triples) == 1


def test_a_huge_answer_ends_at_the_row_limit_not_the_time_limit(remote: RemoteStore) -> None:
    """Virtuoso works out a whole answer before it sends any: a product of three patterns (millions of rows) would
    run into the time limit; asked for one row more than the limit, it ends in the row limit's clear error."""
    from kg.store import RowLimitExceeded

    with pytest.raises(RowLimitExceeded, match="more than 40 rows"):
        remote.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", row_limit=40, timeout=20)
    assert len(remote.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 30", row_limit=40).rows) == 30


DIAMOND = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://x.org/g> { <https://x.org/a> skos:broader <https://x.org/b>, <https://x.org/c> .
  <https://x.org/b> skos:broader <https://x.org/d> . <https://x.org/c> skos:broader <https://x.org/d> .
  <https://x.org/a> a skos:Concept . <https://x.org/b> a skos:Concept . <https://x.org/c> a skos:Concept .
  <https://x.org/d> a skos:Concept . }
"""
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "


@pytest.fixture
def diamond(server: VirtuosoServer, tmp_path: Path) -> tuple[RemoteStore, OxigraphStore]:
    """a has two broader concepts, b and c, which both have d: two ways from a to d."""
    source = tmp_path / "diamond.trig"
    source.write_text(DIAMOND)
    store = RemoteStore(server.settings())
    store.load(source)
    embedded = OxigraphStore()
    embedded.load(source)
    return store, embedded


def test_a_transitive_path_is_refused_rather_than_repeated(diamond) -> None:
    """Virtuoso answers `?x skos:broader* ?y` once per way through the graph ((a, d) twice here), where SPARQL
    gives each pair once: a clear error naming the server's limit rather than rows repeated in silence."""
    from kg.store.remote_answers import ServerLimit

    store, _embedded = diamond
    query = SKOS + "SELECT ?x ?y WHERE { ?x a skos:Concept . ?x skos:broader* ?y }"
    with pytest.raises(ServerLimit, match=r"Virtuoso .*\?x skos:broader\* \?y.*SELECT DISTINCT"):
        store.query(query)
    with pytest.raises(ServerLimit, match="once per way"):
        store.query(SKOS + "SELECT (COUNT(*) AS ?n) WHERE { ?x a skos:Concept ; skos:broader+ ?y }")
    with pytest.raises(ServerLimit, match="once per way"):  # one end an IRI: a is still reached twice
        store.query(SKOS + "SELECT ?x WHERE { ?x skos:broader* <https://x.org/d> }")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT DISTINCT ?x ?y WHERE { ?x a skos:Concept . ?x skos:broader* ?y }",
        "ASK { ?x a skos:Concept . ?x skos:broader+ ?y . ?y skos:broader ?z }",
        "CONSTRUCT { ?x skos:broaderTransitive ?y } WHERE { ?x a skos:Concept . ?x skos:broader+ ?y }",
        "SELECT DISTINCT ?x WHERE { ?x skos:broader* <https://x.org/d> }",
    ],
)
def test_transitive_paths_whose_repeats_cannot_show_answer_like_the_embedded_store(diamond, query: str) -> None:
    store, embedded = diamond
    mine, theirs = store.query(SKOS + query), embedded.query(SKOS + query)
    assert (_same(mine) if mine.kind == "CONSTRUCT" else _rows(mine)) == (
        _same(theirs) if theirs.kind == "CONSTRUCT" else _rows(theirs)
    )
    assert mine.boolean == theirs.boolean


def test_a_path_with_one_end_bound_by_the_caller_is_answered(diamond) -> None:
    """The API's own `?theme skos:broader* ?root` with the root bound is let through: the same pairs (on a
    hierarchy with two ways up, repeated; docs/stores.md says so)."""
    from rdflib import URIRef

    store, embedded = diamond
    query = SKOS + "SELECT ?x ?top WHERE { ?x skos:broader* ?top . ?x a skos:Concept } ORDER BY ?x"
    bound = {"top": URIRef("https://x.org/d")}
    mine = store.query(query, bound).rows
    assert {tuple(row.items()) for row in mine} == {tuple(row.items()) for row in embedded.query(query, bound).rows}


def test_a_transitive_path_nothing_starts_is_an_error_naming_the_limit(diamond) -> None:
    from kg.store.remote_answers import ServerLimit

    store, _embedded = diamond
    with pytest.raises(ServerLimit, match="transitive start not given.*binds one end"):
        store.query(SKOS + "SELECT DISTINCT ?x ?y WHERE { ?x skos:broader* ?y }")


def test_a_refusal_says_no_credentials_were_sent(tmp_path: Path) -> None:
    from kg.store.base import StoreError

    closed = start_virtuoso(tmp_path / "closed", grant=False)
    try:
        store = RemoteStore(closed.settings())
        with pytest.raises(StoreError, match="no credentials were sent") as info:
            store.load(FIXTURE)
        assert "Digest" in str(info.value) or "GRANT" in str(info.value)
        assert store.loaded_key() is None
        digest = RemoteStore(closed.settings(auth="digest"))
        digest.load(FIXTURE, key="digest")
        assert digest.loaded_key() == "digest" and digest.triple_count() > 200
        wrong = RemoteStore(closed.settings(auth="digest", password="wrong"))
        with pytest.raises(StoreError, match="refused the credentials of 'dba'"):
            wrong.load(FIXTURE)
        assert wrong.loaded_key() is None  # a failed load never leaves the store marked loaded
    finally:
        stop_virtuoso(closed)


def test_loading_through_the_update_endpoint(server: VirtuosoServer, embedded: OxigraphStore) -> None:
    store = RemoteStore(server.settings(gsp_url=None))
    store.load(FIXTURE, key="update")
    assert store.triple_count() == embedded.triple_count()
    query = EQUAL_QUERIES[0]
    assert _same(store.query(query)) == _same(embedded.query(query))


START_UP = ["chats", "questions", "participants", "organisations", "quotes", "resources", "resource_reasons"]
START_UP += [
    "resource_labels",
    "resource_sharers",
    "theme_labels",
    "tagged_items",
    "item_kinds",
    "rankings",
    "measurements",
]
START_UP += ["page_relations", "creator_names"]


def _rows(result) -> list:
    return sorted(tuple(sorted((k, v.n3()) for k, v in row.items())) for row in result.rows)


@pytest.mark.parametrize("name", START_UP)
def test_the_apis_start_up_queries_answer_like_the_embedded_store(
    remote: RemoteStore, embedded: OxigraphStore, name: str
) -> None:
    from api.queries import load

    assert _rows(remote.query(load(name))) == _rows(embedded.query(load(name)))


def test_class_paths_are_written_as_the_classes_that_reach_the_class() -> None:
    from kg.store.remote import _tokens
    from kg.store.remote_answers import expand_class_paths

    def closure(iri: str) -> list[str]:
        return ["https://x.org/Sub"]

    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX x: <https://x.org/>\n"
        "SELECT ?s WHERE { ?s a/rdfs:subClassOf* x:C ; x:p ?o . ?t rdfs:subClassOf* x:C . ?s x:q ?t }"
    )
    out = expand_class_paths(query, list(_tokens(query)), closure)
    assert "subClassOf*" not in out
    assert "?s a ?qikg_class0 ; x:p ?o" in out
    assert "VALUES ?qikg_class0 { <https://x.org/C> <https://x.org/Sub> }" in out
    assert "VALUES ?t { <https://x.org/C> <https://x.org/Sub> }" in out
    star = query.replace("SELECT ?s", "SELECT *")
    assert "a/rdfs:subClassOf* x:C" in expand_class_paths(star, list(_tokens(star)), closure)  # no new variable


def test_a_graph_the_dataset_does_not_have_is_refused_not_answered_true(remote: RemoteStore) -> None:
    """Virtuoso answers `GRAPH <iri> { ... }` for a graph it does not hold with one empty solution (ASK true)."""
    from kg.store.remote_answers import ServerLimit

    for query in [
        "ASK { GRAPH <https://x.org/no-such-graph> { ?s ?p ?o } }",
        "PREFIX x: <https://x.org/> SELECT (COUNT(*) AS ?n) WHERE { GRAPH x:no-such-graph { ?s ?p ?o } }",
    ]:
        with pytest.raises(ServerLimit, match="no-such-graph.*named graphs are: https://w3id.org/qikg/graph/"):
            remote.query(query)
    held = "ASK { GRAPH <https://w3id.org/qikg/graph/themes> { ?s ?p ?o } }"
    assert remote.query(held).boolean is True


def test_a_large_graph_with_blank_nodes_loads_through_the_update_endpoint(
    server: VirtuosoServer, tmp_path: Path
) -> None:
    """Virtuoso refuses long INSERT DATA ("SQL text has exceeded 10000 lines") and blank nodes in it: the chunks
    are halved until they fit, and the triples with blank nodes go in one INSERT ... WHERE {}."""
    lines = [f'<https://x.org/s{i}> <https://x.org/p> "{i}" <https://x.org/g> .' for i in range(6000)]
    lines += [
        "<https://x.org/a> <https://x.org/list> _:one <https://x.org/g> .",
        '_:one <https://x.org/first> "1" <https://x.org/g> .',
        "_:one <https://x.org/rest> _:two <https://x.org/g> .",
        '_:two <https://x.org/first> "2" <https://x.org/g> .',
    ]
    source = tmp_path / "big.nq"
    source.write_text("\n".join(lines) + "\n")
    store = RemoteStore(server.settings(gsp_url=None))
    store.load(source, key="big")
    embedded = OxigraphStore()
    embedded.load(source)
    chain = (
        "SELECT ?a ?b WHERE { <https://x.org/a> <https://x.org/list> ?l . ?l <https://x.org/first> ?a ; "
        "<https://x.org/rest> ?r . ?r <https://x.org/first> ?b }"
    )
    assert store.query(chain).rows == embedded.query(chain).rows != []
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.query(count).rows == embedded.query(count).rows
    assert store.loaded_key() == "big" and store.triple_count() == 6004
