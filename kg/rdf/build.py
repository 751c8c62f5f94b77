"""Records -> RDF: one named graph of facts per source document, plus the TBox and the thesaurus.

Every node gets `rdf:type`, `rdfs:label`, `prov:wasDerivedFrom` (the source document) and `qi:sourceLine` (the first
line it was read from), so any fact can be traced back to the report. IRIs come from `kg.iris` only, and nothing here
depends on iteration order of sets or dicts, so the same records always give the same triples.
"""

from __future__ import annotations

from rdflib import Dataset, Graph

from kg import iris
from kg.rdf import chat, items, people
from kg.rdf.context import Aliases, ChatContext, handle_occurrences, spelling_aliases
from kg.rdf.identity import Printing
from kg.records import ChatRecords, Quote, Tweet

SECTIONS = (  # in this order: organisations before the people who belong to them, quotes before resources
    chat.source_document,
    people.organisations,
    people.participants,
    people.named_people,
    chat.chats,
    chat.questions,
    items.quotes,
    chat.measurements,
    chat.rankings,
    chat.lessons,
    items.resources,
)


def build_chat(
    records: ChatRecords, graph: Graph, aliases: Aliases, thesaurus: Graph, printings: list[Printing] | None = None
) -> list[str]:
    """One chat's records as triples of its source graph; the warnings of what could not be placed. `printings`:
    what the graph states of each resource when other chats print it too (`kg.rdf.identity`)."""
    ctx = ChatContext(records, graph, aliases, thesaurus, printings)
    for section in SECTIONS:
        section(ctx)
    return ctx.warnings


__all__ = [
    "SECTIONS",
    "build_chat",
    "build_dataset",
    "build_facts",
    "handle_occurrences",
    "quote_records",
    "spelling_aliases",
]


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
    build_facts(records, ds.graph(iris.source_graph(records.source_slug)), aliases, thesaurus, curated_path, warnings)
    return ds


def build_facts(
    records: ChatRecords,
    facts: Graph,
    aliases: Aliases | None,
    thesaurus: Graph,
    curated_path=None,
    warnings: list[str] | None = None,
    printings: list[Printing] | None = None,
) -> None:
    """The chat's own triples into `facts` (its source graph), tagged with the themes of `thesaurus`; `printings`:
    what it states of each resource other chats print too (`kg.rdf.identity`; None: as this chat printed it).

    `kg.rdf.assemble` builds every chat straight into one dataset that holds the TBox and thesaurus once (copying
    them into a dataset per chat and merging those cost ~4,000 triple insertions a chat for nothing)."""
    from kg.rdf import tagging

    if aliases is not None and hasattr(aliases, "observe"):  # unlisted case variants join their account
        aliases.observe(
            (h for _, h in handle_occurrences(records)), own=(q.author for q in records.quotes if isinstance(q, Tweet))
        )
    found = build_chat(records, facts, aliases or spelling_aliases(records), thesaurus, printings)
    found += tagging.tag_records(records, facts, thesaurus, curated_path=curated_path)
    if warnings is not None:
        warnings.extend(found)
