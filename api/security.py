"""Security headers on every response, and refusal of text that is not UTF-8, in one place.

Every response (pages, JSON, errors, static files, downloads) carries a Content-Security-Policy, nosniff, a refusal
to be framed and no referrer. The policy is chosen here by path: our pages load only same-origin scripts and styles;
/graph is one self-contained file (inline script and style, nothing fetched); the ontology documentation (pyLODE)
has an inline stylesheet and no script; /docs (Swagger UI, served from the swagger-ui-bundle package's files under
/static/swagger-ui) gets its own policy from `docs_page`: its one inline script by hash, nothing from other hosts.
No page of ours frames another, so every response says `frame-ancestors 'none'`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from api.way_back import with_way_back


def _policy(**directives: str) -> str:
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


_LOCKED = {"base_uri": "'none'", "frame_ancestors": "'none'"}
PAGES_CSP = _policy(
    default_src="'none'",
    script_src="'self'",
    style_src="'self'",
    img_src="'self' data:",
    connect_src="'self'",
    form_action="'self'",
    **_LOCKED,
)
# The network view needs nothing from any host, itself included: inline script and style only, no fetches.
GRAPH_CSP = _policy(
    default_src="'none'",
    script_src="'unsafe-inline'",
    style_src="'unsafe-inline'",
    img_src="data:",
    connect_src="'none'",
    form_action="'none'",
    **_LOCKED,
)
# pyLODE's page: one inline <style>, favicons as data: URIs, a JSON-LD block (data, never run), no script.
ONTOLOGY_CSP = _policy(
    default_src="'none'", style_src="'unsafe-inline'", img_src="data:", form_action="'none'", **_LOCKED
)
POLICIES = {"/graph": GRAPH_CSP, "/ontology": ONTOLOGY_CSP}
SWAGGER_UI_DIR = Path(str(swagger_ui_path))  # Swagger UI's dist files, shipped by the swagger-ui-bundle package
SWAGGER_URL = "/static/swagger-ui"

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def headers_for(path: str) -> dict[str, str]:
    """The security headers of a response to `path`."""
    return {"content-security-policy": POLICIES.get(path, PAGES_CSP), **HEADERS}


class SecurityHeaders:
    """ASGI middleware: add the security headers to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = headers_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.decode("latin-1").lower() for name, _ in headers}
                headers += [(name.encode(), value.encode()) for name, value in wanted.items() if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")


def percent_decodes_to_utf8(raw: bytes) -> bool:
    """Whether percent-decoding `raw` (a path or a query string; `+` is a space) gives valid UTF-8."""
    if not _PERCENT.search(raw) and raw.isascii():
        return True
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Utf8Guard:
    """ASGI middleware: a path or query string whose percent-escapes are not UTF-8 is a clear 400.

    Left alone, Starlette and uvicorn decode them with replacement characters, so `q=%ff` would search for U+FFFD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for part, raw in (("path", scope.get("raw_path") or b""), ("query string", scope.get("query_string", b""))):
                if not percent_decodes_to_utf8(raw):
                    await refuse(send, f"the {part} has percent-escapes that are not UTF-8 text")
                    return
        await self.app(scope, receive, send)


async def refuse(send: Send, detail: str) -> None:
    """The 400 for percent-escapes that are not UTF-8 (before any route runs)."""
    body = json.dumps({"error": "malformed request", "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _script_hashes(html: str) -> list[str]:
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


def docs_page(app: FastAPI, request: Request) -> HTMLResponse:
    """FastAPI's Swagger UI page on Swagger UI's packaged files, with a policy that allows exactly its inline
    script (by hash): no request leaves this server, so /docs works offline."""
    root = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(
        openapi_url=root + (app.openapi_url or "/openapi.json"),
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{root}{SWAGGER_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{SWAGGER_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}/static/favicon.svg",
        # no deep links: they put a link inside each operation's button, which keyboards and screen readers trip on
        swagger_ui_parameters={"deepLinking": False, **(app.swagger_ui_parameters or {})},
    )
    html = bytes(page.body).decode("utf-8")
    # our additions: the page's language, and darker colours where Swagger UI's own fall below WCAG AA contrast
    html = html.replace("<html>", '<html lang="en">', 1)
    html = html.replace("</head>", f'<link rel="stylesheet" href="{root}/static/docs.css">\n</head>', 1)
    html = with_way_back(html)  # a way back to the site: home and search
    csp = _policy(
        default_src="'none'",
        script_src=" ".join(["'self'", *_script_hashes(html)]),
        style_src="'self' 'unsafe-inline'",
        img_src="'self' data:",
        connect_src="'self'",
        form_action="'none'",
        **_LOCKED,
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


def install(app: FastAPI) -> None:
    """Add both middlewares (the headers outermost, so the 400 for bad UTF-8 carries them too) and /docs."""
    app.add_middleware(Utf8Guard)
    app.add_middleware(SecurityHeaders)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return docs_page(app, request)
