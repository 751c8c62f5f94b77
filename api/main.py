"""The qikg web app: `create_app(settings)` builds it; `app` is the default instance uvicorn serves."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from api import error_pages, errors, http, security
from api.routes import (
    download,
    entities,
    graph,
    home,
    network,
    ontology,
    organisations,
    pages,
    participants,
    questions,
    quotes,
    resources,
    search,
    sparql,
    stats,
    themes,
    void,
)
from api.routes.sparql_asgi import SparqlEndpoint
from api.state import GraphService
from kg.settings import Settings

log = logging.getLogger("qikg.api")

DESCRIPTION = """A knowledge graph of quality-improvement practice in health care, built from #LeadingQI tweet chat
reports. Browse the theme API, query everything at `/sparql`, or open any `/id/...` IRI."""


# What any route may answer: 400 for percent-escapes that are not UTF-8 (security.Utf8Guard), 503 while the graph
# is not loaded or the store is out of reach (every route needs the graph).
SHARED = errors.documented(400, 503)

# Every router of the app, in the order their paths are matched.
ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (
        home,
        sparql,
        themes,
        resources,
        participants,
        organisations,
        questions,
        quotes,
        search,
        stats,
        network,
        entities,
        pages,
        ontology,
        download,
        void,
        graph,
    )
)


def _built_at(settings: Settings) -> float | None:
    """When the served build was made: its manifest's modification time (None when there is none)."""
    try:
        return (settings.data_dir / "manifest.json").stat().st_mtime
    except OSError:
        return None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; it opens the built store and loads its indexes when it starts (it never builds)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = GraphService(settings)
        service.prepare()
        service.catalogue()
        app.state.service = service
        restore = service.sandbox.stop_on_signals()  # a stop does not wait for runaway queries' time limits
        try:
            yield
        finally:
            restore()
            service.close()

    # /docs is our own route (security.install: its policy allows exactly its inline script); /redoc, which loads
    # from two other hosts and is linked from nowhere, is off.
    app = FastAPI(
        title="qikg", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    errors.install(app, error_pages.page)
    security.install(app)
    http.install(app, lambda: _built_at(settings))
    # outermost of ours: GET, HEAD and POST on /sparql answered without FastAPI's routing and the layers above,
    # adding their headers itself (issue 17: most of a small query's cost was in those layers)
    app.add_middleware(SparqlEndpoint)
    for router in ROUTERS:
        app.include_router(router, responses=SHARED)
    errors.document(app)
    app.mount("/static/swagger-ui", StaticFiles(directory=str(security.SWAGGER_UI_DIR)), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    return app


app = create_app()
