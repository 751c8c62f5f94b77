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
import numpy as np

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


def force_layout(simple: nx.Graph, seed: int = SEED, iterations: int | None = None,
                 gravity: float = 0.08) -> Positions:
    """Fruchterman–Reingold with a pull towards the centre, vectorised with numpy (dense, O(n^2) memory).

    networkx's own spring layout has no gravity, so a node without edges flies to the edge and squeezes everything
    else into a corner; and above 500 nodes it switches to a per-node Python loop. This keeps isolated nodes and
    small components near the rest and lays out ~1,000 nodes in a couple of seconds. Unit scale, deterministic.
    """
    nodes = list(simple.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1.0, 1.0, size=(n, 2))
    weights = nx.to_numpy_array(simple, nodelist=nodes, weight="weight", dtype=float)
    k = 1.0 / math.sqrt(n)
    iterations = iterations or (300 if n <= 300 else 150 if n <= 1000 else 80)
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, np.newaxis, :] - pos[np.newaxis, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=-1), 0.01)
        force = k * k / distance**2 - weights * distance / k  # repulsion minus attraction, per unit of delta
        displacement = np.einsum("ijk,ij->ik", delta, force) - gravity * pos * n * k
        length = np.maximum(np.linalg.norm(displacement, axis=-1), 0.01)
        pos += displacement * (np.minimum(length, temperature) / length)[:, np.newaxis]
        temperature -= cooling
    pos -= pos.mean(axis=0)
    pos /= max(float(np.abs(pos).max()), 1e-9)
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos, strict=True)}


def skeleton_positions(g: nx.MultiDiGraph, seed: int = SEED) -> Positions:
    """Force-directed positions (unit scale) for the connected people, organisations, themes and questions.

    Nodes without any edge are left out: `positions` lines them up apart, where they read as "not connected".
    """
    simple = _skeleton(g)
    simple.remove_nodes_from([node for node, degree in dict(simple.degree).items() if degree == 0])
    return force_layout(simple, seed)


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
    spread = spread or 70.0 * math.sqrt(n)
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
    _line_up(g, [node for node in g.nodes if node not in placed] + groups.get(None, []), placed, spread)
    return {node: (round(x, 1), round(y, 1)) for node, (x, y) in placed.items()}


def _line_up(g: nx.MultiDiGraph, loose: list[str], placed: Positions, spread: float) -> None:
    """Nodes connected to nothing drawn: a tidy grid under the network, grouped by kind, in label order."""
    if not loose:
        return
    loose = sorted(set(loose), key=lambda node: (g.nodes[node]["kind"], node))
    bottom = max((y for _, y in placed.values()), default=0.0) + 120.0
    left = min((x for x, _ in placed.values()), default=-spread)
    width = max((x for x, _ in placed.values()), default=spread) - left
    cell_x, cell_y = 150.0, 60.0
    columns = max(1, int(width // cell_x) + 1)
    for i, node in enumerate(loose):
        row, column = divmod(i, columns)
        placed[node] = (left + column * cell_x, bottom + row * cell_y)
