"""HTTP as every client expects it: HEAD, CORS, conditional GET (ETag, Last-Modified, 304), `Vary: Accept`, RDF
file extensions on IRIs, and redirects that stay on the host the client used.

Pure ASGI middleware, so the routes stay plain `GET` handlers: HEAD runs the GET and sends its headers only, and a
304 is decided from the finished response, so a route cannot forget it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# /id/theme/genba.ttl is /id/theme/genba?format=turtle; the same for /ontology and the service description
SUFFIXES = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "nt", ".rdf": "rdfxml", ".html": "html"}
_SUFFIXED = re.compile(r"^(?P<path>/id/.+|/ontology)(?P<suffix>\.(?:ttl|jsonld|nt|rdf|html))$")
# what may be answered 304: pages and data of one build; never /sparql (a query's answer) or /health
_CONDITIONAL = re.compile(r"^/(id/|ontology|download|api/|graph|thesaurus|report|static/|$)")
_LAST_MODIFIED = re.compile(r"^/(id/|ontology|download)")
BUFFER_LIMIT = 16 * 2**20  # a response larger than this streams through without an ETag of ours
CORS_EXPOSED = ["ETag", "Last-Modified", "Link", "Retry-After", "Content-Disposition", "Vary", "Content-Length"]


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _without(headers: list[tuple[bytes, bytes]], *names: bytes) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k.lower() not in names]


def add_vary(headers: list[tuple[bytes, bytes]], value: str) -> list[tuple[bytes, bytes]]:
    present = _header(headers, b"vary")
    words = [w.strip() for w in (present or b"").decode("latin-1").split(",") if w.strip()]
    if value.lower() not in {w.lower() for w in words} and "*" not in words:
        words.append(value)
    return [*_without(headers, b"vary"), (b"vary", ", ".join(words).encode("latin-1"))]


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison: `W/"x"` and `"x"` match; `*` matches any current representation."""
    if if_none_match.strip() == "*":
        return True
    mine = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == mine for tag in if_none_match.split(","))


def _not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    """Whether the response's own Last-Modified is no later than the client's copy (whole seconds, as HTTP dates)."""
    try:
        since = parsedate_to_datetime(if_modified_since).timestamp()
        modified = parsedate_to_datetime(last_modified).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return modified <= since


class HttpBasics:
    """HEAD for every GET, RDF suffixes, `Vary: Accept`, ETag / Last-Modified / 304, host-relative redirects."""

    def __init__(self, app: ASGIApp, *, built_at: Callable[[], float | None]) -> None:
        self.app = app
        self.built_at = built_at  # when the served build was made (its manifest's mtime), for Last-Modified

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        scope = self._suffix(scope)
        path = scope.get("path", "")
        request_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        conditional = scope["method"] == "GET" and is_conditional(path)
        last_modified = self.built_at() if _LAST_MODIFIED.match(path) else None
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        streaming = False

        async def emit(message: Message, body: bytes | None = None) -> None:
            await send(message)
            if body is not None:
                await send({"type": "http.response.body", "body": b"" if head else body})

        async def relay(message: Message) -> None:
            nonlocal start, size, streaming
            if message["type"] == "http.response.start":
                headers = add_vary(list(message.get("headers", [])), "Accept")
                headers = relative_location(scope, message["status"], headers)
                if last_modified is not None and message["status"] == 200 and not _header(headers, b"last-modified"):
                    headers.append((b"last-modified", formatdate(last_modified, usegmt=True).encode()))
                start = {**message, "headers": headers}
                if not conditional or message["status"] != 200:
                    streaming = True
                    await send(start)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body, more = message.get("body", b""), message.get("more_body", False)
            if streaming:
                await send({**message, "body": b"" if head else body} if head else message)
                return
            assert start is not None
            chunks.append(body)
            size += len(body)
            if size > BUFFER_LIMIT and _header(start["headers"], b"etag") is None:  # too big to hash: stream it
                streaming = True
                await send(start)
                await send({"type": "http.response.body", "body": b"" if head else b"".join(chunks), "more_body": more})
                return
            if more:
                return
            await self._finish(start, b"".join(chunks), request_headers, emit)

        await self.app(scope, receive, relay)

    async def _finish(self, start: Message, body: bytes, request: dict[str, str], emit: Callable) -> None:
        headers = list(start["headers"])
        etag = _header(headers, b"etag")
        if etag is None:
            etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'.encode()
            headers.append((b"etag", etag))
        fresh = False
        if "if-none-match" in request:
            fresh = etag_matches(request["if-none-match"], etag.decode("latin-1"))
        elif "if-modified-since" in request and (stamp := _header(headers, b"last-modified")) is not None:
            fresh = _not_modified_since(request["if-modified-since"], stamp.decode("latin-1"))
        if fresh:
            kept = _without(headers, b"content-length", b"content-type", b"content-encoding")
            await emit({**start, "status": 304, "headers": kept}, b"")
            return
        await emit({**start, "headers": headers}, body)

    @staticmethod
    def _suffix(scope: Scope) -> Scope:
        match = _SUFFIXED.match(scope.get("path", ""))
        if not match:
            return scope
        query = scope.get("query_string", b"")
        if re.search(rb"(^|&)format=", query):
            return scope  # the client said which format twice: the route judges `format=`
        name = SUFFIXES[match["suffix"]]
        path = match["path"]
        query = (query + b"&" if query else b"") + f"format={name}".encode()
        return {**scope, "path": path, "raw_path": path.encode(), "query_string": query}


def relative_location(scope: Scope, status: int, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Starlette's slash redirect names an absolute http:// address; behind TLS or a proxy that is the wrong
    scheme or host, so a redirect to this very server names the path only."""
    location = _header(headers, b"location")
    if status not in (301, 302, 303, 307, 308) or location is None:
        return headers
    target = urlsplit(location.decode("latin-1"))
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), None)
    if target.netloc and host and target.netloc.lower() == host.lower():
        relative = target.path + (f"?{target.query}" if target.query else "")
        return [*_without(headers, b"location"), (b"location", relative.encode("latin-1"))]
    return headers


# CORS for every read: the data is public and no request carries credentials
CORS_OPTIONS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "HEAD", "POST", "OPTIONS"],
    "allow_headers": ["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
    "expose_headers": CORS_EXPOSED,
    "max_age": 600,
}


def is_conditional(path: str) -> bool:
    """Whether a GET of `path` may be answered 304 (and gets an ETag of ours)."""
    return bool(_CONDITIONAL.match(path))


def install(app: FastAPI, built_at: Callable[[], float | None]) -> None:
    """CORS (CORS_OPTIONS), then HEAD, 304s and the rest."""
    app.add_middleware(HttpBasics, built_at=built_at)
    app.add_middleware(CORSMiddleware, **CORS_OPTIONS)
