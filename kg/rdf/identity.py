"""Which records of resources, across every chat, are one resource node, and what each chat's graph states of it.

A resource is identified by what names it, never by a title that only looks alike:
- its title, up to case, spacing, punctuation and accents, in any script ("The Habits of an Improver" / "The habits
  of an improver." are one title; "Habits of an Improver" is another; "质量改进指南" and "患者安全手册" are two); a
  title with no letter or digit identifies nothing;
- its DOI (DOIs are case-insensitive; "10.1/x" and "https://doi.org/10.1/x" are one DOI);
- its web address up to http/https, "www.", the host's case, a closing slash and tracking parameters (utm_*), when
  the address has a path or a query: a site's root ("https://www.health.org.uk") names a site or an organisation,
  not one resource. An address joins two records only when their titles agree or one has no title: a hub page
  (https://www.england.nhs.uk/qsir/) links several resources, so two titles on one address stay two nodes, with a
  warning.
Records that share any of these are one node (transitively), whether a report lists it among its core resources or
a participant shared it: the series' core resources (the evaluation report, the blog of its six lessons) are one node
however often a chat lists them as core or in its shared-resources table. The node is named (its slug) by its first
printing: the earliest chat's (by chat date, then source), the first line there; a slug another node already has
gets a number.

Faithful data: each chat's graph states what its report printed. The node's `dcterms:title` is its first printing's
title; a chat that printed the title otherwise states its printing as `schema:alternateName` (and its `rdfs:label`),
not the first printing's words. A resource has one type and one date issued: a later printing that gives another
keeps it out of its graph, with a warning naming both lines. A node some report lists as core is core
(`qi:core true`, stated by that report's graph, a functional property): a printing in a shared-resources table states
who shared it (`qi:sharedBy`) and leaves `qi:core` out rather than contradict it; a node no report lists as core is
`qi:core false`. Each printing's graph cites its own line (`prov:wasDerivedFrom`, `qi:sourceLine`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

from kg.iris import unique_slug
from kg.records import ChatRecords, Resource


@dataclass(frozen=True)
class Printing:
    """One record of a resource (one row of one report) and what its chat's graph states of the node."""

    node: str  # the node's slug
    states_title: bool  # its title is the node's title (dcterms:title); else `alternative` holds its printing
    alternative: str | None = None  # its title as printed where it is not the node's title
    left_out: tuple[str, ...] = ()  # single-valued facts another printing gives otherwise ("type", "issued", "core")
    joined_by: str | None = None  # why it is another printing's node: "title", "DOI 10...", "web address ..."
    first: tuple[str, int] | None = None  # (source path, line) of the node's first printing, when not this one


@dataclass
class Identities:
    """Every resource record's printing, by (source slug, index in the chat's `resources`); warnings to show."""

    printings: dict[tuple[str, int], Printing] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def of(self, records: ChatRecords) -> list[Printing]:
        return [self.printings[(records.source_slug, i)] for i in range(len(records.resources))]


def title_key(title: str) -> str:
    """A title up to case, spacing, punctuation and accents: its letters and digits in any script, casefolded
    (NFKC), accents folded. '' when it has none: such a title identifies nothing (see `keys_of`)."""
    decomposed = unicodedata.normalize("NFKD", title)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFKC", bare.casefold())
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


# query parameters that say where a reader came from, not what the address names
_TRACKING = re.compile(r"^(?:utm_\w*|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_DOI_ADDRESS = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/(?P<doi>10\.\S+)$", re.IGNORECASE)


def doi_key(doi: str) -> str:
    """A DOI up to case, a 'doi:' or https://doi.org/ prefix and a closing slash or full stop."""
    doi = unquote(doi.strip())
    m = _DOI_ADDRESS.match(doi)
    doi = m["doi"] if m else re.sub(r"^doi:\s*", "", doi, flags=re.IGNORECASE)
    return doi.casefold().rstrip("/.")


def link_key(url: str) -> str | None:
    """A web address up to scheme, 'www.', the host's case, a closing slash and tracking parameters (utm_*); None
    for a site's root address."""
    m = re.match(r"^(?:https?://)?(?:www\.)?(?P<host>[^/?#\s]+)(?P<rest>[^\s]*)$", url.strip(), re.IGNORECASE)
    if not m:
        return None
    rest, _, fragment = m["rest"].partition("#")
    path, _, query = rest.partition("?")
    kept = [p for p in query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0])]
    rest = path.rstrip("/") + ("?" + "&".join(kept) if kept else "") + ("#" + fragment if fragment else "")
    if not rest:
        return None
    return m["host"].lower() + rest


def keys_of(res: Resource, source_slug: str) -> list[tuple[str, str]]:
    """What identifies a resource record: title, DOI (also when printed as a https://doi.org/ address), web address;
    a record with none of them is its chat's. A title without a letter or digit identifies nothing. Whether a report
    lists it as core or a participant shared it does not make it another resource."""
    keys = []
    if res.title and (title := title_key(res.title)):
        keys.append(("title", title))
    dois = [doi_key(d) for d in (res.doi, res.url) if d and (d is res.doi or _DOI_ADDRESS.match(d.strip()))]
    for doi in dict.fromkeys(d for d in dois if d):
        keys.append(("DOI", doi))
    if res.url and not _DOI_ADDRESS.match(res.url.strip()) and (link := link_key(res.url)):
        keys.append(("web address", link))
    return keys or [("own", f"{source_slug}/{res.slug}")]


