"""Turn what a user typed (a theme label, a handle, ...) into a graph node, or a 404 that suggests spellings."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef

from api.errors import ApiError, not_found
from api.queries import load
from api.state import GraphService
from kg.indexes.catalogue import Catalogue, Organisation, Participant, Theme, ThemeReason, line_number, text


def resource_name(res: dict) -> str:
    """A resource in words: its title; an untitled one by the graph's label for it, its web address, else as
    '<type> shared by @x' (never its slug)."""
    if res["title"] or res.get("label"):
        return res["title"] or res["label"]
    if res.get("link"):
        return res["link"]
    sharers = ", ".join(f"@{h}" for h in res.get("shared_by") or [])
    return f"{res.get('type') or 'Resource'}" + (f" shared by {sharers}" if sharers else " (untitled)")


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


def chat(catalogue: Catalogue, needle: str) -> str:
    """The chat id a `chat=` parameter names (its id, e.g. 2022-10-19, or its IRI), or a 404 that blames the chat
    and lists the chats: a filter by an unknown chat is a mistake to say, not an empty answer or an unknown item."""
    for iri, info in catalogue.chats.items():
        if needle in (info["id"], iri):
            return str(info["id"])
    known = [str(c["id"]) for c in catalogue.chats.values()]
    raise ApiError(
        404,
        "unknown chat",
        f"no chat {needle[:100]!r} (parameter 'chat'); the chats are {', '.join(known) or 'none'}",
        parameter="chat",
        suggestions=known,
    )


def organisation(catalogue: Catalogue, needle: str) -> Organisation:
    found = catalogue.resolve_organisation(needle)
    if found is None:
        raise not_found("organisation", needle, catalogue.organisation_suggestions(needle))
    return found


def _question_ref(catalogue: Catalogue, iri: str | None) -> dict | None:
    if not iri:
        return None
    question = catalogue.questions_by_iri.get(iri)
    if question is not None:
        return {"id": question["id"], "number": question["number"], "text": question["text"]}
    return {"id": catalogue.local_id(iri, "question"), "number": None, "text": None}


def _quote_ref(catalogue: Catalogue, iri: str | None) -> dict | None:
    if not iri:
        return None
    quote = catalogue.quotes_by_iri.get(iri)
    if quote is not None:
        return {"id": quote["id"], "author": quote["author"], "text": quote["text"]}
    return {"id": catalogue.local_id(iri, "quote"), "author": None, "text": None}


@dataclass
class TweetLinks:
    """Which tweet a quote tweet quotes, the quoted words shown without a card, and which card posts which question
    (each at most one, by the shapes; the first in IRI order should a graph state more)."""

    quotes: dict[str, str] = field(default_factory=dict)  # quoting tweet -> quoted tweet
    quoted_text: dict[str, str] = field(default_factory=dict)  # quoting tweet -> the words it quotes
    asks: dict[str, str] = field(default_factory=dict)  # card -> the question it posts
    asked_in: dict[str, str] = field(default_factory=dict)  # question -> the card that posts it


_LINKS: weakref.WeakKeyDictionary[Catalogue, TweetLinks] = weakref.WeakKeyDictionary()
_LINKS_LOCK = threading.Lock()


def tweet_links(service: GraphService, catalogue: Catalogue) -> TweetLinks:
    """The tweet links of this catalogue's store: one query on first use (api/queries/tweet_links.rq, no
    parameters), kept while the catalogue lives, so the JSON lists cost no query per request."""
    with _LINKS_LOCK:
        found = _LINKS.get(catalogue)
        if found is not None:
            return found
        found = TweetLinks()
        rows = sorted(
            (tuple(text(row.get(k)) or "" for k in ("tweet", "quoted", "quotedText", "question")))
            for row in service.store.query(load("tweet_links")).rows
        )
        for tweet, quoted, words, question in rows:
            if quoted:
                found.quotes.setdefault(tweet, quoted)
            elif words:
                found.quoted_text.setdefault(tweet, words)
            elif question:
                found.asks.setdefault(tweet, question)
                found.asked_in.setdefault(question, tweet)
        _LINKS[catalogue] = found
        return found


def tweet_ref(catalogue: Catalogue, iri: str | None) -> dict | None:
    """A tweet as a link: its id, IRI, page, author's handle and words (the catalogue's, where it holds it)."""
    if not iri:
        return None
    quote = catalogue.quotes_by_iri.get(iri)
    return {
        "id": quote["id"] if quote else catalogue.local_id(iri, "quote"),
        "iri": iri,
        "url": quote["url"] if quote else catalogue.page(iri),
        "author": quote["author"] if quote else None,
        "text": quote["text"] if quote else None,
    }


def linked_quotes(service: GraphService, catalogue: Catalogue, quotes: list[dict]) -> list[dict]:
    """Quotes as the JSON gives them: each with the tweet it quotes, the words it quotes without a card, and the
    question it posts, where the graph states them (as the quote's page shows them)."""
    links = tweet_links(service, catalogue)
    return [
        {
            **quote,
            "quotes_tweet": tweet_ref(catalogue, links.quotes.get(quote["iri"])),
            "quoted_text": links.quoted_text.get(quote["iri"]),
            "asks": _question_ref(catalogue, links.asks.get(quote["iri"])),
        }
        for quote in quotes
    ]


def linked_question(service: GraphService, catalogue: Catalogue, question: dict) -> dict:
    """A question as the JSON gives it: with the tweet card that posted it, where the graph states it."""
    return {**question, "asked_in": tweet_ref(catalogue, tweet_links(service, catalogue).asked_in.get(question["iri"]))}


def reason_entry(catalogue: Catalogue, why: ThemeReason) -> dict:
    """One 'why it matched' entry as the API shows it."""
    theme_node = catalogue.themes.get(why.theme)
    entry: dict[str, Any] = {
        "theme": catalogue.local_id(why.theme, "theme"),
        "theme_label": theme_node.label if theme_node else None,
        "reason": why.reason or "tagged",
    }
    if why.matched_label is not None:
        entry["matched_label"] = why.matched_label
    if why.via_question is not None:
        entry["via_question"] = _question_ref(catalogue, why.via_question)
    if why.via_quote is not None:
        entry["via_quote"] = _quote_ref(catalogue, why.via_quote)
    if why.note is not None:
        entry["note"] = why.note
    if why.context is not None:
        entry["matched_context"] = why.context
    if why.strength is not None:
        entry["strength"] = why.strength
    return entry


def reason(catalogue: Catalogue, row: dict) -> dict:
    """One 'why it matched' entry from a row with ?theme ?reason ?matchedLabel ?viaQuestion ?note ?viaQuote."""
    return reason_entry(catalogue, ThemeReason.from_row(row))


def resources_for_theme(catalogue: Catalogue, theme_node: Theme, include_narrower: bool = True) -> list[dict]:
    """Resources tagged with the theme (or narrower ones), ranked, each saying why it matched and why it ranks where
    it does: resources about the theme itself first, then those about a narrower theme, then those only mentioned
    (a quote about the theme discusses them, or weak evidence); within a group by the strongest single reason, then
    by the sum of all reasons (`score`), then the report's core resources first; equals in the order the reports
    list them (earlier chats first, then the line), then by title.

    Answered from the catalogue's theme index (read from the store once per load), not by a query per request:
    the same answer as api/queries/resources_by_theme.rq, which tests check theme by theme. The catalogue does not
    change while it is in use, so each theme's ranked list is worked out once; callers must not modify it."""
    key = (theme_node.iri, include_narrower)
    found = catalogue.ranked_resources.get(key)
    if found is None:
        found = catalogue.ranked_resources[key] = _rank_resources(catalogue, theme_node, include_narrower)
    return found


def report_order(resource: dict) -> tuple:
    """Where the reports list a resource (earliest chat, then its line): the tie-break among equals, so equally
    ranked resources read in the order the report gives them, not alphabetically. Unlisted ones come after."""
    place = resource.get("report_order")
    return (0, place[0], place[1], place[2]) if place else (1, "", "", 0)


def _rank_resources(catalogue: Catalogue, theme_node: Theme, include_narrower: bool) -> list[dict]:
    scope = set(catalogue.descendants(theme_node.iri) if include_narrower else [theme_node.iri])
    found: set[str] = set()
    for theme_iri in scope:
        found |= catalogue.theme_resources.get(theme_iri, set())
    direct = catalogue.local_id(theme_node.iri, "theme")
    out = []
    for iri in found:
        summary = catalogue.resources.get(iri)
        if summary is None:
            continue
        entries: list[dict] = []
        for why in catalogue.resource_reasons.get(iri, ()):
            if why.theme in scope:
                entry = reason_entry(catalogue, why)
                if entry not in entries:
                    entries.append(entry)
        entries.sort(key=lambda r: (r["theme"] != direct, not is_about(r), r["theme"], r["reason"]))
        tier, because = rank_tier(entries, direct, theme_node.label)
        out.append(
            {
                **summary,
                "matched_because": entries,
                "score": relevance(entries, direct),
                "tier": tier,
                "ranked_because": because,
                "_best": strongest(entries, direct),
            }
        )
    for r in out:
        if r.get("core"):
            r["ranked_because"] += "; one of the report's core resources, first among equals"
    for r in out:
        if r.get("report_order"):
            r["ranked_because"] += f"; listed at line {r['report_order'][2]} of its report"
    out.sort(
        key=lambda r: (
            r["tier"],
            -r.pop("_best"),
            -r["score"],
            not r.get("core"),
            report_order(r),
            resource_name(r).casefold(),
            r["id"],
        )
    )
    return out


# What a reason says about the resource: its own words or a reviewer tie it to the theme (about it), or only a quote
# that mentions it, or only the question section it was discussed in (weak).
REASON_WEIGHT = {"label": 3.0, "curated": 3.0, "question": 2.0, "quote": 1.0, "chat": 1.0, "tagged": 1.0}
WEAK_WEIGHT = 0.5
TIERS = ("about the theme itself", "about a narrower theme", "only mentioned")


def is_about(reason: dict) -> bool:
    """A reason that makes the resource about the theme: its own words, a reviewer, or its question's section backed
    up by its own words; not a quote that mentions it, nor weak evidence."""
    return reason["reason"] in {"label", "curated", "question"} and reason.get("strength") != "weak"


def rank_tier(reasons: list[dict], direct_theme: str, theme_label: str) -> tuple[int, str]:
    """Which group a resource ranks in, and why, in words: about the theme itself, about a narrower theme, or only
    mentioned (a quote about the theme discusses it, or a question's section alone)."""
    about = [r for r in reasons if is_about(r)]
    if any(r["theme"] == direct_theme for r in about):
        r = next(r for r in about if r["theme"] == direct_theme)
        return 0, f"{TIERS[0]} ({theme_label}: {_evidence(r)})"
    if about:
        r = about[0]
        return 1, f"{TIERS[1]} ({r['theme_label'] or r['theme']}: {_evidence(r)})"
    r = reasons[0] if reasons else {"reason": "tagged", "theme": direct_theme, "theme_label": theme_label}
    return 2, f"{TIERS[2]} ({r['theme_label'] or r['theme']}: {_evidence(r)}), ranked after resources about it"


def _evidence(reason: dict) -> str:
    kind = reason["reason"]
    if kind == "label":
        return f"its words say '{reason.get('matched_label')}'"
    if kind == "curated":
        return "a reviewed tag"
    if kind == "question":
        return "discussed in the question's section" + (" only" if reason.get("strength") == "weak" else "")
    if kind == "quote":
        return "a quote about the theme discusses it"
    if kind == "chat":
        return "only the chat's title names the theme"
    return "tagged"


def _weight(reason: dict, direct_theme: str) -> float:
    return (
        REASON_WEIGHT.get(reason["reason"], 1.0)
        * (1.0 if reason["theme"] == direct_theme else 0.5)
        * (WEAK_WEIGHT if reason.get("strength") == "weak" else 1.0)
    )


def strongest(reasons: list[dict], direct_theme: str) -> float:
    """The weight of the best single reason: within a tier, one reviewed tag or the theme named in the title beats
    many lesser reasons (a question's section plus quotes plus a narrower label)."""
    return max((_weight(r, direct_theme) for r in reasons), default=0.0)


def relevance(reasons: list[dict], direct_theme: str) -> float:
    """The score: a reviewed tag or the theme named in its words beats a question's section, which beats a quote
    about the theme; weak evidence counts half, a match through a narrower theme half. Every reason adds up."""
    return round(sum(_weight(r, direct_theme) for r in reasons), 2)


def sources(service: GraphService, iri: str) -> list[dict]:
    """Where a node's facts came from: each source document, its title and the line (a number, or None)."""
    return [
        {"source": text(r.get("source")), "title": text(r.get("title")), "line": line_number(r.get("line"))}
        for r in service.store.query(load("source_of"), {"subject": URIRef(iri)}).rows
    ]


def item_reasons(service: GraphService, catalogue: Catalogue, iri: str) -> list[dict]:
    """Why one quote / question / resource carries each of its themes."""
    rows = service.store.query(load("item_reasons"), {"item": URIRef(iri)}).rows
    out: list[dict] = []
    for row in rows:
        entry = reason(catalogue, row)
        if entry not in out:
            out.append(entry)
    return sorted(out, key=lambda r: (r["theme"], r["reason"]))
