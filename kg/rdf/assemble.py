"""Every chat's records into one dataset: shared TBox and thesaurus graphs, one facts graph per source."""

from __future__ import annotations

from collections import Counter

from rdflib import RDFS, Dataset
from rdflib.namespace import DCTERMS

from kg import iris
from kg.iris import QI, SCHEMA
from kg.rdf.build import build_facts, handle_occurrences
from kg.rdf.context import team_accounts
from kg.rdf.identity import resource_identities, with_nodes
from kg.records import ChatRecords
from kg.sources.registry import SourceError


def check_sources(all_records: list[ChatRecords]) -> None:
    """Refuse what would corrupt the real graph: synthetic chats, and two sources claiming one chat or one graph."""
    from kg.records import is_synthetic

    synthetic = [r.source_slug for r in all_records if is_synthetic(r)]
    if synthetic:
        raise SourceError(
            f"synthetic chats are never built into the real graph: {', '.join(synthetic)} "
            "(use `python -m bench.synth --out FILE` for scale work)"
        )
    for key, what in ((lambda r: r.source_slug, "source"), (lambda r: r.chat.slug, "chat")):
        counts = Counter(key(r) for r in all_records)
        twice = sorted(k for k, n in counts.items() if n > 1)
        if twice:
            raise SourceError(f"two sources give the same {what}: {', '.join(twice)}")


def alias_warnings(all_records: list[ChatRecords], aliases) -> list[str]:
    """Handles across all chats that look like one account but are not listed as one, each with the line to add to
    the curation file of the report that prints the rarer spelling (or to kg/data/aliases.yaml)."""
    from collections import Counter

    from kg.sources.aliases import suggest_variants

    handles = [h for r in all_records for _, h in handle_occurrences(r)]
    names: dict[str, str] = {}
    for records in all_records:
        for account in records.accounts:
            if account.display_name:
                names.setdefault(account.handle, account.display_name)
    chats_of: dict[str, list[int]] = {}  # canonical -> the indexes of the chats printing it, in order
    count: Counter[str] = Counter()
    for i, records in enumerate(all_records):
        for _, handle in handle_occurrences(records):
            canonical = aliases.canonical(handle)
            count[canonical] += 1
            seen = chats_of.setdefault(canonical, [])
            if not seen or seen[-1] != i:
                seen.append(i)
    out = []
    for finding in suggest_variants(handles, names, table=aliases):
        first = {h: (chats_of.get(h) or [len(all_records)])[0] for h in (finding.variant, finding.canonical)}
        # the spelling printed less often (then: first seen later) is the one to join to the other
        rare, known = sorted((finding.variant, finding.canonical), key=lambda h: (count[h], -first[h]))
        where = sorted({all_records[i].chat.slug for h in (rare, known) for i in chats_of.get(h, [])})
        files = ", ".join(all_records[i].source_path for i in chats_of.get(rare, []))
        out.append(
            f"possible alias: @{rare} looks like @{known} ({finding.reason}; chats {', '.join(where)}): if they are "
            f"one account, add to the curation file of {files} 'aliases: [{{alias: {rare}, canonical: {known}, "
            "reason: ...}]' (or list it in kg/data/aliases.yaml)"
        )
    return out


def observed_aliases(all_records: list[ChatRecords]):
    """The alias table the chats are built with: the reviewed one plus every spelling the chats use (the most
    frequent spelling of an unlisted account is its canonical one, so it depends on all chats)."""
    from kg.sources.aliases import AliasTable

    aliases = AliasTable.load()
    aliases.observe(
        (h for r in all_records for _, h in handle_occurrences(r)),
        own=(q.author for r in all_records for q in r.quotes if q.kind == "tweet"),
    )
    return aliases.with_reports(all_records)  # each report's reviewed spellings (its curation file)


