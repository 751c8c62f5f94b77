"""Does qikg speak HTTP the way clients nobody here wrote expect? HEAD, CORS, caches, RDF formats, SPARQL clients.

Every test talks to a real uvicorn server over a socket (the `server_url` fixture) with httpx, SPARQLWrapper and
rdflib's SPARQLStore, as a user's tool would.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from rdflib import RDFS, BNode, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import N3, RDFXML, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.server

CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 12"


@pytest.fixture(scope="module")
def web(server_url: str):
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def a_theme(web: httpx.Client) -> str:
    """The path of some theme the graph has (found through the API, never assumed)."""
    items = web.get("/api/themes").json()["items"]
    return "/id/theme/" + items[0]["id"]


def paths(a_theme: str) -> list[str]:
    return [
        "/",
        "/health",
        "/api/themes",
        a_theme,
        "/ontology",
        "/sparql",
        "/download/qikg.ttl",
        "/graph",
        "/static/style.css",
        "/docs",
        "/api/search?q=improvement",
    ]


def test_head_answers_every_get_with_its_headers_and_no_body(web: httpx.Client, a_theme: str) -> None:
    for path in paths(a_theme):
        got, head = web.get(path), web.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        if "content-length" in got.headers:
            assert head.headers["content-length"] == got.headers["content-length"], path


def test_a_page_on_another_origin_may_query_and_read(web: httpx.Client, a_theme: str) -> None:
    origin = {"Origin": "https://yasgui.example.org"}
    preflight = web.options(
        "/sparql",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    for path in ("/sparql?query=ASK%20%7B%7D", a_theme, "/download/qikg.nt"):
        answer = web.get(path, headers=origin)
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*", path
    assert "ETag" in web.get(a_theme, headers=origin).headers["access-control-expose-headers"]


@pytest.mark.parametrize("kind", ["page", "ontology", "download", "api"])
def test_a_cache_revalidates_with_etag_and_gets_304(web: httpx.Client, a_theme: str, kind: str) -> None:
    path = {
        "page": a_theme,
        "ontology": "/ontology?format=turtle",
        "download": "/download/qikg.trig",
        "api": "/api/themes",
    }[kind]
    first = web.get(path)
    etag = first.headers["etag"]
    again = web.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert web.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304  # weak comparison
    assert web.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_page_of_the_build_says_when_it_changed(web: httpx.Client, a_theme: str) -> None:
    for path in (a_theme, "/ontology?format=turtle", "/download/qikg.ttl"):
        stamp = web.get(path).headers["last-modified"]
        assert web.get(path, headers={"If-Modified-Since": stamp}).status_code == 304, path
        assert web.get(path, headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code == 200


def test_a_query_answer_is_never_answered_from_a_cache_by_the_server(web: httpx.Client) -> None:
    first = web.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
    assert "etag" not in first.headers
    assert web.get("/sparql", params={"query": "ASK {}"}, headers={"If-None-Match": "*"}).status_code == 200


def test_negotiated_answers_say_they_vary_by_accept(web: httpx.Client, a_theme: str) -> None:
    for path in (a_theme, "/ontology", "/sparql"):
        assert "accept" in web.get(path).headers["vary"].lower(), path


@pytest.mark.parametrize(
    "suffix,media,parse_as",
    [
        (".ttl", "text/turtle", "turtle"),
        (".nt", "application/n-triples", "nt"),
        (".jsonld", "application/ld+json", "json-ld"),
        (".rdf", "application/rdf+xml", "xml"),
    ],
)
def test_an_iri_with_a_file_extension_gives_that_format(
    web: httpx.Client, a_theme: str, suffix: str, media: str, parse_as: str
) -> None:
    answer = web.get(a_theme + suffix)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    graph = Graph().parse(data=answer.content, format=parse_as)
    reference = Graph().parse(data=web.get(a_theme, headers={"Accept": "text/turtle"}).content, format="turtle")
    assert len(graph) == len(reference) > 0


def test_every_rdf_format_of_a_page_is_offered_by_accept_too(web: httpx.Client, a_theme: str) -> None:
    for media in ("application/rdf+xml", "application/ld+json", "text/n3"):
        answer = web.get(a_theme, headers={"Accept": media})
        assert answer.status_code == 200, media
    ontology = web.get("/ontology", headers={"Accept": "application/rdf+xml"})
    assert ontology.status_code == 200 and len(Graph().parse(data=ontology.content, format="xml")) > 100


def test_json_ld_is_compacted_with_a_context(web: httpx.Client, a_theme: str) -> None:
    doc = web.get(a_theme, headers={"Accept": "application/ld+json"}).json()
    assert "@context" in doc and doc["@context"]["qi"].startswith("https://")
    text = json.dumps(doc)
    assert '"qi:' in text or '"rdfs:' in text  # keys read as CURIEs, not full IRIs


def test_the_trailing_slash_redirect_stays_on_this_server(web: httpx.Client) -> None:
    answer = web.get("/sparql/", follow_redirects=False)
    assert answer.status_code in (307, 308)
    assert answer.headers["location"].startswith("/sparql")


@pytest.mark.parametrize(
    "how",
    ["get", "form", "form+url", "body+url"],
)
def test_two_queries_in_one_request_are_refused(web: httpx.Client, assert_error, how: str) -> None:
    two = [("query", "ASK {}"), ("query", "SELECT * {}")]
    if how == "get":
        answer = web.get("/sparql", params=two)
    elif how == "form":
        answer = web.post("/sparql", data={"query": ["ASK {}", "SELECT * {}"]})
    elif how == "form+url":
        answer = web.post("/sparql", params={"query": "ASK {}"}, data={"query": "SELECT * {}"})
    else:
        answer = web.post(
            "/sparql",
            params={"query": "ASK {}"},
            content="SELECT * {}",
            headers={"Content-Type": "application/sparql-query"},
        )
    assert "query" in assert_error(answer, 400)["detail"]


def test_format_given_twice_offers_both_the_same_way_by_get_and_post(web: httpx.Client) -> None:
    """SPARQLWrapper sends `format=rdf+xml&format=application/rdf+xml`: every value is an alternative."""
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    pairs = [("query", query), ("format", "rdf+xml"), ("format", "application/rdf+xml")]
    get = web.get("/sparql", params=pairs)
    post = web.post("/sparql", data={"query": query, "format": ["rdf+xml", "application/rdf+xml"]})
    assert get.status_code == post.status_code == 200
    assert get.headers["content-type"] == post.headers["content-type"] == "application/rdf+xml"
    assert get.content == post.content


def _wrapper(url: str, fmt: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{url}/sparql")
    sparql.setQuery(CONSTRUCT)
    sparql.setReturnFormat(fmt)
    return sparql


@pytest.mark.parametrize("fmt", [RDFXML, XML, TURTLE, N3])
def test_sparqlwrapper_gets_a_construct_in_its_graph_formats(server_url: str, fmt: str) -> None:
    graph = _wrapper(server_url, fmt).queryAndConvert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle")
    assert isinstance(graph, Graph) and len(graph) == 12


def test_rdflib_sparqlstore_selects_and_constructs(server_url: str) -> None:
    store = SPARQLStore(f"{server_url}/sparql")  # its default: XML results, RDF/XML graphs
    graph = Graph(store=store)
    rows = list(graph.query("SELECT ?s WHERE { ?s a ?type } LIMIT 5"))
    assert len(rows) == 5
    built = graph.query(CONSTRUCT)
    assert len(built.graph) == 12
    described = graph.query(f"DESCRIBE <{rows[0][0]}>")
    assert len(described.graph) > 0


def test_relative_iris_resolve_against_the_endpoint(web: httpx.Client) -> None:
    """The W3C protocol tests' `CONSTRUCT { <s> <p> 1 } WHERE {}`."""
    answer = web.get("/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200, answer.text
    [(s, p, o)] = list(Graph().parse(data=answer.content, format="turtle"))
    assert str(s).endswith("/s") and str(p).endswith("/p") and o.toPython() == 1
    own = web.get(
        "/sparql",
        params={"query": "BASE <http://example.org/x/> SELECT ?v { BIND(<y> AS ?v) }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert own.json()["results"]["bindings"][0]["v"]["value"] == "http://example.org/x/y"


def test_a_syntax_error_still_names_the_users_line(web: httpx.Client, assert_error) -> None:
    """Nothing is added to the query's text (the base goes to the engine as an option), so the line and column a
    parser names are the user's."""
    answer = web.get(
        "/sparql",
        params={"query": "SELECT * WHERE {\n  ?s ?p \n}\nLIMIT x"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert "line 2, column 3" in assert_error(answer, 400)["detail"]


def test_the_dataset_is_described_in_void_with_its_graphs_licence_and_dumps(web: httpx.Client) -> None:
    answer = web.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
    void = Graph().parse(data=answer.content, format="turtle")
    rows = {
        str(r.p): r.o
        for r in void.query(
            "SELECT ?p ?o WHERE { ?d a void:Dataset ; ?p ?o FILTER(isIRI(?d)) }",
            initNs={"void": "http://rdfs.org/ns/void#"},
        )
    }
    assert "http://purl.org/dc/terms/license" in rows and "http://purl.org/dc/terms/rights" in rows
    site = str(web.base_url).rstrip("/")  # the address the server listens at (QIKG_HOST/PORT), never the Host header
    assert str(rows["http://rdfs.org/ns/void#sparqlEndpoint"]) == site + "/sparql"
    dumps = {str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert any(d.endswith("/download/qikg.trig") for d in dumps)
    for dump in dumps:  # every dump it names can be downloaded from this server
        assert dump.startswith(site + "/") and web.head(dump.removeprefix(site)).status_code == 200
    graphs = web.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    named = {str(o) for o in void.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#name"))}
    assert named == {b["g"]["value"] for b in graphs}
    parts = [int(o) for s, o in void.subject_objects(URIRef("http://rdfs.org/ns/void#triples")) if isinstance(s, BNode)]
    assert int(rows["http://rdfs.org/ns/void#triples"]) == sum(parts) > 0  # the whole is the sum of its graphs
    description = Graph().parse(data=web.get("/sparql", headers={"Accept": "text/turtle"}).content, format="turtle")
    assert any(str(o).endswith("/.well-known/void") for o in description.objects(None, RDFS.seeAlso))


def test_an_entity_names_its_other_formats_in_link_headers_and_in_its_page(web: httpx.Client, a_theme: str) -> None:
    for accept in ("text/html", "text/turtle"):
        links = web.get(a_theme, headers={"Accept": accept}).headers["link"]
        found = dict(re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', links))
        assert sorted(found.values()) == sorted(
            ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
        ), links
        for href, media in found.items():  # every one of them answers in the type it names
            answer = web.get(href)
            assert answer.status_code == 200 and answer.headers["content-type"].startswith(media), href
    page = web.get(a_theme, headers={"Accept": "text/html"}).text
    assert (
        re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)">', page)
        and 'type="application/rdf+xml"' in page
    )
