"""One error shape for the whole API: JSON {"error": ..., "detail": ...}, a 4xx for bad input, never a trace.

The same shape is declared in the OpenAPI schema (`ErrorBody`, `ValidationErrorBody`) for every status an operation
can answer with, so a client (and schemathesis) can rely on the schema for errors too. Faults of the server (a
store that cannot be reached, a query engine that failed) are 5xx; only the client's mistakes are 4xx.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from api.security import headers_for
from kg.sparql.policy import MalformedQuery, PolicyError
from kg.sparql.sandbox import QueryFailed, Rejected, SandboxBusy, TooManyFromClient, WorkerFailed
from kg.store import InvalidBinding, QuerySyntaxError, QueryTimeout, RowLimitExceeded, StoreError

log = logging.getLogger("qikg.api")


class ErrorBody(BaseModel):
    """Every error the API answers with; some add fields (e.g. `suggestions` on a 404)."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(description="what went wrong, in a few words")
    detail: Any = Field(None, description="a sentence saying why, or what to do instead")
    suggestions: list[str] | None = Field(
        None, description="close matches when something was not found; the matches when a name fits several"
    )


class Problem(BaseModel):
    where: str = Field(description="the parameter, e.g. query.limit")
    problem: str


class ValidationErrorBody(BaseModel):
    """A request whose parameters do not fit the schema (HTTP 422)."""

    error: str = Field(description='"invalid request"')
    detail: list[Problem]


STATUS_TEXT = {
    400: "bad request (e.g. a malformed query or text that is not UTF-8)",
    403: "refused: the endpoint is read-only and never contacts other servers",
    404: "not found (the body may suggest close matches)",
    406: "none of the formats the Accept header asks for is offered",
    413: "too large",
    415: "unsupported media type",
    422: "the parameters do not fit the schema",
    429: "this client has as many queries running as it may: wait the Retry-After seconds",
    500: "a fault of the server (logged)",
    503: "not ready, timed out or the store is unavailable; try again",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route for these error statuses, each with the error model."""
    return {
        status: {
            "model": ValidationErrorBody if status == 422 else ErrorBody,
            "description": STATUS_TEXT.get(status, "error"),
        }
        for status in statuses
    }


@dataclass(frozen=True)
class Failure:
    """The answer to one kind of failed query: its status, a few words, and a sentence (`{error}`: the message)."""

    status: int
    error: str
    detail: str = "{error}"


# The one table of failed queries (the API's own and users' /sparql ones alike) and their answers: 4xx when the
# query is at fault, 5xx when the server is (a worker that crashed or could not start, an engine error, a store out
# of reach). Too many rows is 422: the query is well formed but its answer is more than the endpoint hands out (413
# is about the request's own size). The first class an error is an instance of decides, so subclasses come first.
FAILURES: tuple[tuple[type[Exception], Failure], ...] = (
    (MalformedQuery, Failure(400, "malformed query")),
    (QuerySyntaxError, Failure(400, "malformed query")),
    (InvalidBinding, Failure(400, "invalid value")),
    (PolicyError, Failure(403, "query not allowed")),
    (RowLimitExceeded, Failure(422, "too many results")),
    (TooManyFromClient, Failure(429, "too many requests")),
    (SandboxBusy, Failure(503, "busy")),
    (QueryTimeout, Failure(503, "query timeout", "{error}; a /sparql query can be narrowed down or given a LIMIT")),
    (WorkerFailed, Failure(503, "query failed", "the server's query worker stopped: {error}")),
    (
        QueryFailed,
        Failure(
            503,
            "query failed",
            "the query engine failed on the server's side, not because of the query: {error}; try again",
        ),
    ),
    (StoreError, Failure(503, "store unavailable", "the graph store failed: {error}")),
)


def failure(error: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The status, body and headers (Retry-After for a request turned away) of a failed query, from FAILURES."""
    found = next((f for kind, f in FAILURES if isinstance(error, kind)), None)
    if found is None:
        raise TypeError(f"not a query failure: {type(error).__name__}") from error
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Rejected) else {}
    return found.status, error_body(found.error, found.detail.format(error=error)), headers


class ApiError(Exception):
    """Raise from a route to answer with a JSON error; `extra` fields (e.g. suggestions) join the body."""

    def __init__(self, status: int, error: str, detail: Any = None, **extra: Any) -> None:
        super().__init__(error)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra


