"""What was said and shared: tweet cards, comments and pull-quotes with their counts, and the shared resources."""

from __future__ import annotations

from rdflib import XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg import iris
from kg.iris import BIBO, FOAF, QI, SCHEMA
from kg.rdf.context import (
    QUOTE_CLASS,
    QUOTE_WORD,
    ChatContext,
    short,
)
from kg.records import Tweet


def quotes(ctx: ChatContext) -> None:
    w = ctx.w
    numbers = {q.number for q in ctx.r.questions}
    for q in ctx.r.quotes:
        node = iris.quote(ctx.slug, q.number)
        ctx.quote_at_line[q.line].append(node)
        label = f"{QUOTE_WORD[q.kind]} by @{ctx.aliases.canonical(q.author)}: {short(q.text)}"
        w.node(node, [QUOTE_CLASS[q.kind]], label, q.line)
        w.add(node, QI.number, q.number)
        w.add(node, QI.text, q.text)
        w.add(node, QI.saidBy, ctx.who(q.author))
        w.add(node, QI.inChat, ctx.chat)
        if q.question is not None:
            if q.question in numbers:
                w.add(node, QI.answers, iris.question(ctx.slug, q.question))
            else:
                ctx.warnings.append(f"line {q.line}: quote {q.number} answers unknown question {q.question}")
        for h in q.mentions:
            w.add(node, QI.mentions, ctx.who(h))
        for tag in q.hashtags:
            w.add(node, QI.hashtag, tag.lstrip("#"))
        w.add(node, QI.attribution, q.attributed_by)
        if isinstance(q, Tweet):
            tweet_details(ctx, node, q)


def tweet_details(ctx: ChatContext, node: URIRef, q: Tweet) -> None:
    w = ctx.w
    if q.asks is not None and q.asks in {x.number for x in ctx.r.questions}:
        w.add(node, QI.asks, iris.question(ctx.slug, q.asks))  # the question's own tweet (qi:askedIn back)
    if q.quotes_tweet is not None:
        quoted = [x for x in ctx.r.quotes if x.line == q.quotes_tweet and isinstance(x, Tweet)]
        if quoted:
            w.add(node, QI.quotesTweet, iris.quote(ctx.slug, quoted[0].number))
        else:
            ctx.warnings.append(f"line {q.line}: quote {q.number} quotes the card on line {q.quotes_tweet}: no tweet")
    w.add(node, QI.quotedText, q.quoted_text)  # the quoted tweet shown without its card: its words, no node
    if q.date:
        w.add(node, DCTERMS.date, Literal(q.date.isoformat(), datatype=XSD.date))
    for h in q.replying_to:
        w.add(node, QI.repliesTo, ctx.who(h))
    if q.replying_to_others:
        w.add(node, QI.replyingToOthers, q.replying_to_others)
    line = q.counts_line or q.line
    for c in q.counts:
        cnode = iris.engagement(ctx.slug, q.number, c.position)
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


def resources(ctx: ChatContext) -> None:
    w = ctx.w
    sections = sorted(ctx.r.questions, key=lambda q: q.section_start)
    for i, res in enumerate(ctx.r.resources):
        printing = ctx.printings[i] if ctx.printings is not None else None
        left_out = printing.left_out if printing else ()
        node = w.node(iris.resource(res.slug), [QI.Resource], res.label, res.line)
        if printing is None or printing.states_title:
            w.add(node, DCTERMS.title, res.title)
        else:  # another chat printed the node's title first: this report's printing is an alternative name
            w.add(node, SCHEMA.alternateName, printing.alternative)
        if "type" not in left_out:
            w.add(node, QI.resourceType, res.type)
        if "core" not in left_out:  # a shared printing of a resource another printing lists as core: kg.rdf.identity
            w.add(node, QI.core, res.core)
        for name in res.creators:
            w.add(node, DCTERMS.creator, creator(ctx, res.slug, name, res.line))
            w.add(node, QI.creatorName, name)  # as printed, for the citation and for reading
        if "issued" in left_out:
            pass
        elif res.issued:
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
        w.add(node, QI.inChat, ctx.chat)
        for h in res.shared_by:
            w.add(node, QI.sharedBy, ctx.who(h))
        for line in res.discussed_at:
            for quote in ctx.quote_at_line.get(line, []):
                w.add(node, QI.discussedIn, quote)
            for q in sections:
                if q.section_start <= line <= q.section_end:
                    w.add(node, QI.inQuestionSection, iris.question(ctx.slug, q.number))


def creator(ctx: ChatContext, resource_slug: str, name: str, line: int) -> URIRef:
    """The agent a resource's creator names: the graph's node of exactly that name (`ChatContext.agent_named`), else a
    foaf:Agent of its own for this resource, named as printed (person or organisation: the citation does not say)."""
    found = ctx.agent_named(name)
    if found is not None:
        return found
    node = ctx.w.node(iris.creator(resource_slug, name), [FOAF.Agent], name, line)
    ctx.w.add(node, FOAF.name, name)
    return node
