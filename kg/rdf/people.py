"""Organisations and participants of one chat: accounts through every spelling, people named without one."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rdflib import URIRef

from kg import iris
from kg.iris import FOAF, ORG, QI
from kg.rdf.context import (
    ChatContext,
    connecting_handles,
    handle_occurrences,
)
from kg.records import Person, Tweet


def organisations(ctx: ChatContext) -> None:
    """The organisations this report prints. A parent (`part_of`) is stated only where this chat's graph makes the
    parent's node: the extraction already leaves out a curated parent the report does not print, with a warning
    naming the curation's line (`kg.extract.report.printed_parents`); a records file may still name one."""
    w = ctx.w
    held = {o.slug for o in ctx.r.organisations}
    for o in ctx.r.organisations:
        types = [QI.Organisation, ORG.OrganizationalUnit] if o.kind == "team" else [QI.Organisation]
        node = w.node(iris.organisation(o.slug), types, o.name, o.line)
        for alt in o.alt_names:
            w.add(node, QI.altName, alt)
        w.add(node, QI.orgKind, o.kind)
        if o.part_of and o.part_of in held:
            w.add(node, ORG.subOrganizationOf, iris.organisation(o.part_of))
        elif o.part_of:
            ctx.warnings.append(
                f"{ctx.r.source_path}: organisations: {o.name} (line {o.line}) is part of {o.part_of}, which the "
                "source holds no organisation for: no org:subOrganizationOf in this chat's graph"
            )


def participants(ctx: ChatContext) -> None:
    r, w = ctx.r, ctx.w
    spellings: dict[str, set[str]] = defaultdict(set)
    first_line: dict[str, int] = {}
    for line, handle in handle_occurrences(r):
        canon = ctx.aliases.canonical(handle.lstrip("@"))
        spellings[canon].add(handle.lstrip("@"))
        first_line[canon] = min(first_line.get(canon, line), line)

    display: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a in r.accounts:
        if a.display_name:
            display[ctx.aliases.canonical(a.handle)].append((a.line, a.display_name))
    for q in r.quotes:
        if isinstance(q, Tweet) and q.display_name:
            display[ctx.aliases.canonical(q.author)].append((q.line, q.display_name))
    names = {ctx.aliases.canonical(p.handle): p for p in r.people if p.handle}
    holder_of = ctx.holders
    holder_name = {o.slug: o.name for o in r.organisations}
    kinds: dict[str, set[str]] = defaultdict(set)
    for a in r.accounts:
        kinds[ctx.aliases.canonical(a.handle)].add(a.kind)

    connected = {ctx.aliases.canonical(h) for h in connecting_handles(r)}
    nodes = connected & set(spellings)  # the accounts this chat's graph makes a participant node
    for canon in sorted(spellings):
        if canon not in connected:
            ctx.warnings.append(
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
        holder = holder_of.get(canon)
        is_org = canon in ctx.team_accounts
        if is_org:
            types = [QI.Participant, QI.OrganisationAccount]
            name = shown[0] if shown else holder_name.get(holder or "")
        else:
            types = (
                [QI.Participant, FOAF.Person] if person is not None or "person" in kinds[canon] else [QI.Participant]
            )
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
            for slug in person.affiliations:  # the organisation the panel line prints beside the account
                w.add(node, QI.affiliatedWith, iris.organisation(slug))
            if is_org:
                speaker(ctx, person, node)
            else:
                w.add(node, FOAF.name, person.name)
                w.add(node, QI.role, person.role)
        if holder is not None:
            w.add(node, QI.accountOf, iris.organisation(holder))
        for other in ctx.aliases.other_accounts(canon):
            other_canon = ctx.aliases.canonical(other)
            other_node = iris.participant(other_canon)
            if other_node == node:
                continue
            if other_canon not in nodes:  # the other account is not in this chat: its graph says nothing of it
                report = Path(r.source_path).name
                ctx.warnings.append(
                    f"{ctx.aliases.same_agent_source(canon)}: same_agent: @{other_canon} is not in {report}: no "
                    f"qi:sameAgentAs from @{canon} ({report}:{first_line[canon]}) in this chat's graph"
                )
                continue
            w.add(node, QI.sameAgentAs, other_node)
            w.add(other_node, QI.sameAgentAs, node)
    for handle in r.panel:
        w.add(ctx.who(handle), QI.panelistOf, ctx.chat)


def speaker(ctx: ChatContext, person: Person, account: URIRef) -> None:
    """The person the report names beside a team's or organisation's account: a node of their own (by name, as the
    report's author is) that speaks for the account; the account's words stay the account's."""
    w = ctx.w
    node = w.node(iris.person_name(person.name), [FOAF.Person], person.name, person.line)
    w.add(node, FOAF.name, person.name)
    w.add(node, QI.role, person.role)
    for slug in person.affiliations:
        w.add(node, QI.affiliatedWith, iris.organisation(slug))
    w.add(node, QI.speaksFor, account)


def named_people(ctx: ChatContext) -> None:
    """People named without an account (the report's author, collaborators) get a name-only node."""
    c, w = ctx.r.chat, ctx.w
    for name in [c.report_author, *c.collaborators]:
        node = ctx.person_for_name(name)
        if node == iris.person_name(name):
            w.node(node, [FOAF.Person], name, c.line)
            w.add(node, FOAF.name, name)
