"""Turn what a user typed (a theme label, a handle, ...) into a graph node, or a 404 that suggests spellings."""

from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef

from api.catalogue import Catalogue, Organisation, Participant, Theme, py, text
from api.errors import not_found
from api.queries import load
from api.state import GraphService


def theme(catalogue: Catalogue, needle: str) -> Theme:
    found = catalogue.resolve_themes(needle)
    if not found:
        raise not_found("theme", needle, catalogue.theme_suggestions(needle))
    return found[0]


def participant(catalogue: Catalogue, handle: str) -> Participant:
    found = catalogue.resolve_participant(handle)
    if found is None:
        raise not_found("participant", handle, catalogue.participant_suggestions(handle))
    return found


def organisation(catalogue: Catalogue, needle: str) -> Organisation:
    found = catalogue.resolve_organisation(needle)
    if found is None:
        raise not_found("organisation", needle, catalogue.organisation_suggestions(needle))
    return found


def _question_ref(catalogue: Catalogue, iri: str | None) -> dict | None:
    if not iri:
        return None
    for question in catalogue.questions:
        if question["iri"] == iri:
            return {"id": question["id"], "number": question["number"], "text": question["text"]}
    return {"id": catalogue.local_id(iri, "question"), "number": None, "text": None}


def _quote_ref(catalogue: Catalogue, iri: str | None) -> dict | None:
    if not iri:
        return None
    for quote in catalogue.quotes:
        if quote["iri"] == iri:
            return {"id": quote["id"], "author": quote["author"], "text": quote["text"]}
    return {"id": catalogue.local_id(iri, "quote"), "author": None, "text": None}


def reason(catalogue: Catalogue, row: dict) -> dict:
    """One 'why it matched' entry from a row with ?theme ?reason ?matchedLabel ?viaQuestion ?note ?viaQuote."""
    theme_iri = str(row["theme"])
    theme_node = catalogue.themes.get(theme_iri)
    entry = {
        "theme": catalogue.local_id(theme_iri, "theme"),
        "theme_label": theme_node.label if theme_node else None,
        "reason": text(row.get("reason")) or "tagged",
    }
    if row.get("matchedLabel") is not None:
        entry["matched_label"] = text(row["matchedLabel"])
    if row.get("viaQuestion") is not None:
        entry["via_question"] = _question_ref(catalogue, text(row["viaQuestion"]))
    if row.get("viaQuote") is not None:
        entry["via_quote"] = _quote_ref(catalogue, text(row["viaQuote"]))
    if row.get("note") is not None:
        entry["note"] = text(row["note"])
    return entry


def resources_for_theme(service: GraphService, catalogue: Catalogue, theme_node: Theme,
                        include_narrower: bool = True) -> list[dict]:
    """Resources tagged with the theme (or narrower ones), each saying why it matched; bound query, no pasting."""
    bindings = {"root": URIRef(theme_node.iri)}
    if not include_narrower:
        bindings["theme"] = URIRef(theme_node.iri)
    rows = service.store.query(load("resources_by_theme"), bindings).rows
    items: dict[str, dict] = {}
    reasons: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        iri = str(row["resource"])
        summary = catalogue.resources.get(iri)
        items.setdefault(iri, {
            "id": catalogue.local_id(iri, "resource"), "iri": iri, "url": catalogue.page(iri),
            "title": text(row.get("title")), "type": text(row.get("type")), "issued": py(row.get("issued")),
            "link": text(row.get("url")), "shared_by": summary["shared_by"] if summary else [],
        })
        entry = reason(catalogue, row)
        if entry not in reasons[iri]:
            reasons[iri].append(entry)
    out = []
    direct = catalogue.local_id(theme_node.iri, "theme")
    for iri, item in items.items():
        item["matched_because"] = sorted(reasons[iri], key=lambda r: (r["theme"] != direct, r["theme"], r["reason"]))
        item["score"] = relevance(item["matched_because"], direct)
        out.append(item)
    return sorted(out, key=lambda r: (-r["score"], (r["title"] or r["id"]).casefold(), r["id"]))


REASON_WEIGHT = {"label": 3.0, "quote": 2.0, "question": 1.0, "curated": 1.0, "tagged": 1.0}


def relevance(reasons: list[dict], direct_theme: str) -> float:
    """Rank what to read first: the theme named in the title beats a quote about it, which beats a curated or
    section-level link; a match through a narrower theme counts half. Every reason adds up."""
    return round(sum(REASON_WEIGHT.get(r["reason"], 1.0) * (1.0 if r["theme"] == direct_theme else 0.5)
                     for r in reasons), 2)


def item_reasons(service: GraphService, catalogue: Catalogue, iri: str) -> list[dict]:
    """Why one quote / question / resource carries each of its themes."""
    rows = service.store.query(load("item_reasons"), {"item": URIRef(iri)}).rows
    out: list[dict] = []
    for row in rows:
        entry = reason(catalogue, row)
        if entry not in out:
            out.append(entry)
    return sorted(out, key=lambda r: (r["theme"], r["reason"]))
