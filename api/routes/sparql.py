"""The SPARQL 1.1 Protocol endpoint: read-only, no outbound requests, time- and row-limited.

Queries run in the sandbox's worker processes (kg/sparql/sandbox.py); this module only reads the request, negotiates
the answer's format and answers a failure as api/errors.py's table says (a 4xx, or 503 JSON errors). A request is let
in by the sandbox's bounded queue (429 / 503 with Retry-After when it is not) and never holds a thread of the shared
pool: the query waits on the event loop, and its answer is encoded in the sandbox's own thread for the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from starlette.datastructures import QueryParams

from api.deps import TEMPLATES, ServiceDep
from api.errors import ApiError, ErrorBody, documented, failure
from api.negotiation import choose, normalise_accept
from api.queries import examples
from api.state import GraphService
from kg.sparql import formats as fmt
from kg.sparql.policy import BOM, CheckedQuery, MalformedQuery, PolicyError
from kg.sparql.sandbox import Rejected
from kg.store import ProtocolDataset, QueryResult, StoreError

router = APIRouter(tags=["sparql"])
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ALL_FORMATS = [*fmt.ROW_FORMATS, *fmt.GRAPH_FORMATS, fmt.HTML]
_OFFERED = {"SELECT": fmt.ROW_FORMATS, "ASK": fmt.BOOLEAN_FORMATS}  # other forms answer in GRAPH_FORMATS

FORMAT_MAX = 200  # a longer format= is a 422, as for any parameter that does not fit the schema
FORMAT_DOC = "overrides Accept: json, xml, csv, tsv, turtle, n3, nt, jsonld, rdfxml, html, or media types"
QUERY_DOC = "a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE)"
DATASET_DOC = (
    "an IRI, any number of times: the query's dataset (SPARQL 1.1 Protocol), replacing its FROM; a graph this store "
    "does not hold is empty, nothing is fetched"
)


def _accept(request: Request, formats: list[str]) -> str:
    """The Accept value to negotiate with. `format=` (short names or media types) wins over the Accept header; given
    more than once (SPARQLWrapper sends `format=rdf+xml&format=application/rdf+xml`), every value is an
    alternative, read the same way for GET, POST forms and the query string of a POST."""
    if formats:
        wanted = []
        for value in formats:
            name = value.strip().lower()
            if "/" in name:
                wanted.append(value)
            elif name in fmt.FORM_NAMES:
                wanted.append(fmt.FORM_NAMES[name])
            elif name in fmt.FORMAT_NAMES:
                wanted.append(fmt.FORMAT_NAMES[name])
            else:
                raise ApiError(400, "unknown format", f"format must be one of {', '.join(sorted(fmt.FORMAT_NAMES))}")
        return normalise_accept(", ".join(wanted))
    return normalise_accept(request.headers.get("accept", "*/*"))


def _service_description(service: GraphService) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    site = service.settings.site  # the configured base, never the request's Host header
    endpoint = URIRef(site + "/sparql")
    node = BNode()
    graph.add((node, RDF.type, SD.Service))
    graph.add((node, SD.endpoint, endpoint))
    graph.add((node, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((node, SD.feature, SD.UnionDefaultGraph))
    for iri in (
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/JSON-LD",
        "http://www.w3.org/ns/formats/RDF_XML",
    ):
        graph.add((node, SD.resultFormat, URIRef(iri)))
    dataset = BNode()
    graph.add((node, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDFS.seeAlso, URIRef(site + "/.well-known/void")))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, URIRef("http://rdfs.org/ns/void#triples"), Literal(service.store.triple_count())))
    for name in service.store.named_graphs():
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, SD.name, URIRef(name)))
    return graph


def _page(
    request: Request,
    service: GraphService,
    query: str,
    result: QueryResult | None = None,
    error: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    catalogue = service.catalogue()
    table: dict | None = None
    if result is not None:
        if result.kind == "ASK":
            table = {"boolean": result.boolean}
        elif result.kind == "SELECT":
            table = {
                "columns": result.variables,
                "rows": [[row.get(v) for v in result.variables] for row in result.rows],
            }
        else:
            table = {"columns": ["subject", "predicate", "object"], "rows": [list(t) for t in result.triples]}
    return TEMPLATES.TemplateResponse(
        request,
        "sparql.html",
        {
            "query": query or examples()[0][2] if examples() else query,
            "result": table,
            "error": error,
            "examples": examples(),
            "page": catalogue.page,
            "is_iri": lambda v: isinstance(v, URIRef),
            "timeout": service.settings.query_timeout,
            "row_limit": service.settings.row_limit,
        },
        status_code=status,
    )


def _client(request: Request) -> str:
    """Whose turn it is: the client's address (behind a proxy, the one uvicorn's --proxy-headers gives)."""
    return request.client.host if request.client else "unknown"


def _failed(request: Request, service: GraphService, query: str, error: Exception, html: bool) -> Response:
    """A failed or refused query as api/errors.py's table answers it: JSON, or the query page when a browser asked."""
    status, body, headers = failure(error)
    if html:
        page = _page(request, service, query, error=body, status=status)
        page.headers.update(headers)
        return page
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _answer(
    request: Request,
    service: GraphService,
    query: str | None,
    formats: list[str],
    dataset: ProtocolDataset | None = None,
    missing: str | None = None,
) -> Response:
    """The answer to a query, or to no query at all (`query` None: the service description, or the query page for
    a browser); a query given but empty (or only spaces, or a byte-order mark) is a 400 saying so (`missing`: where
    the query was looked for), so a client whose query variable was empty is not sent a description as an answer."""
    accept = _accept(request, formats)
    if query is not None and not query.removeprefix(BOM).strip():
        raise ApiError(400, "malformed request", f"no query given: {missing or 'the query parameter is empty'}")
    if query is None:
        media = choose(accept, [fmt.TURTLE, fmt.HTML, fmt.NTRIPLES, fmt.JSONLD])
        if media is None:
            raise ApiError(
                406,
                "not acceptable",
                "the service description is offered as Turtle, N-Triples, JSON-LD or an HTML query page",
            )
        if media == fmt.HTML:
            return _page(request, service, "")
        return Response(fmt.serialize_graph(_service_description(service), media), media_type=media)
    if len(query) > service.settings.max_query_length:
        raise ApiError(413, "query too long", f"queries are limited to {service.settings.max_query_length} characters")
    if choose(accept, ALL_FORMATS) is None:
        raise ApiError(406, "not acceptable", f"results are offered as {', '.join(ALL_FORMATS)}")
    html = choose(accept, ALL_FORMATS) == fmt.HTML
    try:
        client = _client(request)
        async with service.sandbox.admit(client, timeout=service.settings.query_timeout):
            return await _query(request, service, query, accept, html, client, dataset)
    except Rejected as error:
        return _failed(request, service, query, error, html)


