"""Errors as pages for browsers: a browser that asks for HTML first gets a page with its suggestions as links;
API clients (JSON, or any type) keep the JSON error body. Called from the handlers of api/errors.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from api.negotiation import _parse

HEADINGS = {404: "Not found", 405: "Not allowed here", 406: "Not available in that format"}


def wants_html(request: Request) -> bool:
    """A browser's Accept: text/html named explicitly and preferred over JSON (not reached through */* alone)."""
    ranges = _parse(request.headers.get("accept") or "")
    html = max((q for media, q, _ in ranges if media in ("text/html", "application/xhtml+xml")), default=0.0)
    json = max((q for media, q, _ in ranges if media in ("application/json", "application/*")), default=0.0)
    return html > 0 and html > json


def _links(request: Request, suggestions: list[str]) -> list[dict[str, str]]:
    """Suggestions as links: whole /id/ paths under /id/, else in place of the last part of the path asked for."""
    path = request.url.path
    catalogue = None
    service = getattr(request.app.state, "service", None)
    if service is not None:
        try:
            catalogue = service.catalogue()
        except Exception:  # a page of suggestions must not fail because the graph is not there
            catalogue = None
    out = []
    for s in suggestions:
        if path.startswith("/id/"):
            url, label = "/id/" + quote(s), s
            if catalogue is not None:
                from api.pages import label_of

                label = label_of(catalogue, catalogue.id_base + s)
        else:
            url, label = path.rsplit("/", 1)[0] + "/" + quote(s, safe=""), s
        out.append({"url": url, "label": label})
    return out


def page(request: Request, status: int, error: str, detail: Any, suggestions: list[str] | None) -> Response | None:
    """The HTML error page for a browser, or None (answer JSON)."""
    if status not in HEADINGS or request.method not in ("GET", "HEAD") or not wants_html(request):
        return None
    from api.deps import TEMPLATES

    words = request.url.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "heading": HEADINGS[status],
            "error": error,
            # the JSON detail names the suggestions in words; the page lists them as links instead
            "detail": _sentence(detail.split("; did you mean", 1)[0] if isinstance(detail, str) else error),
            "suggestions": _links(request, list(suggestions or [])),
            "words": words[:100],
        },
        status_code=status,
    )


def _sentence(words: str) -> str:
    words = words.strip()
    return (words[:1].upper() + words[1:] + ("" if words.endswith((".", "?", "!")) else ".")) if words else ""
