"""What every step of turning one chat's records into triples shares: the writer that stamps each node with
type, label, provenance and source line, the alias table, and the chat's identity."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Protocol

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from kg import iris
from kg.iris import QI
from kg.records import ChatRecords, Tweet
from kg.sources.aliases import AliasTable, handle_key

QUOTE_CLASS = {"tweet": QI.Tweet, "comment": QI.Comment, "pullquote": QI.PullQuote}
QUOTE_WORD = {"tweet": "Tweet", "comment": "Comment", "pullquote": "Pull-quote"}
RANKING_LABEL = {
    "most-active": "Most active accounts",
    "original-tweets": "Most original tweets",
    "highest-impact": "Highest impact accounts",
}
LABEL_TEXT_CHARS = 80


class Aliases(Protocol):
    """What the build needs from `kg.sources.aliases.AliasTable`."""

    def canonical(self, handle: str) -> str: ...

    def other_accounts(self, canonical: str) -> list[str]: ...

    def same_agent_source(self, canonical: str) -> str: ...


def spelling_aliases(records: ChatRecords) -> AliasTable:
    """When no alias table is given: the one resolver (`AliasTable`) with nothing curated, so spellings that differ
    only in case are one account, spelt as on its own tweet card, else the most frequent, else the first seen."""
    table = AliasTable()
    table.observe(
        (h for _, h in handle_occurrences(records)), own=(q.author for q in records.quotes if isinstance(q, Tweet))
    )
    return table


def handle_occurrences(records: ChatRecords) -> list[tuple[int, str]]:
    """Every handle the records name, with the line it was seen on, in source order."""
    out: list[tuple[int, str]] = []
    out += [(a.line, a.handle) for a in records.accounts]
    out += [(p.line, p.handle) for p in records.people if p.handle]
    out += [(o.line, o.handle) for o in records.organisations if o.handle]
    panel_line = {handle_key(p.handle): p.line for p in records.people if p.handle}
    out += [(panel_line.get(handle_key(h), records.chat.line), h) for h in records.panel]
    out += [(q.line, q.asked_by) for q in records.questions if q.asked_by]
    for q in records.quotes:
        out.append((q.line, q.author))
        out += [(q.line, h) for h in q.mentions]
        if isinstance(q, Tweet):
            out += [(q.line, h) for h in q.replying_to]
    out += [(r.line, r.handle) for r in records.influencers]
    for r in records.resources:
        out += [(r.line, h) for h in r.shared_by]
    return sorted(out, key=lambda x: x[0])


def connecting_handles(records: ChatRecords) -> list[str]:
    """Handles in a role that makes an account a participant (vocabulary.md: took part, was quoted, or shared)."""
    out = [h for h in records.panel]
    out += [q.asked_by for q in records.questions if q.asked_by]
    for q in records.quotes:
        out += [q.author, *q.mentions]
        if isinstance(q, Tweet):
            out += q.replying_to
    out += [r.handle for r in records.influencers]
    for res in records.resources:
        out += res.shared_by
    return out


def account_holders(records: ChatRecords, canonical: Callable[[str], str]) -> dict[str, str]:
    """Canonical handle -> slug of the organisation or team that holds the account, by the report's own words or the
    shared curation (never a line number): the organisation's `handle` (kg/data/organisations.yaml), a panel line
    that says its person speaks on behalf of one ('X, on behalf of Y @h'), or a display name the report shows for
    the account that is exactly the name or an alternative name of an organisation the report holds ('WBS')."""
    named = {fold(n): o.slug for o in records.organisations for n in [o.name, *o.alt_names]}
    shown = [(a.handle, a.display_name) for a in records.accounts if a.display_name]
    shown += [(q.author, q.display_name) for q in records.quotes if isinstance(q, Tweet) and q.display_name]
    shown += [(e.handle, e.display_name) for e in records.influencers]
    holders: dict[str, str] = {}
    for handle, name in sorted(shown, key=lambda x: (canonical(x[0]), x[1])):
        if fold(name) in named:
            holders.setdefault(canonical(handle), named[fold(name)])
    for p in records.people:
        if p.handle and p.on_behalf_of:
            holders[canonical(p.handle)] = p.on_behalf_of
    for o in records.organisations:
        if o.handle:
            holders[canonical(o.handle)] = o.slug
    return holders


def team_accounts(records: ChatRecords, aliases: Aliases, holders: dict[str, str] | None = None) -> set[str]:
    """Canonical handles of the accounts that are an organisation's or team's, not a person's: the record says so,
    an organisation or team holds it (`account_holders`), or the shared curation lists it (kg/data/aliases.yaml;
    `kg.rdf.assemble` also lists there every account one chat shows to be a team's, so every chat agrees)."""

    def canonical(h: str) -> str:
        return aliases.canonical(h.lstrip("@"))

    listed = getattr(aliases, "is_organisation_account", lambda canon: False)
    out = {canonical(a.handle) for a in records.accounts if a.kind == "organisation"}
    out |= set(account_holders(records, canonical) if holders is None else holders)
    out |= {c for c in (canonical(h) for _, h in handle_occurrences(records)) if listed(c)}
    return out


def fold(name: str) -> str:
    """Names compared as printed, up to case and runs of spaces (no fuzzier: a near name is another agent)."""
    return " ".join(name.split()).casefold()


def short(text: str, limit: int = LABEL_TEXT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def date_time(day: dt.date, time: dt.time, offset: str) -> Literal:
    return Literal(f"{day.isoformat()}T{time.strftime('%H:%M:%S')}{offset}", datatype=XSD.dateTime)


def number(value: float) -> Literal:
    """Whole figures as xsd:integer (521 people), others as xsd:decimal: as stated, no float noise."""
    if float(value).is_integer():
        return Literal(int(value), datatype=XSD.integer)
    return Literal(str(value), datatype=XSD.decimal)


class Writer:
    """Adds triples to one source graph; `node` stamps the four things every node must carry."""

    def __init__(self, graph: Graph, source: URIRef) -> None:
        self.g = graph
        self.source = source

    def node(self, subject: URIRef, types: Iterable[URIRef], label: str, line: int) -> URIRef:
        for t in types:
            self.g.add((subject, RDF.type, t))
        self.g.add((subject, RDFS.label, Literal(label)))
        self.g.add((subject, PROV.wasDerivedFrom, self.source))
        self.g.add((subject, QI.sourceLine, Literal(line, datatype=XSD.integer)))
        return subject

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal | str | int | bool | None) -> None:
        """Add one triple; `None` (a fact the source does not give) adds nothing."""
        if o is None:
            return
        if isinstance(o, bool):
            o = Literal(o, datatype=XSD.boolean)
        elif isinstance(o, int):
            o = Literal(o, datatype=XSD.integer)
        elif isinstance(o, str) and not isinstance(o, URIRef):
            o = Literal(o)
        self.g.add((s, p, o))


class ChatContext:
    """One chat being built: its records, the writer of its source graph, the alias table and the thesaurus."""

    def __init__(
        self, records: ChatRecords, graph: Graph, aliases: Aliases, thesaurus: Graph, printings: list | None = None
    ) -> None:
        self.r = records
        self.printings = printings  # kg.rdf.identity.Printing of each resource; None: each as this chat printed it
        self.w = Writer(graph, iris.source(records.source_slug))
        self.aliases = aliases
        self.thesaurus = thesaurus
        self.slug = records.chat.slug
        self.chat = iris.chat(self.slug)
        self.quote_at_line: dict[int, list[URIRef]] = defaultdict(list)
        self.warnings: list[str] = list(records.warnings)
        self.holders = account_holders(records, lambda h: aliases.canonical(h.lstrip("@")))
        self.team_accounts = self._team_accounts()

    def _team_accounts(self) -> set[str]:
        return team_accounts(self.r, self.aliases, self.holders)

    # -- helpers -------------------------------------------------------------------------------------------------

    def who(self, handle: str) -> URIRef:
        """The participant node for a handle as printed (through the alias table)."""
        return iris.participant(self.aliases.canonical(handle.lstrip("@")))

    def agent_named(self, name: str) -> URIRef | None:
        """The one node of this chat's graph that the source names exactly `name` (up to case and spaces): a person
        the report names with a handle (their account, or their own node when they speak for a team's account),
        an account by the display name its card or a table shows, an organisation by its name or an alternative
        name, a person named without an account (the report's author, a collaborator), or an account by its handle
        ('@HelenBevan'). None when no node or more than one has that name: no guessing, no near names."""
        key = fold(name)
        if key.startswith("@"):
            handle = self.aliases.canonical(key.lstrip("@"))
            seen = {
                self.who(h) for _, h in handle_occurrences(self.r) if self.aliases.canonical(h.lstrip("@")) == handle
            }
            return next(iter(seen)) if len(seen) == 1 else None
        found: set[URIRef] = set()
        for p in self.r.people:  # people named without a handle (a role in the narrative) have no node
            if p.handle and fold(p.name) == key:
                found.add(self.person_for_name(p.name))
        shown = [(a.handle, a.display_name) for a in self.r.accounts if a.display_name]
        shown += [(q.author, q.display_name) for q in self.r.quotes if isinstance(q, Tweet) and q.display_name]
        shown += [(e.handle, e.display_name) for e in self.r.influencers]
        for handle, display in shown:
            if fold(display) == key:
                canon = self.aliases.canonical(handle.lstrip("@"))
                holder = self.holders.get(canon)
                found.add(iris.organisation(holder) if holder else self.who(handle))
        for o in self.r.organisations:
            if key in {fold(n) for n in [o.name, *o.alt_names]}:
                found.add(iris.organisation(o.slug))
        for named in [self.r.chat.report_author, *self.r.chat.collaborators]:
            if fold(named) == key:
                found.add(self.person_for_name(named))
        return next(iter(found)) if len(found) == 1 else None

    def person_for_name(self, name: str) -> URIRef:
        """A named person: their account when a person record gives one, else a name-only node."""
        for p in self.r.people:
            if p.handle and p.name.casefold() == name.casefold():
                if self.aliases.canonical(p.handle.lstrip("@")) in self.team_accounts:
                    break  # a team's account is not the person who speaks for it: the person's own node
                return self.who(p.handle)
        return iris.person_name(name)
