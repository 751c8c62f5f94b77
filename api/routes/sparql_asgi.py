"""`/sparql` reached without FastAPI's routing and the layers above it: the same handlers, the same checks and
headers, a fraction of the cost per request.

A query the engine answers in well under a millisecond used to cost the server 2-3 ms of CPU, much of it in the
layers around the handler: FastAPI's routing, dependency solving and parameter validation, its exception middleware,
and our four middlewares, each wrapping `send` (issue 17, `python -m bench.sparql_layers`). This pure ASGI middleware
stands in front of ours and answers GET, HEAD and POST on `/sparql` itself by calling the very functions the FastAPI
routes call (`answer_get`, `answer_post` in api/routes/sparql.py), and does on the way what each layer it skips would
have done, with that layer's own code where it has one:

- the UTF-8 guard's 400 (`security.percent_decodes_to_utf8`, `security.refuse`), the security headers
  (`security.headers_for`), HEAD and `Vary: Accept` (`http.add_vary`; no answer of /sparql is conditional or
  Last-Modified, `http.is_conditional`), CORS (Starlette's `CORSMiddleware.send` with `http.CORS_OPTIONS`);
- what FastAPI does: the 503 while no graph is loaded (`api.deps.get_service`), the 422 for a `format=` longer than
  the schema allows, and every exception answered by the app's own exception handlers (api/errors.py); an exception
  none of them takes goes on to the server-error middleware (the 500), as from a route.

tests/api/test_sparql_asgi.py sends every kind of request to the app with and without this middleware and compares
status, headers and body. Other methods (OPTIONS and CORS preflights, a 405 with its Allow) and other paths go on to
the middlewares and FastAPI, whose routes still document `/sparql` in the OpenAPI schema.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import http, security
from api.deps import get_service
from api.routes.sparql import FORMAT_MAX, answer_get, answer_post

PATH = "/sparql"
_LENGTH = b"content-length"
_SLOT = b"\x00length\x00"  # stands for the Content-Length in a remembered header list (NUL is never in a header)
_REMEMBERED = 512  # distinct (status, headers, Origin) header lists kept


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
    """ASGI middleware, the outermost of ours: GET, HEAD and POST on `/sparql` answered by its handlers directly,
    with what the middlewares it stands in front of would add (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cors = CORSMiddleware(app, **http.CORS_OPTIONS)  # its own code adds the CORS headers, as it would
        self._security = [(name.encode(), value.encode()) for name, value in security.headers_for(PATH).items()]
        # the headers the layers make of a response's (status, headers, the request's Origin), which repeat from one
        # answer to the next but for the length: worked out once by the layers' own code, then reused
        self._starts: dict[tuple, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD", "POST") or route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:  # http.HttpBasics: HEAD runs the GET and sends its headers only
            scope = {**scope, "method": "GET"}
        request_headers = Headers(scope=scope)
        security_headers = self._security

        async def as_the_middlewares_would(message: Message, send: Send) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}  # security.SecurityHeaders: what is not set
                headers += [(name, value) for name, value in security_headers if name not in present]
                headers = http.add_vary(headers, "Accept")  # http.HttpBasics (never conditional on /sparql)
                headers = http.relative_location(scope, message["status"], headers)
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await self._cors.send(message, send, request_headers)  # starlette's CORSMiddleware, outermost

        async def send_as_the_middlewares_would(message: Message) -> None:
            if message["type"] != "http.response.start":
                await as_the_middlewares_would(message, send)
                return
            raw = message.get("headers", [])
            lengths = [value for name, value in raw if name == _LENGTH]
            if len(lengths) != 1 or 300 <= message["status"] < 400:  # a redirect's Location depends on the request
                await as_the_middlewares_would(message, send)
                return
            key = (
                message["status"],
                tuple((name, _SLOT if name == _LENGTH else value) for name, value in raw),
                request_headers.get("origin"),
            )
            known = self._starts.get(key)
            if known is None:
                made: list[Message] = []

                async def keep(out: Message) -> None:
                    made.append(out)

                await as_the_middlewares_would({**message, "headers": list(key[1])}, keep)
                known = list(made[0]["headers"])
                if len(self._starts) >= _REMEMBERED:
                    self._starts.clear()
                self._starts[key] = known
            length = lengths[0]
            headers = [(name, length if value == _SLOT and name == _LENGTH else value) for name, value in known]
            await send({**message, "headers": headers})

        for part, raw in (("path", scope.get("raw_path") or b""), ("query string", scope.get("query_string", b""))):
            if not security.percent_decodes_to_utf8(raw):  # security.Utf8Guard
                await security.refuse(
                    send_as_the_middlewares_would, f"the {part} has percent-escapes that are not UTF-8 text"
                )
                return
        await self._answer(scope, receive, send_as_the_middlewares_would)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
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
