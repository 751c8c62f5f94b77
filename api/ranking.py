"""Word matching for the list filters (`q=` on quotes, resources, people, organisations); /api/search uses the
full-text index (kg/search.py)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def words(value: str) -> list[str]:
    return _WORD.findall(value.casefold())


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
