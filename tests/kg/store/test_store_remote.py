"""The remote store: a real Oxigraph server behind the SPARQL and Graph Store Protocols answers like embedded."""

from __future__ import annotations

import base64
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kg.store import (
    InvalidBinding,
    OxigraphStore,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    StoreError,
    open_store,
    reopen,
)
from kg.store.oxigraph_server import OxigraphServer, start_oxigraph, stop_oxigraph
from kg.store.remote import RemoteSettings, RemoteStore, bind_values, query_shape, sparql_term

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "api" / "fixtures" / "mini.trig"
QI = "https://w3id.org/qikg/ontology#"
TEXT_BY_HANDLE = f"""PREFIX qi: <{QI}>
SELECT ?handle ?text WHERE {{ ?q qi:saidBy ?p ; qi:text ?text . ?p qi:handle ?handle }} ORDER BY ?text"""
QUERIES = [
    TEXT_BY_HANDLE,
    f"PREFIX qi: <{QI}> SELECT ?t (COUNT(?x) AS ?n) WHERE {{ ?x qi:hasTheme ?t }} GROUP BY ?t ORDER BY ?t",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    f"PREFIX qi: <{QI}> ASK {{ ?t a qi:Theme . ?q qi:hasTheme ?t . ?c a <http://www.w3.org/2002/07/owl#Class> }}",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/qikg/ontology#Theme> ; ?p ?o }",
]


@pytest.fixture
def server(oxigraph_server: OxigraphServer) -> OxigraphServer:
    oxigraph_server.clear()
    return oxigraph_server


@pytest.fixture
def remote(server: OxigraphServer) -> Iterator[RemoteStore]:
    store = RemoteStore(server.settings())
    store.load(FIXTURE, key="fixture")
    yield store
    store.close()


@pytest.fixture(scope="module")
def embedded() -> OxigraphStore:
    store = OxigraphStore()
    store.load(FIXTURE)
    return store


def _same(result) -> object:
    if result.kind == "CONSTRUCT":
        return sorted(tuple(t.n3() for t in triple) for triple in result.triples)
    return result.kind, result.variables, result.rows, result.boolean


@pytest.mark.parametrize("query", QUERIES)
def test_a_remote_server_answers_exactly_like_the_embedded_store(remote, embedded, query: str) -> None:
    assert _same(remote.query(query)) == _same(embedded.query(query))


def test_the_remote_store_holds_the_same_graphs_and_quads(remote, embedded) -> None:
    assert remote.named_graphs() == embedded.named_graphs()
    assert remote.triple_count() == embedded.triple_count() > 200


def test_a_bound_value_is_a_value_not_query_text(remote, embedded) -> None:
    for value in ['DrTester" } UNION { ?q ?p ?text', "DrTester'", 'a"""b', 'x\\"} #', "line\nbreak", "DrTester"]:
        bound = {"handle": Literal(value)}
        assert remote.query(TEXT_BY_HANDLE, bound).rows == embedded.query(TEXT_BY_HANDLE, bound).rows
    assert [str(r["handle"]) for r in remote.query(TEXT_BY_HANDLE, {"handle": Literal("DrTester")}).rows] == [
        "DrTester"
    ]


def test_iri_bindings_select_one_entity(remote, embedded) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p ?o"
    bound = {"s": URIRef("https://w3id.org/qikg/id/theme/genba")}
    rows = remote.query(query, bound).rows
    assert rows and rows == embedded.query(query, bound).rows


@pytest.mark.parametrize(
    "iri",
    [
        "https://x.org/a b",
        "https://x.org/a>} UNION {",
        'https://x.org/"',
        "no-scheme",
        "https://x.org/{x}",
        "https://x.org/a\\u003e",
    ],
)
def test_an_iri_that_could_break_out_of_its_brackets_is_refused(iri: str) -> None:
    with pytest.raises(InvalidBinding):
        sparql_term(URIRef(iri))


def test_blank_nodes_and_bad_datatypes_cannot_be_bound() -> None:
    with pytest.raises(InvalidBinding):
        sparql_term(BNode("b0"))
    with pytest.raises(InvalidBinding):
        sparql_term(Literal("x", datatype=URIRef("https://x.org/t> } UNION {")))


