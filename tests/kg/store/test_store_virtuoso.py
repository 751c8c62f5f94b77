"""The remote store on a real Virtuoso (Debian's virtuoso-opensource 7.2): the answers of the embedded store, or a
clear error naming the server's limit; loads through its Graph Store, its update endpoint, Basic or Digest auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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


def test_describe_without_where_is_asked_over_the_loaded_graphs(remote: RemoteStore) -> None:
    result = remote.query("DESCRIBE <https://w3id.org/qikg/id/theme/genba>")
    assert result.kind == "CONSTRUCT" and result.triples  # Virtuoso adds the incoming triples (docs/stores.md)


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
START_UP += ["theme_labels", "tagged_items", "item_kinds", "rankings", "measurements", "page_relations"]


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
