"""The landing page (what is inside, where to go next) and the cheap liveness check."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.routing import NoMatchFound

from api.deps import TEMPLATES, CatalogueDep, ServiceDep
from api.queries import examples
from api.schemas.service import HealthOut

router = APIRouter(tags=["home"])
ASKED_ABOUT = ("golden thread", "genba", "coaching")  # what our users ask first; shown only if the thesaurus has it


@router.get("/health", summary="Liveness: the server answers and how many triples it holds", response_model=HealthOut)
async def health(service: ServiceDep) -> dict[str, Any]:
    # async: it reads two cached values, so it answers from the event loop even when every thread is busy
    return {
        "status": "ok",
        "triples": service.store.triple_count(),
        "backend": service.store.backend,
        "sparql": service.sandbox.load(),
    }


@router.get("/", response_class=HTMLResponse, summary="Landing page")
def landing(request: Request, service: ServiceDep, catalogue: CatalogueDep) -> HTMLResponse:
    lessons = [t for t in catalogue.tops() if t.lesson] or catalogue.tops()
    # examples drawn from the data, so they stay true when more chats are added: the theme with most resources
    # (ties: most quotes) and the most quoted participant
    themes = sorted(
        catalogue.themes.values(),
        key=lambda t: (
            -len(catalogue.tagged.get(t.iri, {}).get("resource", ())),
            -len(catalogue.tagged.get(t.iri, {}).get("quote", ())),
            t.slug,
        ),
    )
    theme = themes[0] if themes else None
    said = Counter(q["author"] for q in catalogue.quotes if q["author"])
    person = max(catalogue.participants.values(), key=lambda p: (said[p.handle], p.handle.casefold()), default=None)
    counts = {
        "triples": service.store.triple_count(),
        "themes": len(catalogue.themes),
        "quotes": len(catalogue.quotes),
        "resources": len(catalogue.resources),
        "participants": len(catalogue.participants),
        "organisations": len(catalogue.organisations),
        "questions": len(catalogue.questions),
    }
    answered = Counter(q["chat"] for q in catalogue.quotes if q["chat"])
    chats = sorted(catalogue.chats.values(), key=lambda c: (-answered[c["id"]], c["id"]))
    asks = [(words, found[0]) for words in ASKED_ABOUT if (found := catalogue.resolve_themes(words))]
    return TEMPLATES.TemplateResponse(
        request,
        "home.html",
        {
            "counts": counts,
            "lessons": lessons,
            "theme": theme,
            "person": person,
            "person_url": catalogue.page(person.iri) if person else None,
            "asks": asks,
            "chats": chats,
            "quoted": dict(answered),
            "busiest": chats[0] if chats and answered[chats[0]["id"]] else None,
            "examples": examples(),
            "has_graph": _serves(request, "graph_view"),
        },
    )


def _serves(request: Request, route_name: str) -> bool:
    """Whether the app has this route (asked by name: FastAPI nests included routers, so app.routes is not flat)."""
    try:
        request.app.url_path_for(route_name)
    except NoMatchFound:
        return False
    return True
