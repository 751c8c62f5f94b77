"""The report's resource lists: 'Core resources' and the 'Shared resources' table, cited in several styles.

Styles seen: `Creators. "Title". Publisher; Year`, `Creators (Year), Publisher, "Title"`, `Creators. Title;
Publisher; Year`, `Creators. Title. Publisher; Year (doi)`, Vancouver `Mandel KE, Cady SH. Title? Journal
Year;Vol:Pages.`, `Title; Publisher; Year`, `Title; Creator`, or a bare title. What no style explains is kept as
the title with a warning, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.extract.markup import clean

TYPE_RE = re.compile(r"\[(?P<type>[^\]]+)\]\s*")
DOI_RE = re.compile(r"\(?https?://doi\.org/(?P<doi>10\.[^\s)]+)\)?\.?")
# a web address as printed: a query string, a fragment and balanced parentheses ('.../Gemba_(walk)') are its own;
# a closing mark or full stop after it is not
URL_RE = re.compile(r"https?://(?:[^\s()<>\"]|\([^\s()<>\"]*\))+(?<![.,;:!?'’])")
_AUTHOR = r"[A-Z][\w'-]+(?:,? (?:[A-Z]{1,3}\.?|[A-Z][a-z]+))?"
_AUTHORS = rf"{_AUTHOR}(?:(?:, | & ){_AUTHOR})*"


@dataclass
class Citation:
    type: str | None
    title: str | None
    creators: list[str] = field(default_factory=list)
    year: int | None = None
    publisher: str | None = None
    container: str | None = None
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    url: str | None = None
    description: str | None = None
    parsed_by: str = ""


def split_creators(text: str) -> list[str]:
    """'Abdalla, H & Macklin, N' -> ['Abdalla, H', 'Macklin, N']; 'Hardie T, Horton T' -> ['Hardie T', 'Horton T']."""
    text = text.strip()
    if re.fullmatch(r"[A-Z][\w'-]+, [A-Z][a-z]*\.?(?: & [A-Z][\w'-]+, [A-Z][a-z]*\.?)*", text):
        return [p.strip().rstrip(".") for p in text.split(" & ")]
    return [p.strip().rstrip(".") for p in re.split(r", | & ", text) if p.strip()]


_STYLES: list[tuple[str, re.Pattern[str]]] = [
    (
        "quoted-title",
        re.compile(
            rf'^(?P<creators>{_AUTHORS})\. "\s*(?P<title>.+?)\s*"\.? (?P<publisher>[^;]+); (?P<year>\d{{4}})\.?$'
        ),
    ),
    (
        "report-style",
        re.compile(r'^(?P<creators>[^()]+?) \((?P<year>\d{4})\), (?P<publisher>[^,"]+), "(?P<title>.+?)"$'),
    ),
    (
        "quoted-title-no-creators",
        re.compile(r'^"\s*(?P<title>[^"]+?)\s*"\.? (?P<publisher>[^;"]+); (?P<year>\d{4})\.?$'),
    ),
    ("sketchnote-style", re.compile(r'^(?P<creators>[^()"]+?) \((?P<year>\d{4})\) "(?P<title>.+?)"$')),
    (
        "vancouver",
        re.compile(
            r"^(?P<creators>[A-Z][\w'-]+ [A-Z]{1,3}(?:, [A-Z][\w'-]+ [A-Z]{1,3})*)\. (?P<title>.+?[.?]) "
            r"(?P<container>[A-Z][^;]+?) (?P<year>\d{4});(?P<volume>\d+):(?P<pages>[\d-]+)\.?$"
        ),
    ),
    (
        "proceedings",
        re.compile(
            rf"^(?P<creators>{_AUTHORS})\. (?P<title>.+?\?) In (?P<container>.+?) \(pp\. (?P<pages>[\d-]+)\); "
            r"(?P<year>\d{4})\.?$"
        ),
    ),
    (
        "title-publisher-year",
        re.compile(
            rf"^(?P<creators>{_AUTHORS}|[A-Z][\w'-]+ [A-Z]{{1,3}}(?:, [A-Z][\w'-]+ [A-Z]{{1,3}})*)\. "
            r"(?P<title>[^;]+?)[.;] (?P<publisher>[^;.]+); (?P<year>\d{4})\.?$"
        ),
    ),
    ("creators-title-year", re.compile(rf"^(?P<creators>{_AUTHORS})\. (?P<title>[^;]+); (?P<year>\d{{4}})\.?$")),
    ("title-publisher-year-no-creators", re.compile(r"^(?P<title>[^;]+); (?P<publisher>[^;]+); (?P<year>\d{4})\.?$")),
    ("title-creator", re.compile(r"^(?P<title>[^;]+); (?P<creators>[A-Z][a-z]+ [A-Z][a-z]+)$")),
    ("title-year", re.compile(r"^(?P<title>[^;]+); (?P<year>\d{4})\.?$")),
]
# a title printed in quotes ('Surname, A. "Title"; 2021'): the quotes are the printer's, not the title's
_QUOTED = re.compile(r'^["“”‘’\'](?P<inner>[^"“”]+)["“”‘’\']$')


def _title(raw: str) -> str:
    title = raw.strip().rstrip(".").strip()
    quoted = _QUOTED.match(title)
    return quoted.group("inner").strip() if quoted else title


def parse_citation(text: str) -> Citation:
    """One '[Type] citation' cell (already cleaned) -> Citation."""
    m = TYPE_RE.match(text)
    rtype = m.group("type").strip() if m else None
    body = text[m.end() :].strip() if m else text.strip()
    doi = None
    dm = DOI_RE.search(body)
    if dm:
        doi = dm.group("doi").rstrip("./")  # 'https://doi.org/10.1/x/.': the slash and stop are the link's
        body = (body[: dm.start()] + body[dm.end() :]).strip().rstrip(".").strip()
    url = None
    um = URL_RE.search(body)
    if um:  # the address is the resource's link, not words of its title
        url = um.group(0)
        body = re.sub(r"\(\s*\)", "", body[: um.start()] + body[um.end() :])
        body = re.sub(r"\s+", " ", body).strip().rstrip(";:,–-").strip()
        if not body:
            return Citation(type=rtype, title=None, doi=doi, url=url, parsed_by="link-only")
    for name, pattern in _STYLES:
        pm = pattern.match(body)
        if pm:
            g = pm.groupdict()
            return Citation(
                type=rtype,
                title=_title(g["title"]) if g.get("title") else None,
                creators=split_creators(g["creators"]) if g.get("creators") else [],
                year=int(g["year"]) if g.get("year") else None,
                publisher=(g.get("publisher") or "").strip() or None,
                container=(g.get("container") or "").strip() or None,
                volume=g.get("volume"),
                pages=g.get("pages"),
                doi=doi,
                url=url,
                parsed_by=name,
            )
    if body.lower().startswith("source:"):
        return Citation(type=rtype, title=None, description=body, doi=doi, url=url, parsed_by="credit-only")
    return Citation(type=rtype, title=body or None, doi=doi, url=url, parsed_by="bare-title")


@dataclass
class Entry:
    line: int
    shared_by: list[str]
    citation: Citation


def _cells(raw: str) -> list[str]:
    return [c for c in raw.split("\t")]


def _paragraphs(cell: str) -> list[str]:
    parts = re.split(r"</p>\s*<p[^>]*>|<p[^>]*>|</p>", cell)
    return [clean(p) for p in parts if clean(p)]


# the words a header cell of the resources table is written in, by the column's role
_COLUMN_NAMES = {
    "sharer": {"shared by", "sharer", "shared", "who", "from", "by", "shared by (handle)", "handle", "twitter handle"},
    "resource": {"resource", "resources", "title", "citation", "reference", "what", "resource shared"},
    "link": {"link", "links", "url", "web address", "address", "website"},
    "type": {"type", "kind", "format"},
}


def header_columns(raw: str) -> dict[str, int] | None:
    """The columns of a resources table's header row ('Shared by<TAB>Resource', '| Resource | Shared by | Link |',
    '<p>Resource</p><TAB><p>Shared by</p>'), by role (sharer, resource, link, type; any other header cell is an
    extra column whose words describe the row's resource); None when the line is no such header. A header whose tabs
    were lost ('Shared by Resource') is the first report's two columns."""
    row = _pipe_row(raw)
    if row is None:
        return None
    flat = clean(row).casefold().rstrip(":")
    if "\t" not in row:
        return {"sharer": 0, "resource": 1} if flat == "shared by resource" else None
    cells = [clean(c).casefold().strip(" :") for c in _cells(row)]
    roles: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if not cell:
            continue
        if len(cell.split()) > 3 or re.search(r"[@\[\]\d]", cell):
            return None  # a cell of words or a handle: a row, not a header
        role = next((r for r, names in _COLUMN_NAMES.items() if cell in names), None)
        if role is not None:
            roles.setdefault(role, i)
        else:
            roles[f"extra:{i}"] = i
    return roles if "sharer" in roles and "resource" in roles else None


def looks_like_row(raw: str) -> bool:
    """A resources table row without its header: '@handle<TAB>[Type] ...' (tabs, pipes or <p> cells)."""
    row = _pipe_row(raw)
    if row is None or "\t" not in row:
        return False
    cells = [clean(c) for c in _cells(row)]
    return bool(re.fullmatch(r"@\w+", cells[0])) and any(TYPE_RE.match(c) for c in cells[1:])


def _in_order(cells: list[str], columns: dict[str, int]) -> list[str]:
    """A row as the first report's two columns ('Shared by', then the resource's paragraphs): the resource cell, a
    link cell's address after its words, a type cell as its '[Type]', every other cell as a paragraph after it."""

    def cell(role: str) -> str:
        i = columns.get(role)
        return cells[i] if i is not None and i < len(cells) else ""

    resource = cell("resource").strip()
    kind = clean(cell("type"))
    if kind and not TYPE_RE.match(clean(resource)):
        resource = f"[{kind}] {resource}"
    link = clean(cell("link"))
    paras = [resource if "<p" in resource else f"<p>{resource}</p>"]
    if link:  # the address after the citation's words, where parse_citation takes it as the resource's link
        head, sep, tail = paras[0].rpartition("</p>")
        paras[0] = f"{head} {link}{sep}{tail}"
    for role, i in sorted(columns.items(), key=lambda kv: kv[1]):
        if role.startswith("extra:") and i < len(cells) and clean(cells[i]):
            paras.append(f"<p>{clean(cells[i])}</p>")
    return [cell("sharer"), "".join(paras)]


def shared_table(lines: list[str], start: int, end: int) -> tuple[list[Entry], list[str]]:
    """Rows of the 'Shared by / Resource' table between lines start..end (1-based, inclusive).

    Two layouts: a tab-separated row (`@handle<TAB>[Type] citation`, cells possibly in <p> tags, a cell may hold
    two resources), or a handle alone on a line followed by '[Type] citation' lines and free text (an image's
    words), which becomes the description of the resource above it. A header row names the columns: in any order,
    with a link, type or other column besides (`header_columns`); without one, the first report's order.
    """
    entries: list[Entry] = []
    warnings: list[str] = []
    current_by: list[str] | None = None
    columns: dict[str, int] | None = None
    for n in range(start, end + 1):
        raw = _pipe_row(lines[n - 1])
        if raw is None or not raw.strip():
            continue
        header = header_columns(lines[n - 1])
        if header is not None:
            columns = header if header != {"sharer": 0, "resource": 1} else None
            continue
        cells = _cells(raw)
        if columns is not None and len(cells) >= 2:
            cells = _in_order(cells, columns)
        first = clean(cells[0])
        if len(cells) >= 2 and first.startswith("@"):
            current_by = _sharers(first)
            paras = _paragraphs("\t".join(cells[1:]))
            _add_paragraphs(entries, n, current_by, paras)
            continue
        paras = _paragraphs("\t".join(cells[1:])) if len(cells) >= 2 and not first else []
        if paras and TYPE_RE.match(paras[0]):  # a row whose 'Shared by' cell is empty: nobody is named
            current_by = []
            _add_paragraphs(entries, n, current_by, paras)
            warnings.append(f"line {n}: the 'Shared by' cell is empty: the resource is kept without a sharer")
            continue
        if re.fullmatch(r"@[A-Za-z0-9_]+", first) and len(cells) == 1:
            current_by = [first[1:]]
            continue
        text = clean(raw)
        if current_by is not None and TYPE_RE.match(text):
            entries.append(Entry(n, current_by, parse_citation(text)))
        elif entries and current_by is not None and "\t" not in raw:
            last = entries[-1].citation
            last.description = f"{last.description}\n{text}" if last.description else text
        elif "\t" in raw:
            continue  # the focus-board template's grid belongs to the image above: not a resource
        else:
            warnings.append(f"line {n}: resource table text not understood: {text[:60]!r}")
    return entries, warnings


def _sharers(cell: str) -> list[str]:
    """The handles of a 'Shared by' cell: one ('@a'; a handle the conversion broke, '@SaTHImprove nt', whole, as
    printed), or several joined by ',', '&', 'and' or '/' ('@a & @b')."""
    parts = [p.strip() for p in re.split(r"\s*(?:,|&|\band\b|/)\s*", cell) if p.strip()]
    if len(parts) > 1 and all(re.fullmatch(r"@\w+", p) for p in parts):
        return [p[1:] for p in parts]
    return [cell[1:]]


def _pipe_row(raw: str) -> str | None:
    """A Markdown table row ('| @x | [Blog] ... |'), as another converter writes the table, as tab-separated cells;
    its rule line ('|---|---|') as None; any other line as it is."""
    line = raw.strip()
    if not (line.startswith("|") and line.endswith("|") and len(line) > 1):
        return raw
    if re.fullmatch(r"\|(?:\s*:?-{3,}:?\s*\|)+", line):
        return None
    return "\t".join(c.strip() for c in line[1:-1].split("|"))


def _add_paragraphs(entries: list[Entry], line: int, by: list[str], paras: list[str]) -> None:
    """A cell: each '[Type] …' paragraph starts a resource; other paragraphs describe the one before."""
    before = len(entries)
    for p in paras:
        if TYPE_RE.match(p) or len(entries) == before:
            entries.append(Entry(line, by, parse_citation(p)))
        else:
            c = entries[-1].citation
            c.description = f"{c.description}\n{p}" if c.description else p
