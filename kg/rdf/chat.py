"""The chat itself: its source document, schedule and follow-ups, questions, analytics, rankings and lessons."""

from __future__ import annotations

from collections import defaultdict

from rdflib import RDF, XSD, Literal
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg import iris
from kg.iris import QI, SCHEMA
from kg.rdf.context import (
    RANKING_LABEL,
    ChatContext,
    date_time,
    number,
    short,
)


def source_document(ctx: ChatContext) -> None:
    r, w = ctx.r, ctx.w
    w.node(w.source, [QI.SourceDocument], r.source_title, 1)
    w.add(w.source, DCTERMS.title, r.source_title)
    w.add(w.source, DCTERMS.creator, ctx.person_for_name(r.chat.report_author))  # an agent (named_people)
    w.add(w.source, QI.creatorName, r.chat.report_author)
    publisher = next((o.name for o in r.organisations if o.slug == r.chat.report_for), None)
    w.add(w.source, DCTERMS.publisher, publisher)
    w.add(w.source, QI.sha256, r.source_sha256)
    w.add(w.source, QI.path, r.source_path)


def chats(ctx: ChatContext) -> None:
    c, w = ctx.r.chat, ctx.w
    node = w.node(ctx.chat, [QI.TweetChat], c.title, c.line)
    w.add(node, DCTERMS.title, c.title)
    w.add(node, DCTERMS.date, Literal(c.date.isoformat(), datatype=XSD.date))
    w.add(node, SCHEMA.startDate, date_time(c.date, c.start, c.utc_offset))
    w.add(node, SCHEMA.endDate, date_time(c.date, c.end, c.utc_offset))
    w.add(node, QI.timeZone, c.timezone)
    w.add(node, QI.status, "held")
    for tag in c.hashtags:
        w.add(node, QI.hashtag, tag.lstrip("#"))
    w.add(node, QI.host, iris.organisation(c.host))
    for slug in c.partners:
        w.add(node, QI.partner, iris.organisation(slug))
    w.add(node, QI.reportAuthor, ctx.person_for_name(c.report_author))
    for name in c.collaborators:
        w.add(node, QI.collaborator, ctx.person_for_name(name))
    for f in ctx.r.follow_ups:
        fnode = iris.chat(f.date.isoformat())
        w.node(fnode, [QI.TweetChat], f"Tweet chat of {f.date.isoformat()} (announced)", f.line)
        w.add(fnode, DCTERMS.date, Literal(f.date.isoformat(), datatype=XSD.date))
        w.add(fnode, SCHEMA.startDate, date_time(f.date, f.start, f.utc_offset))
        w.add(fnode, SCHEMA.endDate, date_time(f.date, f.end, f.utc_offset))
        w.add(fnode, QI.timeZone, f.timezone)
        w.add(fnode, QI.status, "announced")
        w.add(fnode, QI.announcedIn, w.source)


def questions(ctx: ChatContext) -> None:
    w = ctx.w
    quote_lines = {q.line: iris.quote(ctx.slug, q.number) for q in ctx.r.quotes}
    for q in ctx.r.questions:
        node = iris.question(ctx.slug, q.number)
        label = f"Q{q.number}: {short(q.text)}" if q.text else f"Q{q.number} (words not in the report)"
        w.node(node, [QI.Question], label, q.line)
        w.add(node, QI.number, q.number)
        w.add(node, QI.text, q.text)
        w.add(node, QI.inChat, ctx.chat)
        if q.asked_by:
            w.add(node, QI.askedBy, ctx.who(q.asked_by))
        if q.asked_in_line is not None and q.asked_in_line in quote_lines:
            w.add(node, QI.askedIn, quote_lines[q.asked_in_line])


def measurements(ctx: ChatContext) -> None:
    w = ctx.w
    for m in ctx.r.measurements:
        node = w.node(iris.measurement(ctx.slug, m.slug), [QI.Measurement], m.label, m.line)
        w.add(node, QI.value, number(m.value))
        w.add(node, QI.qualifier, m.qualifier)
        w.add(node, QI.unit, m.unit)
        w.add(node, QI.about, ctx.chat)
        if m.period_start:
            w.add(node, QI.periodStart, Literal(m.period_start.isoformat(), datatype=XSD.date))
        if m.period_end:
            w.add(node, QI.periodEnd, Literal(m.period_end.isoformat(), datatype=XSD.date))
        w.add(node, QI.periodLabel, m.period_label)
        if m.measured_by:
            tool = w.node(iris.tool(iris.slugify(m.measured_by)), [QI.Tool], m.measured_by, m.line)
            w.add(node, QI.measuredBy, tool)


def rankings(ctx: ChatContext) -> None:
    w = ctx.w
    by_ranking: dict[str, list] = defaultdict(list)
    for e in ctx.r.influencers:
        by_ranking[e.ranking].append(e)
    for slug in sorted(by_ranking):
        entries = sorted(by_ranking[slug], key=lambda e: e.rank)
        node = iris.ranking(ctx.slug, slug)
        name = RANKING_LABEL.get(slug, slug.replace("-", " ").capitalize())  # another table's: 'Most mentioned'
        w.node(node, [QI.Ranking], name, min(e.line for e in entries))
        w.add(node, QI.about, ctx.chat)
        for e in entries:
            enode = iris.rank_entry(ctx.slug, slug, e.rank)
            who = ctx.who(e.handle)
            label = f"{name} #{e.rank}: @{ctx.aliases.canonical(e.handle)}"
            w.node(enode, [QI.RankEntry], f"{label} ({e.value} {e.unit})", e.line)
            w.add(node, QI.entry, enode)
            w.add(enode, QI.rank, e.rank)
            w.add(enode, QI.participant, who)
            w.add(enode, QI.value, e.value)
            w.add(enode, QI.unit, e.unit)
            w.add(enode, QI.displayName, e.display_name)


def lessons(ctx: ChatContext) -> None:
    """Lessons are thesaurus concepts; the source graph only records where the report states them."""
    w = ctx.w
    first: dict[str, int] = {}
    notes: dict[str, list[str]] = defaultdict(list)
    for lesson in ctx.r.lessons:
        first[lesson.slug] = min(first.get(lesson.slug, lesson.line), lesson.line)
        notes[lesson.slug] += lesson.notes
    for slug in sorted(first):
        node = iris.theme(slug)
        if (node, RDF.type, None) not in ctx.thesaurus:
            ctx.warnings.append(f"line {first[slug]}: lesson {slug!r} is not a concept of the thesaurus")
        w.add(node, PROV.wasDerivedFrom, w.source)
        w.add(node, QI.sourceLine, first[slug])
        for note in dict.fromkeys(notes[slug]):
            w.add(node, SKOS.note, note)
