"""What a PDF's pages leave in its text conversion: page numbers and running headers between a report's lines.

A converter may keep a page's footer and the next page's header wherever the page breaks, even inside a tweet card
('... #LeadingQI', '4', 'Title | Tweet Chat Report', '1', '0', '4'). Those lines are the PDF's, not the report's:
the parsers read them as blank lines (their line numbers stay, so every other line keeps its number).

Recognised: 'Page 3' / 'Page 3 of 6' / '- 3 -' alone on a line; a running header, that is the title-page words
'Tweet Chat Report' with other words on the line ('Title | Tweet Chat Report'), or the report's title again alone on
a line; and a bare number just before a running header (the footer of the page that ends there). A bare number
anywhere else is kept: it may be one of a card's counts.
"""

from __future__ import annotations

import re

from kg.extract.markup import clean

_PAGE_RE = re.compile(r"^(?:(?i:page)\s+\d+(?:\s+(?i:of)\s+\d+)?|[-–]\s*\d+\s*[-–])$")
_KIND_RE = re.compile(r"^Tweet ?[Cc]hat [Rr]eport$")
_HEADER_RE = re.compile(r"\bTweet ?[Cc]hat [Rr]eport\b")
_NUMBER_RE = re.compile(r"^\d{1,3}$")


def page_artefacts(lines: list[str]) -> set[int]:
    """The 1-based numbers of the lines that are page numbers or running headers (see the module's note)."""
    texts = [clean(x) for x in lines]
    kind = next((i for i, t in enumerate(texts) if _KIND_RE.match(t)), None)
    title_at = next((i for i in range(kind - 1, -1, -1) if texts[i]), None) if kind is not None else None
    title = texts[title_at] if title_at is not None else None
    headers = {
        i
        for i, t in enumerate(texts)
        if (_HEADER_RE.search(t) and not _KIND_RE.match(t)) or (title and t == title and i != title_at)
    }
    found = {i for i, t in enumerate(texts) if _PAGE_RE.match(t)} | headers
    for i in headers:
        before = i - 1
        while before >= 0 and not texts[before]:
            before -= 1
        if before >= 0 and _NUMBER_RE.match(texts[before]):
            found.add(before)
    return {i + 1 for i in found}