def test_literals_survive_as_the_same_term() -> None:
    for term in [
        Literal('tab\there "quoted" \\ back'),
        Literal("5", datatype=XSD.integer),
        Literal("chat", lang="fr"),
        Literal("emoji \U0001f604"),
        Literal("2022-10-19", datatype=XSD.date),
    ]:
        assert sparql_term(term) == term.n3()


def test_values_go_into_the_where_group_not_the_template_or_a_string() -> None:
    query = 'CONSTRUCT { ?s ?p "{ WHERE }" } # a { comment\nWHERE { ?s ?p ?o FILTER(?o != "}") }'
    bound = bind_values(query, {"s": URIRef("https://x.org/a")})
    assert bound.startswith('CONSTRUCT { ?s ?p "{ WHERE }" }')
    assert 'WHERE { VALUES (?s) { (<https://x.org/a>) }  ?s ?p ?o FILTER(?o != "}") }' in bound
    sub = bind_values("SELECT * { SELECT ?s WHERE { ?s ?p ?o } }", {"s": URIRef("https://x.org/a")})
    assert sub == "SELECT * { VALUES (?s) { (<https://x.org/a>) } { SELECT ?s WHERE { ?s ?p ?o } }}"
    assert query_shape("SELECT * FROM <https://x.org/g> WHERE { ?s ?p ?o }").has_dataset
    assert not query_shape("SELECT * WHERE { ?s <https://x.org/FROM> 'FROM' }").has_dataset


def test_a_filter_in_the_where_group_sees_the_bound_value(remote, embedded) -> None:
    query = f"PREFIX qi: <{QI}> SELECT ?p ?want WHERE {{ ?p qi:handle ?h FILTER(STR(?h) = STR(?want)) }}"
    bound = {"want": Literal("DrTester")}
    assert remote.query(query, bound).rows == embedded.query(query, bound).rows != []


def test_syntax_errors_carry_the_servers_message(remote) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        remote.query("SELECT ?x WHERE { ?x ?y }")
    assert str(info.value)


def test_a_slow_query_hits_the_time_limit(remote) -> None:
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        remote.query(cartesian, timeout=0.3)
    assert time.monotonic() - started < 5


def test_the_row_limit_stops_a_huge_answer_while_it_streams(remote) -> None:
    started = time.monotonic()
    with pytest.raises(RowLimitExceeded, match="more than 100 rows"):
        remote.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", row_limit=100, timeout=20)
    assert time.monotonic() - started < 5


def test_a_new_store_on_the_same_server_knows_what_was_loaded(remote, server) -> None:
    again = open_store("remote", remote=server.settings())
    assert again.loaded_key() == "fixture"
    assert again.named_graphs() == remote.named_graphs() and again.triple_count() == remote.triple_count()
    copy = reopen(remote.spec())
    assert copy.query("ASK { ?s ?p ?o }").boolean


def test_a_reload_drops_graphs_the_new_dump_does_not_have(remote, tmp_path: Path) -> None:
    smaller = tmp_path / "one.nq"
    smaller.write_text('<https://x.org/s> <https://x.org/p> "o" <https://w3id.org/qikg/graph/source/one> .\n')
    remote.load(smaller, key="one")
    assert remote.named_graphs() == ["https://w3id.org/qikg/graph/source/one"]
    assert remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython() == 1
    fresh = RemoteStore(remote.settings)
    assert fresh.loaded_key() == "one" and fresh.triple_count() == 1


TWO_CHATS = """
@prefix qi: <https://w3id.org/qikg/ontology#> .
<https://w3id.org/qikg/graph/source/a> { <https://w3id.org/qikg/id/participant/x> qi:handle "x" . }
<https://w3id.org/qikg/graph/source/b> { <https://w3id.org/qikg/id/participant/x> qi:handle "x" . }
"""


