"""Server-side positions, so the view opens already laid out, the same every time, with physics off.

Force layouts cost O(n^2) per iteration in networkx, too slow for thousands of nodes. So only the skeleton (people,
organisations, themes, questions: the overview graph, a few hundred nodes) gets a force layout, with a fixed seed;
quotes and resources, which are most of the nodes, are then placed beside the people and themes they connect, on a
small sunflower spiral so siblings do not overlap. The overview and full views share the skeleton's positions, so
switching between them keeps everyone in place.
"""

from __future__ import annotations

import math

import networkx as nx

from visualizations.model import OVERVIEW_KINDS, overview_graph

SEED = 20221019
# Pull of each relation when placing a quote or resource (its author matters most, then its themes).
_LEAF_PULL = {"saidBy": 3.0, "sharedBy": 3.0, "hasTheme": 1.5, "answers": 0.5, "mentions": 0.5}
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))

Positions = dict[str, tuple[float, float]]


def _skeleton(g: nx.MultiDiGraph) -> nx.Graph:
    """Undirected simple graph of the overview, edge weights summed, damped so one busy edge does not dominate."""
    ov = overview_graph(g) if g.graph.get("mode", "full") == "full" else g
    simple = nx.Graph()
    simple.add_nodes_from(sorted(ov.nodes))
    for source, target, weight in ov.edges(data="weight"):
        previous = simple.get_edge_data(source, target, {"raw": 0})["raw"]
        simple.add_edge(source, target, raw=previous + weight)
    for _, _, data in simple.edges(data=True):
        data["weight"] = 1.0 + math.log(data["raw"])
    return simple


def skeleton_positions(g: nx.MultiDiGraph, seed: int = SEED) -> Positions:
    """Force-directed positions (unit scale) for people, organisations, themes and questions."""
    simple = _skeleton(g)
    if simple.number_of_nodes() == 0:
        return {}
    n = simple.number_of_nodes()
    iterations = 300 if n <= 300 else 120
    raw = nx.spring_layout(simple, seed=seed, iterations=iterations, weight="weight", k=1.6 / math.sqrt(n))
    return {node: (float(x), float(y)) for node, (x, y) in raw.items()}


def _leaf_anchor(g: nx.MultiDiGraph, node: str, placed: Positions) -> tuple[float, float] | None:
    total = x = y = 0.0
    for _, target, rel in g.out_edges(node, keys=True):
        pull = _LEAF_PULL.get(rel, 0.0)
        if target in placed and pull:
            tx, ty = placed[target]
            x, y, total = x + pull * tx, y + pull * ty, total + pull
    return (x / total, y / total) if total else None


def positions(g: nx.MultiDiGraph, seed: int = SEED, spread: float | None = None) -> Positions:
    """Pixel positions for every node of `g` (full or overview), deterministic for a given graph and seed.

    `spread` is the half-width in pixels of the skeleton; by default it grows with the square root of the node
    count, so density (and label crowding) stays about the same at any size.
    """
    n = g.number_of_nodes()
    if n == 0:
        return {}
    spread = spread or 140.0 * math.sqrt(n)
    skeleton = skeleton_positions(g, seed)
    placed: Positions = {node: (x * spread, y * spread) for node, (x, y) in skeleton.items()}

    leaves = sorted(node for node, kind in g.nodes(data="kind") if kind not in OVERVIEW_KINDS)
    groups: dict[tuple[float, float] | None, list[str]] = {}
    for node in leaves:
        anchor = _leaf_anchor(g, node, placed)
        groups.setdefault(None if anchor is None else (round(anchor[0], 3), round(anchor[1], 3)), []).append(node)

    step = 16.0  # pixels between neighbouring leaves on a spiral: the size of a small node plus a gap
    for anchor, members in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or (0.0, 0.0))):
        if anchor is None:
            continue
        for i, node in enumerate(members):
            radius = step * math.sqrt(i + 0.5)
            angle = i * _GOLDEN_ANGLE
            placed[node] = (anchor[0] + radius * math.cos(angle), anchor[1] + radius * math.sin(angle))
    # Leaves that touch nothing on the skeleton go on a ring outside it, in a stable order.
    loose = groups.get(None, [])
    ring = spread * 1.25
    for i, node in enumerate(loose):
        angle = 2 * math.pi * i / max(len(loose), 1)
        placed[node] = (ring * math.cos(angle), ring * math.sin(angle))
    return {node: (round(x, 1), round(y, 1)) for node, (x, y) in placed.items()}
