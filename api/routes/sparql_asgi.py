"""`/sparql` reached without FastAPI's routing: the same handlers, the same checks, a fraction of the cost per request.

A query the engine answers in well under a millisecond used to cost the server 2-3 ms of CPU, most of it in the
layers around the handler (FastAPI's routing, dependency solving and parameter validation, its exception middleware;
issue 17, `python -m bench.sparql_layers`). This pure ASGI middleware sits innermost, inside every middleware of ours
(CORS, HEAD and `Vary`, the security headers, the UTF-8 guard: a response here gets exactly their headers), and
answers GET and POST on `/sparql` itself by calling the very functions the FastAPI routes call (`answer_get`,
`answer_post` in api/routes/sparql.py). What FastAPI would have done on the way is done here the same way: the 503
while no graph is loaded (`api.deps.get_service`), the 422 for a `format=` longer than the schema allows, and every
exception answered by the app's own exception handlers (api/errors.py), so status, headers and body are those of the
routes (tests/api/test_sparql_asgi.py compares the two on every kind of request). Other methods (OPTIONS, a 405 with
its Allow) and other paths go on to FastAPI, whose routes still document `/sparql` in the OpenAPI schema.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import get_service
from api.routes.sparql import FORMAT_MAX, answer_get, answer_post

PATH = "/sparql"


def route_path(scope: Scope) -> str:
    """The path as the app's router matches it: without the root path it is mounted under (Starlette's rule)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and len(path) > len(root) and path[len(root)] == "/":
        return path[len(root) :]
    return path


def _format_too_long(request: Request) -> RequestValidationError | None:
    """FastAPI's check of the GET route's `format` (its last value, as FastAPI reads a single parameter)."""
    values = request.query_params.getlist("format")
    if values and len(values[-1]) > FORMAT_MAX:
        return RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": ("query", "format"),
                    "msg": f"String should have at most {FORMAT_MAX} characters",
                    "input": values[-1],
                    "ctx": {"max_length": FORMAT_MAX},
                }
            ]
        )
    return None


class SparqlEndpoint:
    """ASGI middleware: GET and POST on `/sparql` answered by its handlers directly (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST") or route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            service = await get_service(request)
            if scope["method"] == "GET":
                invalid = _format_too_long(request)
                if invalid is not None:
                    raise invalid
                response = await answer_get(request, service)
            else:
                response = await answer_post(request, service)
        except Exception as error:
            handler = _handler(scope["app"], error)
            if handler is None:
                raise  # what no handler of the app takes: the server-error middleware's 500, as from a route
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def _handler(app: Any, error: Exception) -> Any:
    """The app's exception handler for `error`, looked up by its class's MRO as Starlette's ExceptionMiddleware
    does (the handler of `Exception`, the 500, is the outermost middleware's, so it is not taken here)."""
    handlers = app.exception_handlers
    for kind in type(error).__mro__:
        if kind is Exception:
            return None
        if kind in handlers:
            return handlers[kind]
    return None