def test_a_person_in_two_chats_is_one_row_on_a_remote_server_too(server, tmp_path: Path) -> None:
    source = tmp_path / "two.trig"
    source.write_text(TWO_CHATS, encoding="utf-8")
    store = RemoteStore(server.settings())
    store.load(source)
    assert len(store.query(f"SELECT ?h WHERE {{ ?p <{QI}handle> ?h }}").rows) == 1
    graphs = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?p <{QI}handle> ?h }} }}").rows
    assert (
        sorted(str(r["g"]) for r in graphs)
        == store.named_graphs()
        == ["https://w3id.org/qikg/graph/source/a", "https://w3id.org/qikg/graph/source/b"]
    )  # the merge is not listed
    assert store.triple_count() == 2


def test_a_server_loaded_without_the_merged_graph_is_loaded_again(remote, server) -> None:
    server_meta = "https://w3id.org/qikg/graph/store-meta"
    layout = "<https://w3id.org/qikg/store#layout>"
    remote.protocol.update(f"DELETE WHERE {{ GRAPH <{server_meta}> {{ <{server_meta}> {layout} ?v }} }}")
    assert RemoteStore(server.settings()).loaded_key() is None  # so the app loads it again


def test_loading_through_sparql_update_when_there_is_no_graph_store(server, embedded) -> None:
    store = RemoteStore(server.settings(gsp_url=None))
    store.load(FIXTURE)
    assert store.triple_count() == embedded.triple_count()
    assert _same(store.query(TEXT_BY_HANDLE)) == _same(embedded.query(TEXT_BY_HANDLE))


def test_loading_needs_a_graph_store_or_update_url(server) -> None:
    store = RemoteStore(server.settings(gsp_url=None, update_url=None))
    with pytest.raises(StoreError, match="QIKG_REMOTE_GSP_URL"):
        store.load(FIXTURE)


def test_a_server_whose_default_graph_is_the_union(tmp_path: Path, embedded) -> None:
    native = start_oxigraph(tmp_path / "native", "--union-default-graph")
    try:
        store = RemoteStore(native.settings(union="native"))
        store.load(FIXTURE)
        assert _same(store.query(TEXT_BY_HANDLE)) == _same(embedded.query(TEXT_BY_HANDLE))
    finally:
        stop_oxigraph(native)


def test_an_unreachable_server_is_a_store_error_not_a_crash() -> None:
    from kg.store.oxigraph_server import free_port

    store = RemoteStore(RemoteSettings(query_url=f"http://127.0.0.1:{free_port()}/query", timeout=2))
    assert store.loaded_key() is None
    with pytest.raises(StoreError, match="cannot reach"):
        store.query("ASK { ?s ?p ?o }")


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str | None] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        _Recorder.seen.append(self.headers.get("Authorization"))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(401)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_credentials_go_as_basic_auth_and_a_refusal_is_clear() -> None:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        settings = RemoteSettings(
            query_url=f"http://127.0.0.1:{httpd.server_port}/query", username="qikg", password="s3cret", timeout=5
        )
        assert "s3cret" not in repr(settings)
        store = RemoteStore(settings)
        with pytest.raises(StoreError, match="credentials"):
            store.query("ASK { ?s ?p ?o }")
        assert _Recorder.seen[-1] == "Basic " + base64.b64encode(b"qikg:s3cret").decode()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_app_settings_choose_the_remote_store(monkeypatch, server) -> None:
    from kg.settings import Settings

    monkeypatch.setenv("QIKG_STORE", "remote")
    monkeypatch.setenv("QIKG_REMOTE_QUERY_URL", server.query_url)
    monkeypatch.setenv("QIKG_REMOTE_GSP_URL", f"{server.url}/store")
    monkeypatch.setenv("QIKG_REMOTE_PASSWORD", "pw")
    monkeypatch.setenv("QIKG_REMOTE_USERNAME", "me")
    settings = Settings()
    store = settings.open_store()
    assert store.backend == "remote" and store.settings.gsp_url == f"{server.url}/store"
    assert store.settings.password == "pw" and "pw" not in repr(settings)
    monkeypatch.delenv("QIKG_REMOTE_QUERY_URL")
    with pytest.raises(ValueError, match="QIKG_REMOTE_QUERY_URL"):
        Settings().open_store()
    monkeypatch.setenv("QIKG_STORE", "memory")
    assert Settings().open_store().backend == "rdflib"


