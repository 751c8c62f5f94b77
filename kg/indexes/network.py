"""Who connects whom: the conversation's networks and their measures, each tie with the facts that make it.

Three networks, for one chat or all chats:
- **people**: people tied to people. By default the ties are the conversation itself: a reply ("Replying to @b")
  and a mention (@b inside the words). On request, also co-answering the same question and sharing the same
  resource (these tie everyone in a question's thread, so they flatten betweenness; hence not the default).
- **organisations**: people and organisations (bipartite): a stated affiliation, an organisation's own account, and an
  organisation (or its account) mentioned or replied to.
- **themes**: people and themes (bipartite): the themes of what they said or shared.

Measures (networkx, computed once per network by the build and stored with it, kg/indexes/stored.py; else once per
loaded store and kept): degree (how many others), ties (the number of facts behind them), betweenness (the share of
shortest paths between others that pass through a node, normalised), brokerage as Burt's effective size (how many of a
node's contacts are not also tied to each other: a broker's contacts do not know one another), and communities (Louvain,
with a fixed seed so the answer is stable). Exact betweenness costs a shortest-path search from every node; where that
would pass BETWEENNESS_BUDGET it is estimated from as many sampled sources as the budget allows (networkx's `k`, seeded,
at least 64), and the answer says so.
"""

from __future__ import annotations

import itertools
import logging
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
log = logging.getLogger("qikg.indexes")
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


def fact_order(fact: Fact) -> tuple[str, str, str, str, str]:
    """The order `build` adds facts in (facts stored in it sort in one linear pass)."""
    return (fact.kind, fact.a, fact.b, fact.evidence or "", fact.chat or "")


@dataclass(frozen=True)
class Measures:
    """What networkx works out for a network, as the build stores it (kg/indexes/stored.py): the nodes in the
    graph's own order (so a stored copy can be checked against the graph rebuilt from the facts), betweenness and
    brokerage in that order, the communities as `_measure` orders them, and whether betweenness was sampled."""

    nodes: tuple[str, ...]
    betweenness: tuple[float, ...]
    brokerage: tuple[float | None, ...]
    communities: tuple[tuple[str, ...], ...]
    sampled: bool


def measures_of(network: Network) -> Measures:
    """The measures of a built network, to store."""
    nodes = tuple(network.graph)
    return Measures(
        nodes,
        tuple(network.betweenness[n] for n in nodes),
        tuple(network.brokerage.get(n) for n in nodes),
        tuple(tuple(c) for c in network.communities),
        network.betweenness_sampled,
    )


class StaleMeasures(ValueError):
    """Stored measures that do not fit the graph the facts make (another build's, or damaged)."""


def _apply(network: Network, measures: Measures) -> None:
    """Give `network` stored measures instead of computing them; refused when they are not of this very graph."""
    graph = network.graph
    if tuple(graph) != measures.nodes:
        raise StaleMeasures(f"the stored {network.name} network's nodes are not those its facts make")
    if not len(measures.betweenness) == len(measures.brokerage) == len(measures.nodes):
        raise StaleMeasures(f"the stored {network.name} network's measures do not cover its nodes")
    members = [n for c in measures.communities for n in c]
    if len(set(members)) != len(members) or not set(members) <= set(measures.nodes):
        raise StaleMeasures(f"the stored {network.name} network's communities are not a partition of its nodes")
    network.betweenness = dict(zip(measures.nodes, measures.betweenness, strict=True))
    network.brokerage = dict(zip(measures.nodes, measures.brokerage, strict=True))
    network.betweenness_sampled = measures.sampled
    network.communities = [list(c) for c in measures.communities]
    network.community = {n: None for n in graph}
    for index, found in enumerate(network.communities):
        for n in found:
            network.community[n] = index


def build(
    facts: Iterable[Fact],
    name: NetworkName,
    chat: str | None = None,
    people_ties: Iterable[str] = DEFAULT_PEOPLE_TIES,
    measures: Measures | None = None,
) -> Network:
    """The network `name` of `chat` (None: all chats) with its measures; the same whatever order the facts come in
    (Louvain's answer depends on the order nodes are added, so they are added in a fixed one). `measures`: those
    the build stored for this network (checked against the graph, StaleMeasures if they do not fit), so networkx
    computes nothing."""
    facts = sorted(_in_chat(facts, chat), key=fact_order)
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
    if measures is None:
        _measure(network)
    else:
        _apply(network, measures)
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
    sizes = nx.effective_size(graph) if graph.number_of_nodes() else {}  # a chat only announced: nobody in it
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


