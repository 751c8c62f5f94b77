"""`qikg add REPORT --dry-run`: what a new chat source would bring into the graph, before anything changes.

Reads the registered chats and the new source exactly as the build would (`kg.sources.registry.load_records`), tags
the new chat's items with the same rules, and compares: counts per kind, people and organisations no registered chat
has, handles that look like an account already in the graph (with the evidence), items no theme matched, and every
warning. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg.records import ChatRecords


@dataclass
class Review:
    """What adding one source would do; `problems` are why it would be refused (then nothing else is filled)."""

    source: Path
    status: str = ""  # added | replaced | unchanged
    chat: str = ""
    graph: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    new_people: list[str] = field(default_factory=list)  # "@handle (name) line N"
    # "@handle (shown name), account of Org; Name speaks for it, line N": as the graph types it (kg.rdf.people)
    new_organisation_accounts: list[str] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)  # "Name (slug, kind) line N"
    likely_aliases: list[str] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what the build would refuse (facts clashing across chats)


def counts_of(records: ChatRecords) -> dict[str, int]:
    """How many records of each kind the chat has (quotes split by kind)."""
    kinds = Counter(q.kind for q in records.quotes)
    return {
        "questions": len(records.questions),
        "tweets": kinds.get("tweet", 0),
        "comments": kinds.get("comment", 0),
        "pull-quotes": kinds.get("pullquote", 0),
        "people": len(records.people),
        "accounts": len(records.accounts),
        "organisations": len(records.organisations),
        "resources": len(records.resources),
        "measurements": len(records.measurements),
        "influencer ranks": len(records.influencers),
        "follow-up chats": len(records.follow_ups),
        "curated themes": len(records.curated_themes),
    }


def review(source: Path, registry: Path | None = None, *, replace: bool = False) -> Review:
    """Review `source` against the chats of `registry`. Raises `SourceError` (file:line problems) as `add` would."""
    from kg import iris
    from kg.rdf import ontology, tagging
    from kg.rdf.assemble import alias_warnings
    from kg.rdf.build import handle_occurrences
    from kg.rdf.context import account_holders, team_accounts
    from kg.rdf.identity import resource_identities
    from kg.sources.aliases import AliasTable
    from kg.sources.registry import Registry, check_across, load_records

    reg = Registry.load(registry)
    plan = reg.plan_add(source, replace=replace)
    new = plan.result.records
    others = [(reg.resolve(e), load_records(reg.resolve(e))) for e in reg.entries if e.slug != new.source_slug]
    out = Review(Path(source), plan.result.status, new.chat.slug, str(iris.source_graph(new.source_slug)))
    out.counts = counts_of(new)
    aliases = AliasTable.load()
    every = [r for _, r in others] + [new]
    aliases.observe(
        (h for r in every for _, h in handle_occurrences(r)),
        own=(q.author for r in every for q in r.quotes if q.kind == "tweet"),
    )
    aliases.with_reports(every)
    known = {aliases.canonical(h).lower() for _, r in others for _, h in handle_occurrences(r)}
    shown = {a.handle.lower(): a.display_name for a in new.accounts if a.display_name}
    names = dict(shown)
    names.update({p.handle.lower(): p.name for p in new.people if p.handle})
    # an organisation's or team's account is listed as the graph types it: the account's own shown name, whose it
    # is, and the person the report names beside it as one who speaks for it (never merged into the account)
    holders = account_holders(new, lambda h: aliases.canonical(h.lstrip("@")))
    teams = team_accounts(new, aliases, holders)
    org_names = {o.slug: o.name for o in new.organisations}
    speakers: dict[str, list[str]] = {}
    for p in new.people:
        if p.handle:
            speakers.setdefault(aliases.canonical(p.handle.lstrip("@")), []).append(p.name)
    first: dict[str, int] = {}
    for line, handle in handle_occurrences(new):
        first.setdefault(aliases.canonical(handle), line)
    for handle, line in sorted(first.items(), key=lambda kv: kv[1]):
        if handle.lower() in known:
            continue
        if handle in teams:
            name = shown.get(handle.lower())
            holder = org_names.get(holders.get(handle, ""))
            who = ", ".join(dict.fromkeys(speakers.get(handle, [])))
            out.new_organisation_accounts.append(
                f"@{handle}"
                + (f" ({name})" if name else "")
                + (f", account of {holder}" if holder else ", an organisation's account")
                + (f"; {who} speaks for it" if who else "")
                + f", line {line}"
            )
            continue
        name = names.get(handle.lower())
        out.new_people.append(f"@{handle}" + (f" ({name})" if name else "") + f", line {line}")
    known_orgs = {o.slug for _, r in others for o in r.organisations}
    for o in new.organisations:
        if o.slug not in known_orgs:
            out.new_organisations.append(f"{o.name} ({o.slug}, kind {o.kind}), line {o.line}")
    joined: set[str] = set()
    for line, handle in handle_occurrences(new):
        canonical = aliases.canonical(handle)
        evidence = f"@{handle} (line {line}) is @{canonical}, an account the graph has"
        if handle != canonical and canonical.lower() in known and handle not in joined:
            joined.add(handle)
            own = any(a.alias.lower() == handle.lower() for a in new.aliases)
            how = (
                "same handle up to case"
                if handle.lower() == canonical.lower()
                else "listed in this report's curation file"
                if own
                else "listed in kg/data/aliases.yaml"
            )
            out.likely_aliases.append(f"{evidence}: {how} (joined automatically)")
    new_handles = {aliases.canonical(h).lower() for _, h in handle_occurrences(new)}
    for finding in alias_warnings(every, aliases):
        if any(f"@{h}".lower() in finding.lower() for h in new_handles):
            out.likely_aliases.append(finding)
    _, tag_warnings = tagging.assignments(new, ontology.thesaurus(), tagging.load_curated())
    out.untagged = [w for w in tag_warnings if "has no theme" in w]
    out.warnings = list(new.warnings) + [w for w in tag_warnings if "has no theme" not in w]
    # its resources that are a registered chat's too, printed otherwise (kg.rdf.identity): what the build will say
    out.warnings += [w for w in resource_identities(every).warnings if w.startswith(f"{new.source_path}:")]
    out.problems = check_across([*others, (Path(source), new)], aliases)
    return out
