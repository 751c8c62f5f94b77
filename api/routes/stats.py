"""Counts of what the graph holds and the chats' analytics figures as the report states them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CatalogueDep, ServiceDep
from api.queries import load
from api.schemas.service import StatsOut
from kg.indexes.catalogue import py, text

router = APIRouter(prefix="/api/stats", tags=["stats"])


@router.get("", summary="Counts and the chats' analytics figures", response_model=StatsOut)
def stats(service: ServiceDep, catalogue: CatalogueDep) -> dict[str, Any]:
    store = service.store
    classes = {str(r["class"]).rsplit("#", 1)[-1]: py(r["n"]) for r in store.query(load("class_counts")).rows}
    measurements = [
        {
            "id": catalogue.local_id(str(r["measurement"]), "measurement"),
            "label": text(r.get("label")),
            "value": py(r.get("value")),
            "qualifier": text(r.get("qualifier")),
            "unit": text(r.get("unit")),
            "period": text(r.get("periodLabel")),
            "period_start": text(r.get("periodStart")),
            "period_end": text(r.get("periodEnd")),
            "measured_by": text(r.get("tool")),
            "chat": catalogue.chat_id(text(r.get("chat"))),
        }
        for r in store.query(load("measurements")).rows
    ]
    rankings: dict[str, dict[str, Any]] = {}
    for r in store.query(load("rankings")).rows:
        iri = str(r["ranking"])
        ranking = rankings.setdefault(
            iri, {"id": catalogue.local_id(iri, "ranking"), "label": text(r.get("label")), "entries": []}
        )
        entry = {
            "rank": py(r["rank"]),
            "handle": text(r.get("handle")),
            "value": py(r.get("value")),
            "unit": text(r.get("unit")),
        }
        if entry not in ranking["entries"]:
            ranking["entries"].append(entry)
    return {
        "triples": store.triple_count(),
        "backend": store.backend,
        "named_graphs": store.named_graphs(),
        "counts": {
            "themes": len(catalogue.themes),
            "quotes": len(catalogue.quotes),
            "questions": len(catalogue.questions),
            "resources": len(catalogue.resources),
            "participants": len(catalogue.participants),
            "organisations": len(catalogue.organisations),
            "chats": len(catalogue.chats),
        },
        "classes": dict(sorted(classes.items())),
        "chats": list(catalogue.chats.values()),
        "measurements": measurements,
        "rankings": list(rankings.values()),
    }