NetworkKey = tuple[str, str | None, tuple[str, ...]]


def network_key(name: str, chat: str | None = None, people_ties: Iterable[str] = DEFAULT_PEOPLE_TIES) -> NetworkKey:
    """How a network is named: (network, chat or None, the people ties used; none for the bipartite networks)."""
    ties = tuple(t for t in PEOPLE_TIES if t in set(people_ties)) if name == "people" else ()
    return (name, chat, ties)


class Networks:
    """The networks of one graph, each built on first use and kept (never per request).

    `run(sparql)` answers a query with rows (mappings of variable name to term): a store's or rdflib's. Or `stored`
    (kg/indexes/stored.py): the facts, rankings and context the build read, and the measures it computed for the
    networks the API serves (each network of all chats and of each chat, the default people ties); a network among
    them is rebuilt from the facts with its stored measures (no query, no networkx measure), any other (other people
    ties) is measured on first use as before."""

    def __init__(self, run: Callable[[str], Rows] | None = None, *, stored: StoredNetworks | None = None) -> None:
        if stored is None:
            if run is None:
                raise TypeError("Networks needs a query runner or stored networks")
            stored = StoredNetworks(
                read_facts(run(query_text("network_facts"))),
                read_rankings(run(query_text("network_rankings"))),
                read_context(run(query_text("organisation_ties"))),
            )
        self.facts = stored.facts
        self.rankings = stored.rankings
        self.context = stored.context
        self.measured = stored.measures
        self._stale: set[NetworkKey] = set()
        self._built: dict[NetworkKey, Network] = {}
        self._lock = threading.Lock()

    def get(
        self, name: NetworkName, chat: str | None = None, people_ties: Iterable[str] = DEFAULT_PEOPLE_TIES
    ) -> Network:
        """The network, built once (two threads asking at once wait for one build)."""
        key = network_key(name, chat, people_ties)
        with self._lock:
            if key not in self._built:
                self._built[key] = self._build(name, chat, key[2])
            return self._built[key]

    def _build(self, name: NetworkName, chat: str | None, ties: tuple[str, ...]) -> Network:
        key = (name, chat, ties)
        if key in self.measured and key not in self._stale:
            try:
                return build(self.facts, name, chat, ties, self.measured[key])
            except StaleMeasures as error:  # cannot happen with the build's own file; measured instead, and said
                log.warning("%s; measuring it again", error)
                self._stale.add(key)
        return build(self.facts, name, chat, ties)

    def stored(self, chats: Iterable[str | None], previous: StoredNetworks | None = None) -> StoredNetworks:
        """Everything needed to serve these networks without a query or a measure: the facts, rankings and context,
        and the measures of each network (default ties) of all chats and of each of `chats` (None: all chats).

        `previous` (`qikg add` / `remove`: the stored networks of the build replaced, made by the same code): a
        chat's networks whose facts are exactly those it had there keep their measures (a network's measures are a
        function of its facts alone), so only the chats the change touches and the all-chats networks are measured."""
        measures = {}
        kept_count = 0
        before = _by_chat(previous.facts) if previous is not None else {}
        now = _by_chat(self.facts)
        for chat in dict.fromkeys(chats):
            same = previous is not None and chat is not None and _chat_facts(before, chat) == _chat_facts(now, chat)
            for name in NETWORKS:
                key = network_key(name, chat)
                kept = None
                if same:
                    try:
                        kept = previous.measures.get(key)  # type: ignore[union-attr]
                    except StaleMeasures:  # a damaged previous file: measured again
                        kept = None
                if kept is not None:
                    measures[key] = kept
                    kept_count += 1
                else:  # built from the chat's own facts and let go, not kept (41 MB for 573 networks at 1 M)
                    facts = self.facts if chat is None else _chat_facts(now, chat)
                    measures[key] = measures_of(build(facts, name, chat, key[2]))
        return StoredNetworks(sorted(self.facts, key=fact_order), self.rankings, self.context, measures, kept_count)


def _by_chat(facts: Iterable[Fact]) -> dict[str | None, list[Fact]]:
    """The facts by chat (None: those of no chat), each list in `fact_order`."""
    out: dict[str | None, list[Fact]] = defaultdict(list)
    for f in facts:
        out[f.chat].append(f)
    for found in out.values():
        found.sort(key=fact_order)
    return out


def _chat_facts(by_chat: Mapping[str | None, list[Fact]], chat: str | None) -> list[Fact]:
    """What `_in_chat` gives for `chat`, in `fact_order`: the networks of the chat are made of exactly these."""
    return sorted(_in_chat([*by_chat.get(chat, []), *by_chat.get(None, [])], chat), key=fact_order)


