"""The W3C SPARQL 1.1 Protocol tests, read from the W3C's own manifest and sent to a real uvicorn server.

The manifest (`sparql/sparql11/protocol/manifest.ttl` of the W3C's rdf-tests, with `data1.nt`..`data3.nt` beside it)
is not part of this repository: it is read from `QIKG_W3C_PROTOCOL_MANIFEST`, else from
`../shared/w3c/sparql11-protocol/manifest.ttl` beside the checkout; without it these tests are skipped and say why.
Each test's requests are sent as the manifest writes them (method, path, headers, body in its character encoding);
the graphs its `ut:graphData` names are loaded under their names, next to the small fixture graph.

What we expect differs from the manifest in one way only: the endpoint is read-only, so every update request must be
refused with a 4xx, and the query that follows it (which would see the update's effect) must find nothing of it.
Every query test must get what the manifest expects: the status class, the result format and the boolean.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from tests.api.conftest import FIXTURES, _backend_settings, uvicorn_server

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_ENV = "QIKG_W3C_PROTOCOL_MANIFEST"
DEFAULT_MANIFEST = ROOT.parent / "shared" / "w3c" / "sparql11-protocol" / "manifest.ttl"
MANIFEST_IRI = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

# mf:expectedFormat: the media types each kind of answer may come in (the manifest's comments list them)
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/plain", "application/xhtml+xml"},
}


@dataclass(frozen=True)
class Step:
    """One HTTP request of a test and what its answer must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # status classes: 2 for 2xx, ...
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    steps: list[Step]
    graphs: dict[str, Path] = field(default_factory=dict)  # graph IRI -> N-Triples file

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def manifest_path() -> Path | None:
    chosen = os.environ.get(MANIFEST_ENV)
    path = Path(chosen) if chosen else DEFAULT_MANIFEST
    return path if path.is_file() else None


def read_manifest(path: Path) -> list[Case]:
    """Every mf:ProtocolTest of the manifest, in its order, with its requests and expected answers."""
    graph = Graph()
    graph.parse(path, format="turtle", publicID=MANIFEST_IRI)
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(test, MF.action)
        steps = []
        for request in Collection(graph, graph.value(action, HT.requests)):
            headers_list = graph.value(request, HT.headers)
            headers = {
                str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                for h in (Collection(graph, headers_list) if headers_list is not None else [])
            }
            body_node = graph.value(request, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(request, HT.resp)
            statuses = frozenset(
                int(str(code).removeprefix(str(HTS)).removeprefix("StatusCode")[0])
                for code in graph.objects(response, MF.expectedStatus)
            )
            expected_format = graph.value(response, MF.expectedFormat)
            expected_boolean = graph.value(response, MF.expectedBoolean)
            steps.append(
                Step(
                    str(graph.value(request, HT.methodName)),
                    str(graph.value(request, HT.absolutePath)),
                    headers,
                    body,
                    statuses,
                    str(expected_format) if expected_format is not None else None,
                    bool(expected_boolean.toPython()) if isinstance(expected_boolean, Literal) else None,
                )
            )
        graphs = {
            str(graph.value(data, RDFS.label)): path.parent / Path(str(graph.value(data, UT.graph))).name
            for data in graph.objects(test, UT.graphData)
        }
        cases.append(Case(str(test).rsplit("#", 1)[-1], str(graph.value(test, MF.name)), steps, graphs))
    return cases


MANIFEST = manifest_path()
CASES = read_manifest(MANIFEST) if MANIFEST else []
needs_manifest = pytest.mark.skipif(
    MANIFEST is None,
    reason=f"the W3C protocol manifest is not here: set {MANIFEST_ENV} or put it at {DEFAULT_MANIFEST}",
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, backend: str, remote_server, request) -> Iterator[str]:
    """A real server on the fixture graph plus every graph the manifest's tests name, each under its name, on each
    store back-end of QIKG_TEST_BACKENDS (by default the embedded store and a real Oxigraph server)."""
    data_dir = tmp_path_factory.mktemp("w3c-build")
    text = (FIXTURES / "mini.trig").read_text(encoding="utf-8")
    graphs = {name: file for case in CASES for name, file in case.graphs.items()}
    for name, file in sorted(graphs.items()):
        triples = Graph().parse(file, format="nt").serialize(format="nt")
        text += f"\n<{URIRef(name)}> {{\n{triples}}}\n"
    (data_dir / "qikg.trig").write_text(text, encoding="utf-8")
    settings = {name: str(value) for name, value in _backend_settings(backend, "w3c", remote_server, request).items()}
    with uvicorn_server(data_dir, tmp_path_factory.mktemp("w3c-store"), query_timeout="10", **settings) as url:
        yield url


def _media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _boolean(response: httpx.Response) -> bool:
    """The boolean of an ASK answer in SPARQL results JSON or XML."""
    if _media(response) == "application/sparql-results+json":
        return json.loads(response.text)["boolean"]
    root = ElementTree.fromstring(response.content)
    found = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert found is not None, response.text[:300]
    return found.text == "true"


def send(endpoint: str, step: Step) -> httpx.Response:
    """The request as the manifest writes it, its `/sparql/` path prefix replaced by our endpoint's `/sparql`."""
    path = step.path.replace("/sparql/", "/sparql", 1)
    return httpx.request(step.method, endpoint + path, headers=step.headers, content=step.body, timeout=30)


def check(case: Case, endpoint: str) -> None:
    """Run the case's requests in order; an update is refused and its follow-up query sees nothing of it."""
    refused = False
    for step in case.steps:
        response = send(endpoint, step)
        media = _media(response)
        is_update = "update" in step.headers.get("content-type", "") or (step.body or b"").startswith(b"update=")
        is_update = is_update or "update=" in step.path
        if case.is_update and (is_update or case.name.startswith("bad_update")):
            assert response.status_code // 100 == 4, (case.name, response.status_code, response.text[:300])
            assert "Traceback" not in response.text
            refused = True
            continue
        if refused and response.status_code >= 400:
            # what follows a refused update asks for the graph it would have made: a store may refuse to answer
            # for a graph it does not hold (Virtuoso would say true, kg/store/remote_answers.graphs_not_held)
            assert "graph this dataset does not have" in response.json()["detail"], response.text[:300]
            continue
        assert response.status_code // 100 in step.statuses, (case.name, response.status_code, response.text[:300])
        if step.format is not None:
            assert media in FORMATS[step.format], (case.name, media)
        if step.format == "RDF":
            parse_as = {"application/rdf+xml": "xml", "text/turtle": "turtle"}.get(media, "nt")
            Graph().parse(data=response.text, format=parse_as)  # it is RDF in the type it says
        if step.format == "tabular" and media == "application/sparql-results+json":
            assert json.loads(response.text)["results"]["bindings"]
        if step.boolean is not None:
            # after a refused update the follow-up query must not see the update's effect
            assert _boolean(response) is (False if refused else step.boolean), case.name
        elif step.format == "boolean":
            _boolean(response)


@needs_manifest
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_w3c_protocol(case: Case, endpoint: str) -> None:
    check(case, endpoint)


@needs_manifest
def test_the_manifest_has_every_kind_of_protocol_test() -> None:
    """A manifest read wrong would pass vacuously: it has query, update and bad-request tests, each with requests."""
    names = {case.name for case in CASES}
    assert {"query_get", "query_post_form", "query_dataset_full", "update_post_form", "bad_query_syntax"} <= names
    assert all(case.steps for case in CASES)