def test_describe_without_where_answers_like_the_embedded_store(remote, embedded) -> None:
    query = "DESCRIBE <https://w3id.org/qikg/id/theme/genba>"
    assert _same(remote.query(query)) == _same(embedded.query(query)) != []


def test_a_construct_of_a_whole_graph_is_read_as_triples(remote, embedded) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _same(remote.query(query)) == _same(embedded.query(query))


def test_a_refusal_without_credentials_says_none_were_sent() -> None:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        store = RemoteStore(RemoteSettings(query_url=f"http://127.0.0.1:{httpd.server_port}/query", timeout=5))
        with pytest.raises(StoreError, match="no credentials were sent"):
            store.query("ASK { ?s ?p ?o }")
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o }\nLIMIT 11\n"),
        ("SELECT * WHERE { ?s ?p ?o } # no limit", "SELECT * WHERE { ?s ?p ?o } # no limit\nLIMIT 11\n"),
        ("SELECT * { ?s ?p ?o } LIMIT 5", "SELECT * { ?s ?p ?o } LIMIT 5"),
        ("SELECT * { ?s ?p ?o } limit 500 OFFSET 3", "SELECT * { ?s ?p ?o } limit 11 OFFSET 3"),
        ("SELECT * { ?s ?p ?o } ORDER BY ?s", "SELECT * { ?s ?p ?o } ORDER BY ?s"),
        ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 99 } } VALUES ?s { 1 }", None),
        ('SELECT ("LIMIT 1" AS ?x) { }', 'SELECT ("LIMIT 1" AS ?x) { }\nLIMIT 11\n'),
    ],
)
def test_a_select_is_sent_with_a_limit_one_row_over_the_row_limit(query: str, sent: str | None) -> None:
    from kg.store.remote import cap_rows

    if sent is None:  # a trailing VALUES block stays last
        assert cap_rows(query, 11) == "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 99 } } \nLIMIT 11\nVALUES ?s { 1 }"
    else:
        assert cap_rows(query, 11) == sent


def test_the_query_s_from_is_taken_out_when_the_request_names_its_dataset() -> None:
    from kg.store.remote import without_from

    query = 'PREFIX x: <a:> SELECT * FROM <https://g/a> FROM NAMED x:b WHERE { ?s ?p "FROM <https://g/c>" }'
    assert without_from(query).split() == 'PREFIX x: <a:> SELECT * WHERE { ?s ?p "FROM <https://g/c>" }'.split()
    assert without_from("DESCRIBE <https://x/a> FROM <https://g/a>").split() == ["DESCRIBE", "<https://x/a>"]


def test_a_huge_answer_from_a_server_ends_in_the_row_limit(remote) -> None:
    from kg.store import RowLimitExceeded

    with pytest.raises(RowLimitExceeded):
        remote.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", row_limit=100)
    assert len(remote.query("SELECT * WHERE { ?a ?b ?c } LIMIT 50", row_limit=100).rows) == 50


def test_a_requests_graph_the_server_does_not_hold_is_never_sent_to_it_by_its_url(remote, embedded) -> None:
    """A server given a URL it does not hold may fetch it (Virtuoso's sponger): such a graph goes as a graph no server
    holds or can fetch, so the answer is the same (an empty graph) and the URL never leaves qikg."""
    from kg.store import ProtocolDataset
    from kg.store.oxigraph_server import free_port
    from kg.store.remote import NO_GRAPH

    held = sorted(remote.named_graphs())[0]
    elsewhere = f"http://127.0.0.1:{free_port()}/data.ttl"
    dataset = ProtocolDataset(default=(held, elsewhere), named=(elsewhere, "http://example.org/other"))
    sent = remote._dataset_params("SELECT * {}", dataset)
    assert sent == [("default-graph-uri", held), ("default-graph-uri", NO_GRAPH), ("named-graph-uri", NO_GRAPH)]
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    alone = ProtocolDataset(default=(held,))
    assert _same(remote.query(count, dataset=dataset)) == _same(embedded.query(count, dataset=alone))
    assert _same(remote.query(count, dataset=dataset)) == _same(remote.query(count, dataset=alone))
