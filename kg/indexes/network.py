"""Who connects whom: the conversation's networks and their measures, each tie with the facts that make it.

Three networks, for one chat or all chats:
- **people**: people tied to people. By default the ties are the conversation itself: a reply ("Replying to @b")
  and a mention (@b inside the words). On request, also co-answering the same question and sharing the same
  resource (these tie everyone in a question's thread, so they flatten betweenness; hence not the default).
- **organisations**: people and organisations (bipartite): a stated affiliation, an organisation's own account, and an
  organisation (or its account) mentioned or replied to.
- **themes**: people and themes (bipartite): the themes of what they said or shared.

Measures (networkx, computed once per network per loaded store and kept): degree (how many others), ties (the
number of facts behind them), betweenness (the share of shortest paths between others that pass through a node,
normalised), brokerage as Burt's effective size (how many of a node's contacts are not also tied to each other: a
broker's contacts do not know one another), and communities (Louvain, with a fixed seed so the answer is stable).
Exact betweenness costs a shortest-path search from every node; where that would pass BETWEENNESS_BUDGET it is
estimated from as many sampled sources as the budget allows (networkx's `k`, seeded, at least 64), and the answer
says so.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx
from rdflib.term import Node

QUERIES = Path(__file__).parent / "queries"
Rows = Iterable[Mapping[str, Node]]

NetworkName = Literal["people", "organisations", "themes"]
NETWORKS: tuple[NetworkName, ...] = ("people", "organisations", "themes")
PEOPLE_TIES = ("reply", "mention", "co-answer", "co-shared")
DEFAULT_PEOPLE_TIES = ("reply", "mention")
ORGANISATION_TIES = ("affiliation", "account", "mentions-organisation")
BETWEENNESS_BUDGET = 3_000_000  # sources × (nodes + edges) worth about 3 s of networkx; past it, sample sources
BETWEENNESS_MIN_SAMPLE = 64
SEED = 42


@dataclass(frozen=True)
class Fact:
    """One row of `network_facts.rq`: `a` did `kind` with `b`, shown by `evidence` (if any), in `chat` (if any)."""

    kind: str
    a: str
    b: str
    evidence: str | None = None
    chat: str | None = None


@dataclass(frozen=True)
class Tie:
    """One reason two nodes are tied: its kind, the item that shows it (a quote, a question, a resource) and who did
    it (the author of a reply or mention; none for co-answering or co-sharing)."""

    kind: str
    evidence: str | None
    by: str | None = None


@dataclass
class Network:
    """A network with its measures; nodes are IRIs, `kinds` says which are people, organisations or themes."""

    name: NetworkName
    chat: str | None
    ties_used: tuple[str, ...]
    graph: nx.Graph
    kinds: dict[str, str]
    betweenness: dict[str, float] = field(default_factory=dict)
    brokerage: dict[str, float | None] = field(default_factory=dict)
    community: dict[str, int | None] = field(default_factory=dict)
    communities: list[list[str]] = field(default_factory=list)
    betweenness_sampled: bool = False
    memo: dict = field(default_factory=dict, repr=False)  # rankings and lists asked for again and again

    def ties(self, u: str, v: str) -> list[Tie]:
        return sorted(self.graph.edges[u, v]["ties"], key=lambda t: (t.kind, t.evidence or ""))

    def strength(self, node: str) -> int:
        """The number of facts behind a node's ties (kept: a theme's runs over thousands of edges)."""
        if "strength" not in self.memo:
            self.memo["strength"] = {n: int(d) for n, d in self.graph.degree(weight="weight")}
        return self.memo["strength"][node]

    def isolated(self) -> list[str]:
        if "isolated" not in self.memo:
            self.memo["isolated"] = sorted(n for n in self.graph if self.graph.degree(n) == 0)
        return self.memo["isolated"]


def query_text(name: str) -> str:
    """The text of kg/queries/<name>.rq."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def read_facts(rows: Rows) -> list[Fact]:
    """Every fact the networks are made of, from the rows of `network_facts.rq` (run by a store or by rdflib)."""
    facts = []
    for row in rows:
        a, b = str(row["a"]), str(row["b"])
        if a == b:
            continue  # replying to oneself ties no one
        facts.append(
            Fact(
                str(row["kind"]),
                a,
                b,
                str(row["evidence"]) if row.get("evidence") else None,
                str(row["chat"]) if row.get("chat") else None,
            )
        )
    return facts