@dataclass
class StoredNetworks:
    """What `Networks` is made of, as the build stores it: the facts (in `fact_order`), the report's rankings and
    the organisations' context (in the order the store gave them: `between` lists panels in it), and the measures
    of the networks computed ahead."""

    facts: list[Fact]
    rankings: list[RankingRow]
    context: list[Fact]
    measures: Mapping[NetworkKey, Measures] = field(default_factory=dict)
    kept: int = 0  # of `measures`, how many `Networks.stored` took from the previous build's (not stored in the file)


# --- what links two organisations -----------------------------------------------------------------------------------

WAY_KINDS = ("part-of", "account", "same-person", "conversation", "same-panel", "named-together", "path")
"""The ways two organisations can be linked, strongest first: one is stated to be part of the other; the account of
one is affiliated with the other; one person is affiliated with both (or speaks for the other's account); people of
the two replied to or mentioned each other (or named the other organisation); people of both sat on one chat's panel
(or the organisations hosted or partnered it); one quote or resource names both (or one person named both); a
shortest path through the people network joins people of the two."""
MAX_PATHS = 5


@dataclass(frozen=True)
class Way:
    """One way the report links two organisations: its kind, the people on it (a path's in order, from the first
    organisation's side), the facts that show it (each a Tie: kind, the item, who), and the chat (if one)."""

    kind: str
    people: tuple[str, ...] = ()
    facts: tuple[Tie, ...] = ()
    chat: str | None = None
    hops: tuple[tuple[str, str, tuple[Tie, ...]], ...] = ()  # a path's steps: (from, to, the ties of that step)


@dataclass
class Between:
    """Every way the report links `first` and `second`, strongest first; when there is none, the nearest link: the
    shortest chain of people, organisations, chats and items that joins them at all (empty: nothing does)."""

    first: str
    second: str
    ways: list[Way]
    nearest: list[tuple[str, str, Tie]] = field(default_factory=list)  # steps (from, to, a tie that makes it)
    path_length: int | None = None  # hops between the nearest people of the two in the people network


def read_context(rows: Rows) -> list[Fact]:
    """The rows of `organisation_ties.rq`: panels, hosts, partners, part-of, speaks-for, items naming organisations."""
    return read_facts(rows)


def members(orgs: Network, context: Iterable[Fact], organisation: str) -> dict[str, list[Tie]]:
    """The people of an organisation: those the report states are affiliated with it, its own accounts, and the
    people who speak for those accounts; each with the ties that make them so."""
    out: dict[str, list[Tie]] = {}
    if organisation in orgs.graph:
        for person in orgs.graph[organisation]:
            own = [t for t in orgs.ties(person, organisation) if t.kind in ("affiliation", "account")]
            if own:
                out[person] = own
    for fact in context:
        if fact.kind == "speaks-for" and fact.b in out and fact.a not in out:
            out[fact.a] = [Tie("speaks-for", None, fact.a)]
    return out


def _key(tie: Tie) -> tuple[str, str, str]:
    return (tie.kind, tie.evidence or "", tie.by or "")