def same_accounts(before: list[ChatRecords], after: list[ChatRecords]) -> bool:
    """True when every handle of the chats `before` resolves as it did (same canonical spelling, same other
    accounts) once the chats `after` are there too: their graphs are then built exactly as before (a chat's graph
    asks the table only `canonical`, `other_accounts` and the reviewed `is_organisation_account`; the aliases it
    states are the spellings of its own text), and every resource of theirs is the node it was, stated the same way
    (`kg.rdf.identity`: a chat dated before them that prints one of their resources first takes its title)."""
    mine = {r.source_slug for r in before}  # and each of their resources is stated as it was (kg.rdf.identity)
    old_ids, new_ids = resource_identities(before), resource_identities(after)
    if any(p != new_ids.printings.get(k) for k, p in old_ids.printings.items() if k[0] in mine):
        return False
    old, new = observed_aliases(before), observed_aliases(after)
    old_teams, new_teams = _teams(before, old), _teams(after, new)
    for key, canonical in old.canonical_of.items():
        if new.canonical_of.get(key) != canonical:
            return False
        if old.same_agent.get(canonical) != new.same_agent.get(canonical):
            return False
        if (canonical in old_teams) != (canonical in new_teams):  # a later chat shows it to be a team's account
            return False
    return True


def _teams(all_records: list[ChatRecords], aliases) -> set[str]:
    """Canonical handles that some chat shows to be a team's or organisation's account (so every chat's is)."""
    return {canon for records in all_records for canon in team_accounts(records, aliases)}


def assemble(all_records: list[ChatRecords], warnings: list[str]) -> Dataset:
    """One dataset for every source: shared TBox and thesaurus graphs, one facts graph per source.

    People, organisations, themes and resources have IRIs minted from handles and slugs, so the same person in two
    chats is one node; each chat states its own triples about that node in its own graph.
    """
    from kg.rdf import ontology

    check_sources(all_records)
    aliases = observed_aliases(all_records)
    warnings.extend(alias_warnings(all_records, aliases))
    for records in all_records:  # a team's account in one chat is a team's in every chat (one node, one kind)
        for canon in sorted(team_accounts(records, aliases)):
            aliases.organisation_accounts.setdefault(
                canon.lower(), (records.chat.line, f"a team's or organisation's account in chat {records.chat.slug}")
            )
    tbox, thesaurus = ontology.tbox(), ontology.thesaurus()
    merged = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        merged.bind(prefix, ns)
    if all_records:  # the TBox and the thesaurus once; each chat's facts straight into its own graph
        for identifier, graph in ((iris.ONTOLOGY_GRAPH, tbox), (iris.THEMES_GRAPH, thesaurus)):
            target = merged.graph(identifier)
            for t in graph:
                target.add(t)
    identities = resource_identities(all_records)  # resources other chats print too: one node, named once
    warnings.extend(identities.warnings)
    for records in all_records:
        graph = merged.graph(iris.source_graph(records.source_slug))
        build_facts(with_nodes(records, identities), graph, aliases, thesaurus, None, warnings, identities.of(records))
    supersede_announcements(merged, all_records)
    return merged


ANNOUNCED_SCHEDULE = (QI.status, QI.timeZone, SCHEMA.startDate, SCHEMA.endDate, DCTERMS.date, RDFS.label)


def supersede_announcements(ds: Dataset, all_records: list[ChatRecords]) -> None:
    """A follow-up chat one report announced and another report describes: the chat's own report has the say.

    The announcing graph keeps that the chat was announced there (`qi:announcedIn`, type, provenance) but drops its
    schedule and the status "announced", which the held chat's own graph states (one status, one start and end).
    """
    held = {r.chat.slug for r in all_records}
    for records in all_records:
        graph = ds.graph(iris.source_graph(records.source_slug))
        for follow_up in records.follow_ups:
            slug = follow_up.date.isoformat()
            if slug in held and slug != records.chat.slug:
                node = iris.chat(slug)
                for predicate in ANNOUNCED_SCHEDULE:
                    graph.remove((node, predicate, None))