def not_found(what: str, needle: str, suggestions: list[str]) -> ApiError:
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    return ApiError(404, f"unknown {what}", f"no {what} matches {needle[:200]!r}{hint}", suggestions=suggestions)


def error_body(error: str, detail: Any = None, **extra: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail, **extra}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette's own Allow names only the first route's), HEAD
    wherever GET is.

    Asked of each route through `matches` with each method, so it holds however FastAPI nests included routers."""
    # inside a mount (the static files) root_path has grown by the mount's prefix; match from the app's own
    scope = {**request.scope, "root_path": request.scope.get("app_root_path", request.scope.get("root_path", ""))}
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Mount):
            if route.matches(scope)[0] != Match.NONE:
                methods |= {"GET", "HEAD"}  # the static files
            continue
        methods |= {m for m in _METHODS if route.matches({**scope, "method": m})[0] == Match.FULL}
    if "GET" in methods:
        methods.add("HEAD")  # http.HttpBasics answers HEAD for every GET, though no route names it
    return sorted(methods | {"OPTIONS"}) if methods else []


def document(app: FastAPI) -> None:
    """Make the schema's 422 the body the API really answers with: FastAPI declares its own HTTPValidationError
    (`detail: [{loc, msg, type}]`) on every operation that takes parameters; this puts ValidationErrorBody there."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        body = ValidationErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ValidationErrorBody"] = body
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        schema = _replace_ref(
            schema, "#/components/schemas/HTTPValidationError", "#/components/schemas/ValidationErrorBody"
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if status.isdigit() and int(status) >= 400:
                        _errors_are_json(response.get("content", {}))
        app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _errors_are_json(content: dict[str, Any]) -> None:
    """FastAPI files an error model under the route's own media type (text/html for a page), but every error
    body is JSON: move the model's schema to application/json (an HTML error page, as /sparql has, stays)."""
    for media, entry in list(content.items()):
        ref = entry.get("schema", {}).get("$ref", "")
        if media != "application/json" and ref.rsplit("/", 1)[-1] in {"ErrorBody", "ValidationErrorBody"}:
            content.setdefault("application/json", {})["schema"] = entry.pop("schema")
            if not entry:
                del content[media]


def _replace_ref(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k: (new if k == "$ref" and v == old else _replace_ref(v, old, new)) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_ref(v, old, new) for v in node]
    return node


ErrorPage = Callable[[Request, int, str, Any, "list[str] | None"], "Response | None"]


def _no_page(*_: Any) -> None:
    return None


def install(app: FastAPI, page: ErrorPage = _no_page) -> None:
    """Register the handlers that turn every failure into the JSON error shape; `page` may answer a browser with an
    HTML page instead (api/error_pages.py), returning None for JSON."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        shown = page(request, exc.status, exc.error, exc.detail, exc.extra.get("suggestions"))
        if shown is not None:
            return shown
        return JSONResponse(error_body(exc.error, exc.detail, **exc.extra), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(request))
            if request.method == "OPTIONS" and allow:
                return Response(status_code=204, headers={"Allow": allow})  # what OPTIONS asks: what is allowed
            if allow:
                headers["Allow"] = allow
        if exc.status_code == 404 and (shown := page(request, 404, "not found", exc.detail, None)):
            return shown
        phrases = {
            404: "not found",
            405: "method not allowed",
            406: "not acceptable",
            413: "too large",
            415: "unsupported media type",
        }
        return JSONResponse(
            error_body(phrases.get(exc.status_code, "request error"), exc.detail),
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        return JSONResponse(error_body("invalid request", problems), status_code=422)

    async def query_failed(request: Request, exc: Exception) -> JSONResponse:
        status, body, headers = failure(exc)
        if status >= 500:
            log.error("query failed on %s: %s", request.url.path, exc)
        return JSONResponse(body, status_code=status, headers=headers or None)

    for kind in {kind for kind, _ in FAILURES}:
        app.add_exception_handler(kind, query_failed)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        # Starlette answers this one outside every middleware, so the security headers are added here.
        return JSONResponse(
            error_body("internal error", "something went wrong on the server; it has been logged"),
            status_code=500,
            headers=headers_for(request.url.path),
        )