def _in_chat(facts: Iterable[Fact], chat: str | None) -> list[Fact]:
    """The facts of one chat; stated affiliations and accounts hold in every chat, for the people active in it."""
    facts = list(facts)
    if chat is None:
        return facts
    timed = [f for f in facts if f.chat == chat]
    active = {f.a for f in timed}
    return timed + [f for f in facts if f.chat is None and f.kind in ("affiliation", "account") and f.a in active]


def _tie(graph: nx.Graph, a: str, b: str, tie: Tie) -> None:
    if graph.has_edge(a, b):
        graph.edges[a, b]["ties"].add(tie)
    else:
        graph.add_edge(a, b, ties={tie})
    graph.edges[a, b]["weight"] = len(graph.edges[a, b]["ties"])


def build(
    facts: Iterable[Fact], name: NetworkName, chat: str | None = None, people_ties: Iterable[str] = DEFAULT_PEOPLE_TIES
) -> Network:
    """The network `name` of `chat` (None: all chats) with its measures; the same whatever order the facts come in
    (Louvain's answer depends on the order nodes are added, so they are added in a fixed one)."""
    facts = sorted(_in_chat(facts, chat), key=lambda f: (f.kind, f.a, f.b, f.evidence or "", f.chat or ""))
    graph = nx.Graph()
    kinds: dict[str, str] = {}
    used: tuple[str, ...]
    if name == "people":
        used = tuple(t for t in PEOPLE_TIES if t in set(people_ties))
        for f in facts:  # everyone who took part in the chat is a node, tied or not
            if f.kind in ("reply", "mention", "answer", "shared", "theme", "mentions-organisation"):
                graph.add_node(f.a)
                kinds[f.a] = "participant"
        for f in facts:
            if f.kind in ("reply", "mention") and f.kind in used:
                for n in (f.a, f.b):
                    graph.add_node(n)
                    kinds[n] = "participant"
                _tie(graph, f.a, f.b, Tie(f.kind, f.evidence, f.a))
        for joint, source in (("co-answer", "answer"), ("co-shared", "shared")):
            if joint not in used:
                continue
            around: dict[str, set[str]] = defaultdict(set)
            for f in facts:
                if f.kind == source:
                    around[f.b].add(f.a)
            for item, people in around.items():
                for a, b in itertools.combinations(sorted(people), 2):
                    _tie(graph, a, b, Tie(joint, item))
    elif name == "organisations":
        used = ORGANISATION_TIES
        for f in facts:
            if f.kind in used:
                kinds[f.a], kinds[f.b] = "participant", "organisation"
                _tie(graph, f.a, f.b, Tie(f.kind, f.evidence, f.a))
    else:
        used = ("theme",)
        for f in facts:
            if f.kind == "theme":
                kinds[f.a], kinds[f.b] = "participant", "theme"
                _tie(graph, f.a, f.b, Tie("theme", f.evidence, f.a))
    network = Network(name, chat, used, graph, kinds)
    _measure(network)
    return network


