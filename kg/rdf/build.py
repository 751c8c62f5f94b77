"""Records -> RDF: one named graph of facts per source document, plus the TBox and the thesaurus.

Every node gets `rdf:type`, `rdfs:label`, `prov:wasDerivedFrom` (the source document) and `qi:sourceLine` (the first
line it was read from), so any fact can be traced back to the report. IRIs come from `kg.iris` only, and nothing here
depends on iteration order of sets or dicts, so the same records always give the same triples.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg import iris
from kg.iris import BIBO, FOAF, ORG, QI, SCHEMA
from kg.records import ChatRecords, Quote, Tweet
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


def spelling_aliases(records: ChatRecords) -> AliasTable:
    """When no alias table is given: the one resolver (`AliasTable`) with nothing curated, so spellings that differ
    only in case are one account, spelt as on its own tweet card, else the most frequent, else the first seen."""
    table = AliasTable()
    table.observe(
        (h for _, h in handle_occurrences(records)), own=(q.author for q in records.quotes if isinstance(q, Tweet))
    )
    return table


_key = handle_key


def handle_occurrences(records: ChatRecords) -> list[tuple[int, str]]:
    """Every handle the records name, with the line it was seen on, in source order."""
    out: list[tuple[int, str]] = []
    out += [(a.line, a.handle) for a in records.accounts]
    out += [(p.line, p.handle) for p in records.people if p.handle]
    out += [(o.line, o.handle) for o in records.organisations if o.handle]
    panel_line = {_key(p.handle): p.line for p in records.people if p.handle}
    out += [(panel_line.get(_key(h), records.chat.line), h) for h in records.panel]
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


def _connecting_handles(records: ChatRecords) -> list[str]:
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


def _short(text: str, limit: int = LABEL_TEXT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _date_time(day: dt.date, time: dt.time, offset: str) -> Literal:
    return Literal(f"{day.isoformat()}T{time.strftime('%H:%M:%S')}{offset}", datatype=XSD.dateTime)


def _number(value: float) -> Literal:
    """Whole figures as xsd:integer (521 people), others as xsd:decimal: as stated, no float noise."""
    if float(value).is_integer():
        return Literal(int(value), datatype=XSD.integer)
    return Literal(str(value), datatype=XSD.decimal)


class _Writer:
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


class _ChatBuilder:
    """Turns one `ChatRecords` into triples of its source graph."""

    def __init__(self, records: ChatRecords, graph: Graph, aliases: Aliases, thesaurus: Graph) -> None:
        self.r = records
        self.w = _Writer(graph, iris.source(records.source_slug))
        self.aliases = aliases
        self.thesaurus = thesaurus
        self.slug = records.chat.slug
        self.chat = iris.chat(self.slug)
        self.quote_at_line: dict[int, list[URIRef]] = defaultdict(list)
        self.warnings: list[str] = list(records.warnings)

    # -- helpers -------------------------------------------------------------------------------------------------

    def who(self, handle: str) -> URIRef:
        """The participant node for a handle as printed (through the alias table)."""
        return iris.participant(self.aliases.canonical(handle.lstrip("@")))

    def person_for_name(self, name: str) -> URIRef:
        """A named person: their account when a person record gives one, else a name-only node."""
        for p in self.r.people:
            if p.handle and p.name.casefold() == name.casefold():
                return self.who(p.handle)
        return iris.person_name(name)

    # -- sections ------------------------------------------------------------------------------------------------

    def build(self) -> list[str]:
        self.source_document()
        self.organisations()
        self.participants()
        self.named_people()
        self.chats()
        self.questions()
        self.quotes()
        self.measurements()
        self.rankings()
        self.lessons()
        self.resources()
        return self.warnings

    def source_document(self) -> None:
        r, w = self.r, self.w
        w.node(w.source, [QI.SourceDocument], r.source_title, 1)
        w.add(w.source, DCTERMS.title, r.source_title)
        w.add(w.source, DCTERMS.creator, r.chat.report_author)
        publisher = next((o.name for o in r.organisations if o.slug == r.chat.report_for), None)
        w.add(w.source, DCTERMS.publisher, publisher)
        w.add(w.source, QI.sha256, r.source_sha256)
        w.add(w.source, QI.path, r.source_path)

    def organisations(self) -> None:
        w = self.w
        for o in self.r.organisations:
            node = w.node(iris.organisation(o.slug), [QI.Organisation], o.name, o.line)
            for alt in o.alt_names:
                w.add(node, QI.altName, alt)
            w.add(node, QI.orgKind, o.kind)
            if o.part_of:
                w.add(node, ORG.subOrganizationOf, iris.organisation(o.part_of))

    def participants(self) -> None:
        r, w = self.r, self.w
        spellings: dict[str, set[str]] = defaultdict(set)
        first_line: dict[str, int] = {}
        for line, handle in handle_occurrences(r):
            canon = self.aliases.canonical(handle.lstrip("@"))
            spellings[canon].add(handle.lstrip("@"))
            first_line[canon] = min(first_line.get(canon, line), line)

        display: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for a in r.accounts:
            if a.display_name:
                display[self.aliases.canonical(a.handle)].append((a.line, a.display_name))
        for q in r.quotes:
            if isinstance(q, Tweet) and q.display_name:
                display[self.aliases.canonical(q.author)].append((q.line, q.display_name))
        names = {self.aliases.canonical(p.handle): p for p in r.people if p.handle}
        org_of = {self.aliases.canonical(o.handle): o.slug for o in r.organisations if o.handle}
        kinds: dict[str, set[str]] = defaultdict(set)
        for a in r.accounts:
            kinds[self.aliases.canonical(a.handle)].add(a.kind)
        listed_org = getattr(self.aliases, "is_organisation_account", lambda canon: False)

        connected = {self.aliases.canonical(h) for h in _connecting_handles(r)}
        for canon in sorted(spellings):
            if canon not in connected:
                self.warnings.append(
                    f"line {first_line[canon]}: @{canon} takes no part in the chat (no quote, question, share, panel "
                    "seat, ranking, mention or reply): no participant node"
                )
                continue
            node = iris.participant(canon)
            shown = sorted(
                set(n for _, n in display.get(canon, [])),
                key=lambda n: min(line for line, m in display[canon] if m == n),
            )
            person = names.get(canon)
            is_org = "organisation" in kinds[canon] or canon in org_of or listed_org(canon)
            if is_org:
                types = [QI.Participant, QI.OrganisationAccount]
            elif person is not None or "person" in kinds[canon]:
                types = [QI.Participant, FOAF.Person]
            else:
                types = [QI.Participant]
            name = person.name if person else (shown[0] if shown else None)
            label = f"{name} (@{canon})" if name else f"@{canon}"
            w.node(node, types, label, first_line[canon])
            w.add(node, QI.handle, canon)
            w.add(node, QI.isOrganisationAccount, is_org)
            for alias in sorted(spellings[canon] - {canon}):
                w.add(node, QI.alias, alias)
            for shown_name in shown:
                w.add(node, QI.displayName, shown_name)
            if person is not None:
                w.add(node, FOAF.name, person.name)
                w.add(node, QI.role, person.role)
                for slug in person.affiliations:
                    w.add(node, QI.affiliatedWith, iris.organisation(slug))
            if canon in org_of:
                w.add(node, QI.accountOf, iris.organisation(org_of[canon]))
            for other in self.aliases.other_accounts(canon):
                other_node = iris.participant(self.aliases.canonical(other))
                if other_node != node:
                    w.add(node, QI.sameAgentAs, other_node)
                    w.add(other_node, QI.sameAgentAs, node)
        for handle in r.panel:
            w.add(self.who(handle), QI.panelistOf, self.chat)

    def named_people(self) -> None:
        """People named without an account (the report's author, collaborators) get a name-only node."""
        c, w = self.r.chat, self.w
        for name in [c.report_author, *c.collaborators]:
            node = self.person_for_name(name)
            if node == iris.person_name(name):
                w.node(node, [FOAF.Person], name, c.line)
                w.add(node, FOAF.name, name)

    def chats(self) -> None:
        c, w = self.r.chat, self.w
        node = w.node(self.chat, [QI.TweetChat], c.title, c.line)
        w.add(node, DCTERMS.title, c.title)
        w.add(node, DCTERMS.date, Literal(c.date.isoformat(), datatype=XSD.date))
        w.add(node, SCHEMA.startDate, _date_time(c.date, c.start, c.utc_offset))
        w.add(node, SCHEMA.endDate, _date_time(c.date, c.end, c.utc_offset))
        w.add(node, QI.timeZone, c.timezone)
        w.add(node, QI.status, "held")
        for tag in c.hashtags:
            w.add(node, QI.hashtag, tag.lstrip("#"))
        w.add(node, QI.host, iris.organisation(c.host))
        for slug in c.partners:
            w.add(node, QI.partner, iris.organisation(slug))
        w.add(node, QI.reportAuthor, self.person_for_name(c.report_author))
        for name in c.collaborators:
            w.add(node, QI.collaborator, self.person_for_name(name))
        for f in self.r.follow_ups:
            fnode = iris.chat(f.date.isoformat())
            w.node(fnode, [QI.TweetChat], f"Tweet chat of {f.date.isoformat()} (announced)", f.line)
            w.add(fnode, DCTERMS.date, Literal(f.date.isoformat(), datatype=XSD.date))
            w.add(fnode, SCHEMA.startDate, _date_time(f.date, f.start, f.utc_offset))
            w.add(fnode, SCHEMA.endDate, _date_time(f.date, f.end, f.utc_offset))
            w.add(fnode, QI.timeZone, f.timezone)
            w.add(fnode, QI.status, "announced")
            w.add(fnode, QI.announcedIn, w.source)

    def questions(self) -> None:
        w = self.w
        quote_lines = {q.line: iris.quote(self.slug, q.number) for q in self.r.quotes}
        for q in self.r.questions:
            node = iris.question(self.slug, q.number)
            label = f"Q{q.number}: {_short(q.text)}" if q.text else f"Q{q.number} (words not in the report)"
            w.node(node, [QI.Question], label, q.line)
            w.add(node, QI.number, q.number)
            w.add(node, QI.text, q.text)
            w.add(node, QI.inChat, self.chat)
            if q.asked_by:
                w.add(node, QI.askedBy, self.who(q.asked_by))
            if q.asked_in_line is not None and q.asked_in_line in quote_lines:
                w.add(node, QI.askedIn, quote_lines[q.asked_in_line])

    def quotes(self) -> None:
        w = self.w
        numbers = {q.number for q in self.r.questions}
        for q in self.r.quotes:
            node = iris.quote(self.slug, q.number)
            self.quote_at_line[q.line].append(node)
            label = f"{QUOTE_WORD[q.kind]} by @{self.aliases.canonical(q.author)}: {_short(q.text)}"
            w.node(node, [QUOTE_CLASS[q.kind]], label, q.line)
            w.add(node, QI.number, q.number)
            w.add(node, QI.text, q.text)
            w.add(node, QI.saidBy, self.who(q.author))
            w.add(node, QI.inChat, self.chat)
            if q.question is not None:
                if q.question in numbers:
                    w.add(node, QI.answers, iris.question(self.slug, q.question))
                else:
                    self.warnings.append(f"line {q.line}: quote {q.number} answers unknown question {q.question}")
            for h in q.mentions:
                w.add(node, QI.mentions, self.who(h))
            for tag in q.hashtags:
                w.add(node, QI.hashtag, tag.lstrip("#"))
            w.add(node, QI.attribution, q.attributed_by)
            if isinstance(q, Tweet):
                self.tweet_details(node, q)

    def tweet_details(self, node: URIRef, q: Tweet) -> None:
        w = self.w
        if q.date:
            w.add(node, DCTERMS.date, Literal(q.date.isoformat(), datatype=XSD.date))
        for h in q.replying_to:
            w.add(node, QI.repliesTo, self.who(h))
        if q.replying_to_others:
            w.add(node, QI.replyingToOthers, q.replying_to_others)
        line = q.counts_line or q.line
        for c in q.counts:
            cnode = iris.engagement(self.slug, q.number, c.position)
            shown = f"{c.icon or ''} {'' if c.value is None else c.value}".strip()
            w.node(cnode, [QI.EngagementCount], f"Count {c.position} of quote {q.number}: {shown}", line)
            w.add(node, QI.engagement, cnode)
            w.add(cnode, QI.position, c.position)
            w.add(cnode, QI.icon, c.icon)
            w.add(cnode, QI.value, c.value)
            w.add(cnode, QI.metric, c.metric)
            convenience = {"like": QI.likeCount, "retweet": QI.retweetCount, "reply": QI.replyCount}
            if c.metric in convenience and c.value is not None:
                w.add(node, convenience[c.metric], c.value)

    def measurements(self) -> None:
        w = self.w
        for m in self.r.measurements:
            node = w.node(iris.measurement(self.slug, m.slug), [QI.Measurement], m.label, m.line)
            w.add(node, QI.value, _number(m.value))
            w.add(node, QI.qualifier, m.qualifier)
            w.add(node, QI.unit, m.unit)
            w.add(node, QI.about, self.chat)
            if m.period_start:
                w.add(node, QI.periodStart, Literal(m.period_start.isoformat(), datatype=XSD.date))
            if m.period_end:
                w.add(node, QI.periodEnd, Literal(m.period_end.isoformat(), datatype=XSD.date))
            w.add(node, QI.periodLabel, m.period_label)
            if m.measured_by:
                tool = w.node(iris.tool(iris.slugify(m.measured_by)), [QI.Tool], m.measured_by, m.line)
                w.add(node, QI.measuredBy, tool)

    def rankings(self) -> None:
        w = self.w
        by_ranking: dict[str, list] = defaultdict(list)
        for e in self.r.influencers:
            by_ranking[e.ranking].append(e)
        for slug in sorted(by_ranking):
            entries = sorted(by_ranking[slug], key=lambda e: e.rank)
            node = iris.ranking(self.slug, slug)
            w.node(node, [QI.Ranking], RANKING_LABEL.get(slug, slug), min(e.line for e in entries))
            w.add(node, QI.about, self.chat)
            for e in entries:
                enode = iris.rank_entry(self.slug, slug, e.rank)
                who = self.who(e.handle)
                label = f"{RANKING_LABEL.get(slug, slug)} #{e.rank}: @{self.aliases.canonical(e.handle)}"
                w.node(enode, [QI.RankEntry], f"{label} ({e.value} {e.unit})", e.line)
                w.add(node, QI.entry, enode)
                w.add(enode, QI.rank, e.rank)
                w.add(enode, QI.participant, who)
                w.add(enode, QI.value, e.value)
                w.add(enode, QI.unit, e.unit)
                w.add(enode, QI.displayName, e.display_name)

    def lessons(self) -> None:
        """Lessons are thesaurus concepts; the source graph only records where the report states them."""
        w = self.w
        first: dict[str, int] = {}
        notes: dict[str, list[str]] = defaultdict(list)
        for lesson in self.r.lessons:
            first[lesson.slug] = min(first.get(lesson.slug, lesson.line), lesson.line)
            notes[lesson.slug] += lesson.notes
        for slug in sorted(first):
            node = iris.theme(slug)
            if (node, RDF.type, None) not in self.thesaurus:
                self.warnings.append(f"line {first[slug]}: lesson {slug!r} is not a concept of the thesaurus")
            w.add(node, PROV.wasDerivedFrom, w.source)
            w.add(node, QI.sourceLine, first[slug])
            for note in dict.fromkeys(notes[slug]):
                w.add(node, SKOS.note, note)

    def resources(self) -> None:
        w = self.w
        sections = sorted(self.r.questions, key=lambda q: q.section_start)
        for res in self.r.resources:
            node = w.node(iris.resource(res.slug), [QI.Resource], res.label, res.line)
            w.add(node, DCTERMS.title, res.title)
            w.add(node, QI.resourceType, res.type)
            w.add(node, QI.core, res.core)
            for name in res.creators:
                w.add(node, DCTERMS.creator, name)
            if res.issued:
                w.add(node, DCTERMS.issued, Literal(res.issued.isoformat(), datatype=XSD.date))
            elif res.year:
                w.add(node, DCTERMS.issued, Literal(f"{res.year:04d}", datatype=XSD.gYear))
            w.add(node, DCTERMS.publisher, res.publisher)
            w.add(node, QI.container, res.container)
            w.add(node, BIBO.volume, res.volume)
            w.add(node, BIBO.pages, res.pages)
            w.add(node, BIBO.doi, res.doi)
            if res.url:
                w.add(node, SCHEMA.url, Literal(res.url, datatype=XSD.anyURI))
            w.add(node, DCTERMS.description, res.description)
            w.add(node, QI.inChat, self.chat)
            for h in res.shared_by:
                w.add(node, QI.sharedBy, self.who(h))
            for line in res.discussed_at:
                for quote in self.quote_at_line.get(line, []):
                    w.add(node, QI.discussedIn, quote)
                for q in sections:
                    if q.section_start <= line <= q.section_end:
                        w.add(node, QI.inQuestionSection, iris.question(self.slug, q.number))


def quote_records(records: ChatRecords) -> list[Quote]:
    """The chat's quotes in order of appearance (tweets, comments, pull-quotes alike)."""
    return sorted(records.quotes, key=lambda q: q.number)


def build_dataset(
    records: ChatRecords,
    aliases: Aliases | None = None,
    *,
    tbox: Graph | None = None,
    thesaurus: Graph | None = None,
    curated_path=None,
    warnings: list[str] | None = None,
) -> Dataset:
    """The chat's facts, the TBox and the thesaurus as one dataset (named graphs, see `kg.iris`).

    `tbox`/`thesaurus` default to the project ontology (`kg.rdf.ontology`); tests pass small graphs. Warnings (facts the
    build could not place) are appended to `warnings` when a list is given.
    """
    from kg.rdf import tagging

    if tbox is None or thesaurus is None:
        from kg.rdf import ontology

        tbox = ontology.tbox() if tbox is None else tbox
        thesaurus = ontology.thesaurus() if thesaurus is None else thesaurus
    ds = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        ds.bind(prefix, ns)
    onto_graph = ds.graph(iris.ONTOLOGY_GRAPH)
    for t in tbox:
        onto_graph.add(t)
    theme_graph = ds.graph(iris.THEMES_GRAPH)
    for t in thesaurus:
        theme_graph.add(t)
    facts = ds.graph(iris.source_graph(records.source_slug))
    if aliases is not None and hasattr(aliases, "observe"):  # unlisted case variants join their account
        aliases.observe(
            (h for _, h in handle_occurrences(records)), own=(q.author for q in records.quotes if isinstance(q, Tweet))
        )
    builder = _ChatBuilder(records, facts, aliases or spelling_aliases(records), thesaurus)
    found = builder.build()
    found += tagging.tag_records(records, facts, thesaurus, curated_path=curated_path)
    if warnings is not None:
        warnings.extend(found)
    return ds
