"""A way back to the site (home, search) on the pages that are not ours (pyLODE's /ontology, Swagger UI's /docs)
or are one self-contained file (the graph view): each gets a bar of plain links when served."""

from __future__ import annotations

# inline styles only: each of these pages has its own Content-Security-Policy (api/security.py) that allows inline
# styles but no stylesheet of ours; links, not a form, because their policies allow no form submission
_BAR_STYLE = (
    "font: 14px/1.4 system-ui, sans-serif; display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center;"
    " padding: 6px 12px; background: #1f2937; color: #fff;"
)
_BAR_LINK = "color: #fff; text-decoration: underline;"
WAY_BACK = (
    f'<nav class="qikg-way-back" aria-label="qikg" style="{_BAR_STYLE}">'
    f'<a href="/" style="{_BAR_LINK} font-weight: 700;">qikg home</a>'
    f'<a href="/search" style="{_BAR_LINK}">Search</a>'
    f'<a href="/thesaurus" style="{_BAR_LINK}">Themes</a>'
    f'<a href="/download" style="{_BAR_LINK}">Downloads</a></nav>'
)


def with_way_back(html: str, inside: str | None = None) -> str:
    """`html` with a bar of links to the home page and search, placed right after `inside` (the first match of that
    text) when the page has it, else first in the body. Served pages only: the build's files stay as they were made
    (a file opened from disk has no site to go back to)."""
    if inside and inside in html:
        return html.replace(inside, inside + WAY_BACK, 1)
    start = html.find("<body")
    end = html.find(">", start) if start >= 0 else -1
    if end < 0:
        return WAY_BACK + html
    return html[: end + 1] + WAY_BACK + html[end + 1 :]