def _measure(network: Network) -> None:
    graph = network.graph
    size = graph.number_of_nodes() + graph.number_of_edges()
    if graph.number_of_nodes() * size > BETWEENNESS_BUDGET:
        sources = max(BETWEENNESS_MIN_SAMPLE, BETWEENNESS_BUDGET // max(size, 1))
        network.betweenness = nx.betweenness_centrality(graph, k=min(sources, graph.number_of_nodes()), seed=SEED)
        network.betweenness_sampled = sources < graph.number_of_nodes()
    else:
        network.betweenness = nx.betweenness_centrality(graph)
    sizes = nx.effective_size(graph)
    network.brokerage = {n: None if v is None or math.isnan(v) else float(v) for n, v in sizes.items()}
    tied = graph.subgraph([n for n in graph if graph.degree(n) > 0])
    found = nx.community.louvain_communities(tied, weight="weight", seed=SEED) if tied.number_of_nodes() else []
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    network.communities = ordered
    network.community = {n: None for n in graph}
    for index, members in enumerate(ordered):
        for n in members:
            network.community[n] = index


def community_bridges(network: Network) -> list[tuple[str, str, list[Tie]]]:
    """The ties that join two communities: (a, b, ties), a's community first, most ties first."""
    if "bridges" in network.memo:
        return network.memo["bridges"]
    out = []
    for u, v in network.graph.edges:
        cu, cv = network.community.get(u), network.community.get(v)
        if cu is not None and cv is not None and cu != cv:
            a, b = (u, v) if cu < cv else (v, u)
            out.append((a, b, network.ties(u, v)))
    network.memo["bridges"] = sorted(out, key=lambda t: (-len(t[2]), t[0], t[1]))
    return network.memo["bridges"]


def brokers(network: Network) -> list[tuple[str, set[int]]]:
    """People whose own ties reach communities other than theirs, with those communities; most reached first."""
    if "brokers" in network.memo:
        return network.memo["brokers"]
    reach: dict[str, set[int]] = defaultdict(set)
    for a, b, _ in community_bridges(network):
        reach[a].add(network.community[b])  # type: ignore[arg-type]
        reach[b].add(network.community[a])  # type: ignore[arg-type]
    people = [(n, c) for n, c in reach.items() if network.kinds.get(n) == "participant"]
    network.memo["brokers"] = sorted(people, key=lambda p: (-len(p[1]), -network.betweenness.get(p[0], 0.0), p[0]))
    return network.memo["brokers"]


def organisation_links(network: Network) -> list[tuple[str, str, list[tuple[str, Tie, Tie]]]]:
    """Pairs of organisations that one person is tied to both of (the organisations network): (org, org, [(person,
    tie to the first, tie to the second)]), the pairs with most people first. An organisation's own account links
    nothing: what it says is the organisation speaking, not a person between two organisations."""
    assert network.name == "organisations"
    if "links" in network.memo:
        return network.memo["links"]
    pairs: dict[tuple[str, str], list[tuple[str, Tie, Tie]]] = defaultdict(list)
    for person in (n for n, k in network.kinds.items() if k == "participant"):
        ties = {o: network.ties(person, o) for o in network.graph[person] if network.kinds.get(o) == "organisation"}
        if any(t.kind == "account" for found in ties.values() for t in found):
            continue
        for x, y in itertools.combinations(sorted(ties), 2):
            pairs[(x, y)].append((person, ties[x][0], ties[y][0]))
    network.memo["links"] = sorted(
        ((x, y, people) for (x, y), people in pairs.items()), key=lambda p: (-len(p[2]), p[0], p[1])
    )
    return network.memo["links"]


@dataclass(frozen=True)
class RankingRow:
    ranking: str
    label: str | None
    chat: str | None
    rank: int
    participant: str


def read_rankings(rows: Rows) -> list[RankingRow]:
    """The report's rankings, from the rows of `network_rankings.rq`."""
    return [
        RankingRow(
            str(r["ranking"]),
            str(r["label"]) if r.get("label") else None,
            str(r["chat"]) if r.get("chat") else None,
            int(str(r["rank"])),
            str(r["participant"]),
        )
        for r in rows
    ]


MEASURES = ("betweenness", "brokerage", "degree", "ties")


def value(network: Network, node: str, measure: str) -> float:
    """A node's value of one measure (0 where it has none), for sorting and ranking."""
    if measure == "betweenness":
        return network.betweenness.get(node, 0.0)
    if measure == "brokerage":
        return network.brokerage.get(node) or 0.0
    if measure == "degree":
        return float(network.graph.degree(node))
    return float(network.strength(node))


def ranked(network: Network, measure: str, kind: str | None = "participant") -> list[str]:
    """The nodes (of one kind) from highest to lowest on `measure`; ties broken by the other measures, then IRI.
    Worked out once per network, measure and kind (a page of a ranking costs a slice)."""
    key = ("ranked", measure, kind)
    if key not in network.memo:
        nodes = [n for n in network.graph if kind is None or network.kinds.get(n) == kind]
        others = [m for m in MEASURES if m != measure]
        order = sorted(nodes, key=lambda n: (-value(network, n, measure), *(-value(network, n, m) for m in others), n))
        network.memo[("place", measure, kind)] = {n: i + 1 for i, n in enumerate(order)}  # before the ranking:
        network.memo[key] = order  # a thread that sees the ranking finds the places too
    return network.memo[key]


def place(network: Network, node: str, measure: str, kind: str | None = "participant") -> int | None:
    """A node's place (1 = top) in `ranked(network, measure, kind)`."""
    ranked(network, measure, kind)
    return network.memo[("place", measure, kind)].get(node)


@dataclass
class Comparison:
    """One of the report's rankings beside the same people ranked by a measure of the people network."""

    ranking: str
    label: str | None
    measure: str
    rows: list[tuple[str, int, int | None]]  # participant, the report's rank, our rank (None: not in the network)
    rho: float | None
    report_only: list[str]  # ranked by the report, but more than twice the list's length down ours (or absent)
    network_only: list[str]  # in our top as many as the report lists, but not in the report's list

    @property
    def disagreements(self) -> list[str]:
        return self.report_only + self.network_only


def compare(network: Network, rankings: list[RankingRow], measure: str) -> list[Comparison]:
    """Spearman's rank correlation between each ranking of the chat and `measure`, and the people they disagree
    about: ranked by the report but far down (or absent) here, or high here and absent from the report's list."""
    key = ("compare", measure, tuple(rankings))
    if key in network.memo:
        return network.memo[key]
    ours = {n: i + 1 for i, n in enumerate(ranked(network, measure))}
    by_ranking: dict[str, list[RankingRow]] = defaultdict(list)
    for row in rankings:
        if network.chat is None or row.chat == network.chat:
            by_ranking[row.ranking].append(row)
    out = []
    for ranking, rows in sorted(by_ranking.items()):
        size = len(rows)
        pairs = [(r.participant, r.rank, ours.get(r.participant)) for r in sorted(rows, key=lambda r: r.rank)]
        present = [(theirs, mine) for _, theirs, mine in pairs if mine is not None]
        rho = None
        if len(present) >= 3 and len({t for t, _ in present}) > 1 and len({m for _, m in present}) > 1:
            from scipy.stats import spearmanr  # here, not at the top: scipy.stats costs the API 1.7 s at start-up

            rho = float(spearmanr([t for t, _ in present], [m for _, m in present]).statistic)
        listed = {p for p, _, _ in pairs}
        report_only = [p for p, _, mine in pairs if mine is None or mine > 2 * size]
        network_only = [
            n
            for n in ranked(network, measure)[:size]  # high on ours: a measure above nought
            if n not in listed and value(network, n, measure) > 0
        ]
        out.append(Comparison(ranking, rows[0].label, measure, pairs, rho, report_only, network_only))
    network.memo[key] = out
    return out


class Networks:
    """The networks of one graph, each built on first use and kept (never per request).

    `run(sparql)` answers a query with rows (mappings of variable name to term): a store's or rdflib's."""

    def __init__(self, run: Callable[[str], Rows]) -> None:
        self.facts = read_facts(run(query_text("network_facts")))
        self.rankings = read_rankings(run(query_text("network_rankings")))
        self._built: dict[tuple[str, str | None, tuple[str, ...]], Network] = {}
        self._lock = threading.Lock()

    def get(
        self, name: NetworkName, chat: str | None = None, people_ties: Iterable[str] = DEFAULT_PEOPLE_TIES
    ) -> Network:
        """The network, built once (two threads asking at once wait for one build)."""
        ties = tuple(t for t in PEOPLE_TIES if t in set(people_ties)) if name == "people" else ()
        key = (name, chat, ties)
        with self._lock:
            if key not in self._built:
                self._built[key] = build(self.facts, name, chat, ties)
            return self._built[key]
