"""Content negotiation: pick the best offered media type for an Accept header (q-values and wildcards)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from api.errors import ApiError
from kg.sparql import formats as fmt


def _parse(accept: str) -> list[tuple[str, float, int]]:
    ranges = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _score(media_range: str, offered: str) -> int:
    """How specifically a range matches an offered type: 3 exact, 2 type/*, 1 */*, 0 no match."""
    if media_range == offered:
        return 3
    kind = offered.split("/")[0]
    if media_range == f"{kind}/*":
        return 2
    if media_range == "*/*":
        return 1
    return 0


_CACHED = 1024  # Accept values up to this length are remembered (a client sends the same one again and again)


# `application/json` asks for JSON of whatever the answer is: SPARQL results JSON for rows and booleans, JSON-LD for
# a graph (an entity page, the ontology, a CONSTRUCT, the service description), so a careless JSON client gets JSON
# rather than a 406 (the answer's Content-Type names which, and `Vary: Accept` is on every negotiated answer)
_JSON_MEANS = (fmt.JSON, fmt.JSONLD)


def normalise_accept(accept: str) -> str:
    """An Accept value with the media types clients also use (`text/n3`, `application/json`) as the ones offered."""
    return _normalised(accept) if len(accept) <= _CACHED else _normalise(accept)


@lru_cache(maxsize=256)
def _normalised(accept: str) -> str:
    return _normalise(accept)


def _normalise(accept: str) -> str:
    parts: list[str] = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        meant = _JSON_MEANS if media == "application/json" else (fmt.ALIASES.get(media, media),)
        parts.extend(kind + (";" + params if params else "") for kind in meant)
    return ",".join(parts)


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered type the client prefers most; ties go to the order of `offered`. None when nothing fits."""
    if accept is not None and len(accept) <= _CACHED:
        return _chosen(accept, tuple(offered))
    return _choose(accept, offered)


@lru_cache(maxsize=1024)
def _chosen(accept: str, offered: tuple[str, ...]) -> str | None:
    return _choose(accept, list(offered))


def _choose(accept: str | None, offered: list[str]) -> str | None:
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = _parse(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, media in enumerate(offered):
        matches = [(score, q) for (r, q, _) in ranges if (score := _score(r, media))]
        if not matches:
            continue
        score, q = max(matches)  # the most specific range decides the quality
        if q <= 0:
            continue
        key = (q, score, -index)
        if best is None or key > best:
            best, chosen = key, media
    return chosen


# the ?format= names of a page offered as HTML and RDF (also what /id/x.ttl, .jsonld, .nt, .rdf, .html give)
PageFormat = Literal["turtle", "ttl", "n3", "jsonld", "json-ld", "nt", "ntriples", "rdfxml", "rdf", "xml", "html"]
PAGE_NAMES = {**fmt.FORMAT_NAMES, "xml": fmt.RDFXML, "json": fmt.JSONLD}


def page_media(accept: str | None, format_name: str | None, offered: list[str], what: str) -> str:
    """The media type of a page offered as HTML and RDF: `?format=` wins over `Accept`; clear 400 / 406 otherwise."""
    if format_name:
        media = PAGE_NAMES.get(format_name.lower())
        if media not in offered:
            raise ApiError(400, "unknown format", "format must be one of turtle, jsonld, nt, rdfxml, html")
        return media
    media = choose(normalise_accept(accept) if accept else accept, offered)
    if media is None:
        raise ApiError(406, "not acceptable", f"{what} is offered as {', '.join(offered)}")
    return media