def between(
    people: Network, orgs: Network, context: Iterable[Fact], first: str, second: str, chat: str | None = None
) -> Between:
    """Every way the report links two organisations (WAY_KINDS, strongest first, each with its facts)."""
    context = [f for f in context if chat is None or f.chat in (None, chat)]
    of_first, of_second = members(orgs, context, first), members(orgs, context, second)
    ways: list[Way] = []
    for a, b in ((first, second), (second, first)):
        if any(f.kind == "part-of" and (f.a, f.b) == (a, b) for f in context):
            ways.append(Way("part-of", facts=(Tie("part-of", None, a),)))
    for person in sorted(set(of_first) & set(of_second)):
        facts = (of_first[person][0], of_second[person][0])
        if any(t.kind == "account" for t in of_first[person] + of_second[person]):  # an account is the organisation
            ways.append(Way("account", (person,), facts))
        else:
            ways.append(Way("same-person", (person,), facts))
    for p in sorted(of_first):
        for q in sorted(of_second):
            if p != q and people.graph.has_edge(p, q):
                ways.append(Way("conversation", (p, q), tuple(people.ties(p, q))))
    for own, other in ((of_first, second), (of_second, first)):
        for p in sorted(own):
            if p in orgs.graph and orgs.graph.has_edge(p, other):
                said = tuple(t for t in orgs.ties(p, other) if t.kind == "mentions-organisation")
                if said:
                    ways.append(Way("conversation", (p,), said))
    roles: dict[str, dict[str, list[tuple[str, Tie]]]] = defaultdict(lambda: {first: [], second: []})
    for f in context:
        if f.kind == "panel":
            for org, own in ((first, of_first), (second, of_second)):
                if f.a in own:
                    roles[f.b][org].append((f.a, Tie("panel", None, f.a)))
        elif f.kind in ("host", "partner") and f.a in (first, second):
            roles[f.b][f.a].append((f.a, Tie(f.kind, None, f.a)))
    for held_in, sides in sorted(roles.items()):
        if not any(x != y for x, _ in sides[first] for y, _ in sides[second]):
            continue  # no one of either side, or one seat counted on both (an account of both): no two parties
        if sides[first] and sides[second]:
            on = sides[first] + sides[second]
            ways.append(
                Way(
                    "same-panel",
                    tuple(dict.fromkeys(who for who, _ in on if who not in (first, second))),
                    tuple(t for _, t in on),
                    held_in,
                )
            )
    named: dict[str, set[str]] = defaultdict(set)
    for f in context:
        if f.kind == "named" and f.b in (first, second):
            named[f.a].add(f.b)
    for item in sorted(i for i, orgs_named in named.items() if len(orgs_named) == 2):
        ways.append(Way("named-together", facts=(Tie("named", item),)))
    if first in orgs.graph and second in orgs.graph:  # one person (of neither) named both, in different quotes
        for person in sorted(set(orgs.graph[first]) & set(orgs.graph[second]) - set(of_first) - set(of_second)):
            t1 = [t for t in orgs.ties(person, first) if t.kind == "mentions-organisation"]
            t2 = [t for t in orgs.ties(person, second) if t.kind == "mentions-organisation"]
            if t1 and t2 and not {t.evidence for t in t1} & {t.evidence for t in t2}:
                ways.append(Way("named-together", (person,), (t1[0], t2[0])))
    ways.sort(key=lambda w: (WAY_KINDS.index(w.kind), -len(w.facts)))  # stable: within a kind, most facts first
    answer = Between(first, second, ways)
    _paths(people, of_first, of_second, answer)
    if not answer.ways:
        answer.nearest = _nearest(people, orgs, context, first, second)
    return answer


def _paths(people: Network, of_first: Mapping[str, object], of_second: Mapping[str, object], answer: Between) -> None:
    """The shortest paths through the people network between people of the two (networkx), when they pass through
    someone else: a direct reply or mention is already a conversation."""
    sources = sorted(p for p in of_first if p in people.graph and p not in of_second)
    targets = {p for p in of_second if p in people.graph and p not in of_first}
    if not sources or not targets:
        return
    best: int | None = None
    ends: list[tuple[str, str]] = []
    for s in sources:
        lengths = nx.single_source_shortest_path_length(people.graph, s)
        for t in sorted(targets):
            if t in lengths and (best is None or lengths[t] <= best):
                if best is None or lengths[t] < best:
                    best, ends = lengths[t], []
                ends.append((s, t))
    answer.path_length = best
    if best is None or best < 2:
        return
    found: list[list[str]] = []
    for s, t in ends:
        for path in sorted(nx.all_shortest_paths(people.graph, s, t)):
            found.append(path)
            if len(found) >= MAX_PATHS:
                break
        if len(found) >= MAX_PATHS:
            break
    for path in found:
        hops = tuple((u, v, tuple(people.ties(u, v))) for u, v in itertools.pairwise(path))
        answer.ways.append(Way("path", tuple(path), hops=hops))


def _nearest(
    people: Network, orgs: Network, context: Iterable[Fact], first: str, second: str
) -> list[tuple[str, str, Tie]]:
    """The shortest chain joining the two in everything the report ties (people's replies and mentions, their
    organisations, the chats' panels and roles, the items naming organisations, part-of): its steps in order, each
    with one tie that makes it (its `by` says which end did it)."""
    joint = nx.Graph()
    for network in (people, orgs):
        for u, v in network.graph.edges:
            joint.add_edge(u, v, tie=network.ties(u, v)[0])
    for f in context:
        if not joint.has_edge(f.a, f.b):
            joint.add_edge(f.a, f.b, tie=Tie(f.kind, f.evidence, f.a))
    if first not in joint or second not in joint:
        return []
    try:
        path = list(nx.shortest_path(joint, first, second))
    except nx.NetworkXNoPath:
        return []
    return [(u, v, joint.edges[u, v]["tie"]) for u, v in itertools.pairwise(path)]
