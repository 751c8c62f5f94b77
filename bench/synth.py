"""Synthetic chats with the seed report's shape, for scale work only.

The generator reads the real records once for its distributions (quotes per question and kind, words of quotes,
counts, resources per chat) and writes chats whose every handle, slug and source is marked synthetic
(`synthetic-…` source slugs, `syn_…` handles), so synthetic data can never be taken for, or merged into, the real
graph: `kg.pipeline` refuses a synthetic source, and the build types each synthetic source `qi:SyntheticSource`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from kg.records import (
    SYNTHETIC_PREFIX,
    Account,
    Chat,
    ChatRecords,
    EngagementCount,
    Organisation,
    Person,
    Question,
    Quote,
    Resource,
    Tweet,
    is_synthetic,
)


@dataclass(frozen=True)
class Shape:
    """What a chat of the seed looks like, in numbers and words."""

    quotes_per_question: list[int]
    kind_weights: dict[str, int]
    words: list[str]
    text_lengths: list[int]
    like_counts: list[int]
    resources: int
    organisations: int
    accounts: int
    resource_types: list[str]

    @classmethod
    def of(cls, seed: ChatRecords) -> Shape:
        per_q = Counter(q.question for q in seed.quotes if q.question)
        words = [w for q in seed.quotes for w in q.text.split() if not w.startswith("@")]
        likes = [c.value for q in seed.quotes if isinstance(q, Tweet) for c in q.counts if c.value is not None]
        return cls(
            quotes_per_question=[per_q[n] for n in sorted(per_q)],
            kind_weights=dict(Counter(q.kind for q in seed.quotes)),
            words=words,
            text_lengths=[len(q.text.split()) for q in seed.quotes],
            like_counts=likes or [0],
            resources=len(seed.resources),
            organisations=len(seed.organisations),
            accounts=len({a.handle.lower() for a in seed.accounts}),
            resource_types=[r.type or "Resource" for r in seed.resources],
        )


def synth_chats(seed: ChatRecords, chats: int, *, people: int | None = None, seed_value: int = 7) -> list[ChatRecords]:
    """`chats` synthetic chats drawn from the seed's shape; people recur across chats (Zipf-like), as in a series."""
    shape = Shape.of(seed)
    rng = random.Random(seed_value)
    pool = people or max(shape.accounts * 4, chats * shape.accounts // 3)
    handles = [f"syn_user_{i:05d}" for i in range(pool)]
    # cumulative once: `choices(handles, weights)` sums the whole pool at every draw, and the pool grows with the
    # chats (quadratic: 17 min for the 1,638 chats of 10 M quads); the same draws, since choices() accumulates anyway
    cum_weights = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(pool)))
    kinds, kind_cum = list(shape.kind_weights), list(itertools.accumulate(shape.kind_weights.values()))
    orgs = [
        Organisation(line=1, slug=f"synthetic-org-{i:04d}", name=f"Synthetic Trust {i:04d}", kind="trust")
        for i in range(max(shape.organisations * 3, chats // 2 + 1))
    ]
    start = dt.date(2030, 1, 1)
    out = []
    for c in range(chats):
        day = start + dt.timedelta(days=7 * c)
        slug = f"{SYNTHETIC_PREFIX}{day.isoformat()}"
        chat = Chat(
            line=1,
            slug=day.isoformat(),
            title=f"Synthetic chat {c + 1}",
            date=day,
            start=dt.time(19),
            end=dt.time(20),
            timezone="GMT",
            utc_offset="+00:00",
            hashtags=["SynthQI"],
            host=orgs[c % len(orgs)].slug,
            report_author="Synthetic Author",
            report_for=orgs[0].slug,
        )
        line = 2
        questions = []
        quotes: list[Quote] = []
        speakers: list[str] = []
        for qn, count in enumerate(shape.quotes_per_question, start=1):
            q_start = line
            for _ in range(count):
                who = rng.choices(handles, cum_weights=cum_weights)[0]
                speakers.append(who)
                kind = rng.choices(kinds, cum_weights=kind_cum)[0]
                text = " ".join(rng.choices(shape.words, k=rng.choice(shape.text_lengths)))
                common = dict(line=line, number=len(quotes) + 1, author=who, text=text, question=qn)
                if kind == "tweet":
                    quotes.append(
                        Tweet(
                            **common,
                            display_name=who.replace("_", " ").title(),
                            date=day,
                            counts=[
                                EngagementCount(
                                    position=1, icon="❤️", metric="like", value=rng.choice(shape.like_counts)
                                )
                            ],
                        )
                    )
                else:
                    quotes.append(Quote(kind=kind, **common))  # type: ignore[arg-type]
                line += 3
            questions.append(
                Question(
                    line=q_start,
                    number=qn,
                    text=f"Synthetic question {qn}?",
                    section_start=q_start,
                    section_end=line - 1,
                )
            )
        resources = []
        for r in range(shape.resources):
            title = " ".join(rng.choices(shape.words, k=6)).strip(".,;:") or f"Resource {r}"
            resources.append(
                Resource(
                    line=line,
                    slug=f"synthetic-{c:04d}-{r:03d}",
                    type=rng.choice(shape.resource_types),
                    title=title,
                    label=title,
                    year=2030,
                    shared_by=[rng.choice(speakers)],
                )
            )
            line += 1
        seen = sorted(set(speakers) | {h for r in resources for h in r.shared_by})
        accounts = [Account(line=2, handle=h, display_name=h.replace("_", " ").title(), kind="person") for h in seen]
        people_recs = [
            Person(
                line=2,
                name=h.replace("_", " ").title(),
                handle=h,
                affiliations=[orgs[int(hashlib.sha1(h.encode()).hexdigest(), 16) % len(orgs)].slug],
            )
            for h in seen[:10]
        ]
        # the organisations this chat names (its host, the report's publisher, its people's), as a report lists
        # them; every chat listing all of the series' organisations made a tenth of a 10 M graph the same
        # organisation statements over again, and each chat's build cost grow with the series
        named = {chat.host, chat.report_for} | {slug for p in people_recs for slug in p.affiliations}
        out.append(
            ChatRecords(
                source_slug=slug,
                source_title=f"Synthetic chat report {c + 1}",
                source_path=f"{slug}.synthetic",
                source_sha256=hashlib.sha256(slug.encode()).hexdigest(),
                chat=chat,
                organisations=[o for o in orgs if o.slug in named],
                people=people_recs,
                accounts=accounts,
                panel=[p.handle for p in people_recs if p.handle][:5],
                questions=questions,
                quotes=quotes,
                resources=resources,
            )
        )
    return out


def write_synthetic(
    seed: ChatRecords, chats: int, out: Path, *, with_ontology: bool = True, seed_value: int = 7
) -> dict[str, int]:
    """Write `chats` synthetic chats to `out` (.nq or .trig), one named graph each, every source `qi:SyntheticSource`.

    Each chat is built with `kg.rdf.build.build_dataset` (no validation: the data is made up) and streamed to the file,
    so memory stays that of one chat. With `with_ontology` the TBox and thesaurus graphs come first, so the file
    loads as a complete dataset for benchmarks. Returns quads per graph.
    """
    from rdflib import RDF, Dataset

    from kg import iris
    from kg.rdf import ontology
    from kg.rdf.build import build_dataset
    from kg.sources.aliases import AliasTable

    suffix = out.suffix.lower()
    if suffix not in (".nq", ".trig"):
        raise ValueError(f"{out.name}: write synthetic chats as N-Quads (.nq) or TriG (.trig)")
    fmt = "nquads" if suffix == ".nq" else "trig"
    tbox, thesaurus = ontology.tbox(), ontology.thesaurus()
    aliases = AliasTable()  # synthetic handles are their own accounts: no curated aliases apply
    counts: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("wb") as handle:
        if with_ontology:
            for name, graph in ((iris.ONTOLOGY_GRAPH, tbox), (iris.THEMES_GRAPH, thesaurus)):
                ds = Dataset()
                target = ds.graph(name)
                for t in graph:
                    target.add(t)
                handle.write(ds.serialize(format=fmt, encoding="utf-8"))
                counts[str(name)] = len(graph)
        for records in synth_chats(seed, chats, seed_value=seed_value):
            if not is_synthetic(records):
                raise ValueError(f"{records.source_slug} is not marked synthetic")
            built = build_dataset(records, aliases, tbox=tbox, thesaurus=thesaurus, warnings=[])
            name = iris.source_graph(records.source_slug)
            facts = built.graph(name)
            facts.add((iris.source(records.source_slug), RDF.type, iris.QI.SyntheticSource))
            ds = Dataset()
            target = ds.graph(name)
            for t in facts:
                target.add(t)
            handle.write(ds.serialize(format=fmt, encoding="utf-8"))
            counts[str(name)] = len(facts)
    tmp.replace(out)
    return counts


def main(
    chats: Annotated[int, typer.Option("--chats", "-n", min=1, max=100_000, help="How many synthetic chats.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: .nq (N-Quads) or .trig.")],
    seed: Annotated[Path | None, typer.Option(help="The report whose shape to copy (default: the first chat).")] = None,
    with_ontology: Annotated[
        bool, typer.Option("--ontology/--no-ontology", help="Put the TBox and thesaurus graphs first.")
    ] = True,
    seed_value: Annotated[int, typer.Option("--random-seed", help="Seed of the random draws.")] = 7,
) -> None:
    """Write N synthetic chats (typed qi:SyntheticSource) for scale work; never part of the real graph."""
    from kg.pipeline.inputs import default_sources
    from kg.sources.registry import SourceError, load_records

    if out.suffix.lower() not in (".nq", ".trig"):
        raise typer.BadParameter(f"{out.name}: write synthetic chats as .nq (N-Quads) or .trig", param_hint="--out")
    try:
        seed_path = seed or next(iter(p for p in default_sources() if p.suffix == ".txt"), None)
        if seed_path is None:
            raise typer.BadParameter("no seed report: pass --seed REPORT.txt", param_hint="--seed")
        seed_records = load_records(seed_path)
    except SourceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    counts = write_synthetic(seed_records, chats, out, with_ontology=with_ontology, seed_value=seed_value)
    typer.echo(
        f"wrote {sum(counts.values())} quads in {len(counts)} graphs to {out} "
        f"({chats} synthetic chat(s) shaped like {seed_path.name})"
    )


cli = typer.Typer(add_completion=False)
cli.command()(main)

if __name__ == "__main__":
    cli()
