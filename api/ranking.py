"""Ranked full-text matching over the catalogue's texts: simple, predictable, no index server."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


def words(value: str) -> list[str]:
    return _WORD.findall(value.casefold())


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    label: str
    text: str
    score: float


def _term_score(term: str, tokens: set[str]) -> float:
    if term in tokens:
        return 1.0
    if len(term) >= 3 and any(token.startswith(term) for token in tokens):
        return 0.6  # 'coach' finds 'coaching'
    return 0.0


def match_all(query: str, value: str) -> bool:
    """Every word of `query` occurs (as a word or a word's start) in `value`: the quotes filter."""
    terms = words(query)
    tokens = set(words(value))
    return bool(terms) and all(_term_score(term, tokens) > 0 for term in terms)


def rank(query: str, documents: list[tuple[str, str, str, str, float]]) -> list[Hit]:
    """Documents matching any word of `query`, best first; one hit per (kind, id), keeping its best text."""
    terms = words(query)
    if not terms:
        return []
    phrase = " ".join(terms)
    best: dict[tuple[str, str], Hit] = {}
    for kind, ident, label, value, weight in documents:
        tokens = set(words(value))
        scores = [_term_score(term, tokens) for term in terms]
        matched = sum(1 for s in scores if s > 0)
        if not matched:
            continue
        score = weight * sum(scores) * matched / len(terms)
        folded = " ".join(words(value))
        if phrase in folded:
            score += weight
        if folded == phrase:
            score += 2 * weight
        key = (kind, ident)
        if key not in best or score > best[key].score:
            best[key] = Hit(kind, ident, label, value, round(score, 3))
    return sorted(best.values(), key=lambda h: (-h.score, h.kind, h.id))