def resource_identities(all_records: list[ChatRecords]) -> Identities:
    """The printing of every resource record of every chat (see the module's rules)."""
    order = sorted(range(len(all_records)), key=lambda i: (all_records[i].chat.date, all_records[i].source_slug))
    items: list[tuple[str, int, Resource, str]] = []  # (source slug, index, record, source path), first printing first
    for c in order:
        records = all_records[c]
        for i in sorted(range(len(records.resources)), key=lambda i: (records.resources[i].line, i)):
            items.append((records.source_slug, i, records.resources[i], records.source_path))
    parent = list(range(len(items)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the earlier printing stays the root

    out = Identities()
    owner: dict[tuple[str, str], int] = {}
    by_address: dict[tuple[str, str], list[int]] = {}
    for x, (source, _, res, _) in enumerate(items):
        for key in keys_of(res, source):
            if key[0] == "web address":
                by_address.setdefault(key, []).append(x)  # joined below, once titles and DOIs have joined
            elif key in owner:
                join(owner[key], x)
            else:
                owner[key] = x
    titled = [x for x, item in enumerate(items) if item[2].title and title_key(item[2].title)]
    for key, xs in by_address.items():
        out.warnings += _join_by_address(key, xs, items, find, join, titled)
    groups: dict[int, list[int]] = {}
    for x in range(len(items)):
        groups.setdefault(find(x), []).append(x)
    taken: set[str] = set()
    for root in sorted(groups):
        members = groups[root]
        slug = unique_slug(items[root][2].slug, taken)
        title_from = next((items[x][2] for x in members if items[x][2].title), None)
        kind = next((items[x][2].type for x in members if items[x][2].type), None)
        issued = next((_issued(items[x][2]) for x in members if _issued(items[x][2])), None)
        core = any(items[x][2].core for x in members)  # some report lists it as core: the node is core
        first_keys = {k for x in members[:1] for k in keys_of(items[x][2], items[x][0])}
        seen: set[tuple[str, str]] = set(first_keys)
        for x in members:
            source, i, res, path = items[x]
            own = keys_of(res, source)
            alternative = res.title if res.title and title_from and res.title != title_from.title else None
            left_out = tuple(
                name
                for name, mine, node in (("type", res.type, kind), ("issued", _issued(res), issued))
                if mine is not None and node is not None and mine != node
            ) + (("core",) if core and not res.core else ())
            joined = None
            if x != root:
                shared = [k for k in own if k in seen] or own
                what = shared[0][0]
                printed = {"DOI": res.doi, "web address": res.url}.get(what)  # as this report prints it
                joined = what if what == "title" else f"{what} {printed or shared[0][1]}"
            seen.update(own)
            first = (items[root][3], items[root][2].line) if x != root else None
            out.printings[(source, i)] = Printing(slug, alternative is None, alternative, left_out, joined, first)
            if alternative or set(left_out) - {"core"}:  # a shared printing of a core resource is no conflict
                out.warnings.append(
                    _note(path, res, slug, joined, first, alternative, left_out, title_from, kind, issued)
                )
    out.warnings.sort(key=lambda w: (w.split(":", 1)[0], int(w.split(":", 2)[1])))  # by report, then line
    return out


def _join_by_address(key, xs, items, find, join, titled: list[int]) -> list[str]:
    """Join the records that print one web address when their titles agree (they are one group by then) or one has
    no title. A hub page (https://www.england.nhs.uk/qsir/) links many resources: two titles that differ stay two
    resources, with a warning; an untitled record beside two or more of them is joined to none (which one is it?)."""
    with_title = {find(t) for t in titled}
    printing: dict[int, int] = {}  # each group's first record that prints the address
    for x in xs:
        printing.setdefault(find(x), x)
    named = [r for r in printing if r in with_title]
    untitled = [r for r in printing if r not in with_title]
    together = list(printing) if len(named) <= 1 else untitled
    for r in together[1:]:
        join(together[0], r)
    out = []
    if not named:
        return []
    _, _, first, first_path = items[printing[named[0]]]
    for r in named[1:]:
        _, _, res, path = items[printing[r]]
        out.append(
            f"{path}:{res.line}: resource {res.slug!r} prints the web address {res.url} that {first_path}:"
            f"{first.line} prints for {first.title!r}, with another title ({res.title!r}): kept as two resources "
            "(an address may be a page that links several)"
        )
    return out


def _issued(res: Resource) -> str | None:
    return res.issued.isoformat() if res.issued else (f"{res.year:04d}" if res.year else None)


def _note(path, res, slug, joined, first, alternative, left_out, titled, kind, issued) -> str:
    """A warning naming both printings: which one the node takes its title (type, date) from, and why they are one."""
    where = f"{first[0]}:{first[1]}" if first else "an earlier line of this report"
    parts = [f"{path}:{res.line}: resource {slug!r} (one node with {where}, by {joined or 'its first printing'})"]
    if alternative:
        parts.append(
            f"printed here as {alternative!r}: kept as its alternative name (schema:alternateName); its title is "
            f"{titled.title!r}"
        )
    for name in (n for n in left_out if n != "core"):  # core: see the module's rules, no conflict
        mine = res.type if name == "type" else _issued(res)
        node = kind if name == "type" else issued
        parts.append(f"its {name} here is {mine!r}, {node!r} there: one value per resource, this chat's left out")
    return "; ".join(parts)


def with_nodes(records: ChatRecords, identities: Identities) -> ChatRecords:
    """The chat's records with each resource named by its node's slug (and curated themes of a resource with it)."""
    printings = identities.of(records)
    renamed = {res.slug: p.node for res, p in zip(records.resources, printings, strict=True)}
    if all(old == new for old, new in renamed.items()):
        return records
    resources = [res.model_copy(update={"slug": p.node}) for res, p in zip(records.resources, printings, strict=True)]
    themes = [
        t.model_copy(update={"resource": renamed.get(t.resource, t.resource)}) if t.resource else t
        for t in records.curated_themes
    ]
    return records.model_copy(update={"resources": resources, "curated_themes": themes})
