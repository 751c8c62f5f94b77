"""The landing page (what is inside, where to go next) and the cheap liveness check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import TEMPLATES, CatalogueDep, ServiceDep
from api.queries import examples

router = APIRouter(tags=["home"])


@router.get("/health", summary="Liveness: the server answers and how many triples it holds")
def health(service: ServiceDep) -> dict:
    return {"status": "ok", "triples": service.store.triple_count(), "backend": service.store.backend}


@router.get("/", response_class=HTMLResponse, summary="Landing page")
def landing(request: Request, service: ServiceDep, catalogue: CatalogueDep) -> HTMLResponse:
    lessons = [t for t in catalogue.tops() if t.lesson] or catalogue.tops()
    narrower = [catalogue.themes[i] for t in lessons for i in t.narrower if i in catalogue.themes]
    theme = narrower[0] if narrower else (lessons[0] if lessons else None)
    person = next(iter(sorted(catalogue.participants.values(), key=lambda p: p.handle.casefold())), None)
    counts = {
        "triples": service.store.triple_count(),
        "themes": len(catalogue.themes),
        "quotes": len(catalogue.quotes),
        "resources": len(catalogue.resources),
        "participants": len(catalogue.participants),
        "organisations": len(catalogue.organisations),
        "questions": len(catalogue.questions),
    }
    return TEMPLATES.TemplateResponse(request, "home.html", {
        "counts": counts, "lessons": lessons, "theme": theme, "person": person,
        "chats": list(catalogue.chats.values()), "examples": examples(),
        "has_graph": any(getattr(r, "path", "") == "/graph" for r in request.app.routes),
    })
