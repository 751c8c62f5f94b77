"""GET /graph: the interactive network view, the same self-contained page `qikg build` writes to build/graph.html.

The page carries both views (overview and full) and picks one from its own `?mode=` query string, so the server
only validates the parameter and hands out the built file. When the build has no graph.html (an older build, or
the view was skipped), the page is rendered once from qikg.trig and kept in memory for that build.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from rdflib import Dataset

from api.deps import ServiceDep
from api.errors import ApiError
from api.state import GRAPH_FILE, build_key
from api.way_back import with_way_back

router = APIRouter(tags=["graph view"])

PAGE_FILE = "graph.html"
# Its Content-Security-Policy (inline script and style only, no fetches) is api/security.py's GRAPH_CSP.

_cache: dict[str, str] = {}
_lock = threading.Lock()


def _rendered(data_dir: Path) -> str:
    """The page rendered from the build's TriG, once per build (keyed by the build's manifest hash)."""
    from visualizations.render import render_html

    key = build_key(data_dir)
    with _lock:
        if key not in _cache:
            dataset = Dataset()
            dataset.parse(data_dir / GRAPH_FILE, format="trig")
            _cache.clear()
            _cache[key] = render_html(dataset, mode="full")
        return _cache[key]


def page_html(data_dir: Path) -> str:
    """The built page when it is at least as new as the graph, else a fresh rendering of the graph."""
    page, graph = data_dir / PAGE_FILE, data_dir / GRAPH_FILE
    if page.is_file() and (not graph.is_file() or page.stat().st_mtime >= graph.stat().st_mtime):
        return page.read_text(encoding="utf-8")
    if not graph.is_file():
        raise ApiError(503, "no graph", "nothing built in the data folder: run `qikg build` first")
    return _rendered(data_dir)


@router.get("/graph", response_class=HTMLResponse, summary="The interactive network view (one self-contained page)")
def graph_view(
    service: ServiceDep,
    mode: Annotated[
        Literal["full", "overview"],
        Query(
            description="'overview': people, organisations, themes and questions, quotes folded into weighted edges; "
            "'full': every quote and resource as its own node"
        ),
    ] = "full",
) -> Response:
    """The page; it opens in `mode` (it reads the parameter itself) and can switch views without reloading."""
    # the links back to the site go in the sidebar's header (the page is a full-height layout below the body)
    html = with_way_back(
        page_html(service.settings.data_dir), inside='<aside id="sidebar" aria-label="Graph controls">'
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
