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
ASPECT = 1.45
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


def force_layout(simple: nx.Graph, seed: int = SEED, iterations: int | None = None, gravity: float = 0.08) -> Positions:
    """Force-directed layout in the style of ForceAtlas2, vectorised with numpy (dense, O(n^2) memory).

    Repulsion between two nodes grows with both their degrees (so hubs such as the lessons and the questions push
    apart instead of clumping in the middle), and a pull towards the centre keeps loosely connected nodes close.
    networkx's spring layout has neither, and above 500 nodes it falls back to a per-node Python loop; this lays
    out ~1,000 nodes in seconds. Unit scale (90% of nodes within radius 1), deterministic for a given seed.
    """
    nodes = sorted(simple.nodes, key=str)  # a subgraph view iterates a set: sort, or positions vary with the hash seed
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1.0, 1.0, size=(n, 2))
    weights = nx.to_numpy_array(simple, nodelist=nodes, weight="weight", dtype=float)
    degree = (weights > 0).sum(axis=1) + 1.0
    mass = degree / degree.mean()
    pair_mass = np.outer(mass, mass)
    k = 1.0 / math.sqrt(n)
    iterations = iterations or (300 if n <= 300 else 150 if n <= 1000 else 80)
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    gravity_pull = gravity * n * k * mass
    for _ in range(iterations):
        dx, dy = x[:, np.newaxis] - x, y[:, np.newaxis] - y
        distance = np.maximum(np.sqrt(dx * dx + dy * dy), 0.01)
        force = k * k * pair_mass / (distance * distance) - weights * distance / k  # per unit of delta
        move_x = ((dx * force).sum(axis=1) - gravity_pull * x) / mass  # heavy nodes move less
        move_y = ((dy * force).sum(axis=1) - gravity_pull * y) / mass
        length = np.maximum(np.sqrt(move_x * move_x + move_y * move_y), 0.01)
        step = np.minimum(length, temperature) / length
        x += move_x * step
        y += move_y * step
        temperature -= cooling
    pos = np.column_stack([x, y])
    pos -= np.median(pos, axis=0)
    pos /= max(float(np.percentile(np.linalg.norm(pos, axis=1), 90)), 1e-9)
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos, strict=True)}


def skeleton_positions(g: nx.MultiDiGraph, seed: int = SEED) -> Positions:
    """Force-directed positions (unit scale) for the connected people, organisations, themes and questions.

    Only the main network is laid out here; small groups cut off from it (an organisation and its one member,
    a lone account) are left for `positions` to line up underneath, where they read as "not connected to the rest".
    """
    simple = _skeleton(g)
    return force_layout(simple.subgraph(_main_component(simple)).copy(), seed)


def _main_component(simple: nx.Graph) -> set[str]:
    """The largest connected component, plus any other component big enough to matter (a tenth of the nodes)."""
    components = sorted(nx.connected_components(simple), key=lambda c: (-len(c), min(c)))
    if not components:
        return set()
    keep = set(components[0])
    for component in components[1:]:
        if len(component) >= max(3, simple.number_of_nodes() // 10):
            keep |= component
    return keep


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

    `spread` is the radius in pixels within which most of the main network lies; by default it grows with the
    square root of the node count, so density (and label crowding) stays about the same at any size.
    """
    n = g.number_of_nodes()
    if n == 0:
        return {}
    spread = spread or 75.0 * math.sqrt(n)
    simple = _skeleton(g)
    main = _main_component(simple)
    raw = force_layout(simple.subgraph(main).copy(), seed)
    # Wider than tall, like the screens the view is read on.
    placed: Positions = {node: (x * spread * ASPECT, y * spread) for node, (x, y) in raw.items()}
    apart = sorted(
        (sorted(c) for c in nx.connected_components(simple) if not c & main),
        key=lambda c: (-len(c), g.nodes[c[0]]["kind"], c[0]),
    )
    strip = _Strip(placed, spread)
    for component in apart:
        strip.add_group(simple.subgraph(component).copy(), seed)

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
    for node in sorted(groups.get(None, []), key=lambda node: (g.nodes[node]["kind"], node)):
        strip.add_group(_single(node), seed)
    return {node: (round(x, 1), round(y, 1)) for node, (x, y) in placed.items()}


def _single(node: str) -> nx.Graph:
    graph = nx.Graph()
    graph.add_node(node)
    return graph


class _Strip:
    """Rows under the main network for what is not connected to it: small groups first, then single nodes."""

    CELL = 150.0  # width given to a single node (room for its label)
    ROW_GAP = 70.0

    def __init__(self, placed: Positions, spread: float) -> None:
        self.placed = placed
        xs = [x for x, _ in placed.values()] or [-spread, spread]
        ys = [y for _, y in placed.values()] or [0.0]
        self.left, self.right = min(xs), max(max(xs), min(xs) + 4 * self.CELL)
        self.top = max(ys) + 140.0
        self.x, self.row_height = self.left, 0.0

    def add_group(self, group: nx.Graph, seed: int) -> None:
        size = group.number_of_nodes()
        radius = 0.0 if size == 1 else 45.0 * math.sqrt(size)
        width = max(self.CELL, 2 * radius + self.CELL / 2)
        if self.x + width > self.right + 1 and self.x > self.left:
            self.x, self.top, self.row_height = self.left, self.top + self.row_height + self.ROW_GAP, 0.0
        centre = (self.x + width / 2, self.top + radius)
        local = force_layout(group, seed) if size > 1 else {next(iter(group.nodes)): (0.0, 0.0)}
        scale = radius / max(max(math.hypot(x, y) for x, y in local.values()), 1e-9) if size > 1 else 0.0
        for node, (x, y) in local.items():
            self.placed[node] = (centre[0] + x * scale, centre[1] + y * scale)
        self.x += width
        self.row_height = max(self.row_height, 2 * radius)