async def _query(
    request: Request,
    service: GraphService,
    query: str,
    accept: str,
    html: bool,
    client: str,
    dataset: ProtocolDataset | None,
) -> Response:
    def encode(checked: CheckedQuery, result: QueryResult | fmt.Encoded) -> Response:
        """Runs in the sandbox's thread for the worker, which stays this request's until the answer is bytes."""
        media: str | None
        if isinstance(result, fmt.Encoded):  # the worker wrote the format negotiated below (`wanted`)
            media, body = result.media, result.body
        else:
            if html:
                return _page(request, service, query, result)
            form = checked.form
            offered = _OFFERED.get(form, fmt.GRAPH_FORMATS)
            media = choose(accept, offered)
            if media is None:
                raise ApiError(406, "not acceptable", f"a {form} query's results are offered as {', '.join(offered)}")
            if media in fmt.GRAPH_FORMATS:
                body = fmt.serialize_graph(result.graph(), media)
            else:
                body = fmt.serialize_rows(result, media)
        limit = service.settings.answer_limit_mb * 2**20
        if limit and len(body) > limit:  # the cap counts the text; markup (XML escapes, say) can multiply it
            raise ApiError(
                422,
                "too many results",
                f"the answer is {len(body) / 2**20:.1f} MiB as {media}, more "
                f"than the {service.settings.answer_limit_mb} MiB an answer may have "
                "(QIKG_ANSWER_LIMIT_MB); narrow the query down or ask for a plainer format",
            )
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        return Response(body, media_type=media + charset if charset else media)

    settings = service.settings
    # the format each row-answering form would be sent in, negotiated here so the worker can write it itself
    wanted = None if html else {form: choose(accept, offered) for form, offered in _OFFERED.items()}
    try:
        # relative IRIs (`<s>`, as the W3C protocol tests write them) resolve against the endpoint's configured IRI
        # (`settings.sparql_base`, never the Host header), which the sandbox gives the engine beside the text: the
        # text run is the user's own, as the policy judged it, and a syntax error's line and column are the user's
        return await service.sandbox.run_async(
            query,
            client=client,
            timeout=settings.query_timeout,
            row_limit=settings.row_limit,
            allowed_graphs=service.store.named_graphs(),
            encode=encode,
            gone=request.is_disconnected,
            dataset=dataset,
            wanted=wanted,
        )
    except Rejected:
        raise
    except (MalformedQuery, PolicyError, StoreError) as error:
        return _failed(request, service, query, error, html)


def _once(params: Mapping[str, list[str]], *names: str) -> None:
    """A protocol parameter given twice is a client's mistake (SPARQL 1.1 Protocol: "exactly one query"): a 400
    naming it, the same for GET, POST forms and a query string beside a POSTed body."""
    for name in names:
        if len(params.get(name, [])) > 1:
            raise ApiError(400, "malformed request", f"the parameter '{name}' is given more than once")


def _protocol_dataset(*sources: Mapping[str, list[str]]) -> ProtocolDataset | None:
    """The dataset the request names with default-graph-uri / named-graph-uri (each any number of times, in the
    query string or a POSTed form), or None: the union of every graph, as without. It replaces the query's own
    FROM / FROM NAMED (SPARQL 1.1 Protocol 2.1.4); a graph this store does not hold is an empty graph, and nothing
    is fetched by its IRI. A value that is not an absolute IRI is a 400 naming the parameter."""
    found: dict[str, list[str]] = {"default-graph-uri": [], "named-graph-uri": []}
    for source in sources:
        for name, values in found.items():
            values.extend(source.get(name, []))
    if not any(found.values()):
        return None
    for name, values in found.items():
        for value in values:
            try:
                ox.NamedNode(value)
            except ValueError:
                raise ApiError(400, "malformed request", f"{name} must be an absolute IRI, not {value!r}") from None
    return ProtocolDataset(
        tuple(dict.fromkeys(found["default-graph-uri"])), tuple(dict.fromkeys(found["named-graph-uri"]))
    )


def _params(params: QueryParams) -> dict[str, list[str]]:
    return {name: params.getlist(name) for name in params}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses of /sparql: JSON, or the query page (HTML) when a browser asked; 422 is the row limit
    as well as a parameter that does not fit the schema."""
    out = documented(*statuses)
    for status in statuses:
        out[status] = {**out[status], "content": {fmt.HTML: {}}}
    retry = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}
    for status in (429, 503):
        if status in out:
            out[status] = {**out[status], "headers": retry}
    out[422] = {
        **out[422],
        "model": ErrorBody,
        "description": "too many results (the row limit), or parameters that do not fit the schema",
    }
    out[503] = {
        **out[503],
        "description": "the query ran past the time limit, the workers are busy, or the query engine failed",
    }
    return out


@router.get(
    "/sparql",
    name="sparql_get",
    response_class=Response,
    summary="SPARQL 1.1 query (GET)",
    responses={200: {"content": {m: {} for m in ALL_FORMATS}}, **_errors(400, 403, 406, 413, 422, 429, 503)},
)
async def sparql_get(
    request: Request,
    service: ServiceDep,
    query: Annotated[str | None, Query(description=QUERY_DOC)] = None,
    format: Annotated[str | None, Query(description=FORMAT_DOC, max_length=FORMAT_MAX)] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri", description=DATASET_DOC)] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri", description=DATASET_DOC)] = None,
) -> Response:
    return await answer_get(request, service)


async def answer_get(request: Request, service: GraphService) -> Response:
    """A GET: every parameter is read from the query string (the route's parameters above document them)."""
    params = request.query_params
    queries = params.getlist("query")
    _once({"query": queries}, "query")
    if "update" in params:
        raise ApiError(403, "query not allowed", "this endpoint is read-only: SPARQL updates are not accepted")
    dataset = _protocol_dataset(_params(params))
    return await _answer(request, service, queries[-1] if queries else None, params.getlist("format"), dataset)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST form or application/sparql-query)",
    response_class=Response,
    responses={200: {"content": {m: {} for m in ALL_FORMATS}}, **_errors(400, 403, 406, 413, 415, 422, 429, 503)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "format": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                },
            },
        }
    },
)
async def sparql_post(request: Request, service: ServiceDep) -> Response:
    return await answer_post(request, service)


async def answer_post(request: Request, service: GraphService) -> Response:
    """A POST: the query as the body (application/sparql-query) or as a form field; parameters in the query string
    count as well."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    limit = service.settings.max_query_length * 4
    if len(raw) > limit:
        raise ApiError(413, "query too long", f"queries are limited to {service.settings.max_query_length} characters")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed request", "the body is not UTF-8 text") from None
    in_url = {name: request.query_params.getlist(name) for name in ("query", "format")}
    _once(in_url, "query")
    if content_type == "application/sparql-query":
        _once({"query": [body, *in_url["query"]]}, "query")
        dataset = _protocol_dataset(_params(request.query_params))
        missing = "the body (application/sparql-query), which is the query, is empty"
        return await _answer(request, service, body, in_url["format"], dataset, missing)
    if content_type == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(body, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise ApiError(400, "malformed request", "the form has percent-escapes that are not UTF-8 text") from None
        if "update" in fields:
            raise ApiError(403, "query not allowed", "this endpoint is read-only: SPARQL updates are not accepted")
        _once({"query": fields.get("query", []) + in_url["query"]}, "query")
        formats = fields.get("format", []) + in_url["format"]
        queries = fields.get("query") or in_url["query"]
        dataset = _protocol_dataset(fields, _params(request.query_params))
        missing = "the form's 'query' field is empty" if queries else "the form has no 'query' field"
        return await _answer(request, service, queries[0] if queries else "", formats, dataset, missing)
    if content_type == "application/sparql-update":
        raise ApiError(403, "query not allowed", "this endpoint is read-only: SPARQL updates are not accepted")
    raise ApiError(
        415,
        "unsupported media type",
        "POST the query as application/sparql-query or as a form "
        "(application/x-www-form-urlencoded) with a 'query' field",
    )
