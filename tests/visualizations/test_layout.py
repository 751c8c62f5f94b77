"""Is the layout stable and readable? Same positions every time, nothing on top of anything, leaves near owners."""

from __future__ import annotations

import math
import time

from rdflib import Dataset

from bench.graph_synth import synthesize
from visualizations.layout import force_layout, positions, skeleton_positions
from visualizations.model import full_graph, overview_graph


def test_positions_are_the_same_on_every_build(mini: Dataset) -> None:
    assert positions(full_graph(mini)) == positions(full_graph(mini))


def test_every_node_gets_a_distinct_finite_position(mini: Dataset) -> None:
    g = full_graph(mini)
    placed = positions(g)
    assert set(placed) == set(g.nodes)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in placed.values())
    points = sorted(placed.values())
    closest = min(math.dist(a, b) for i, a in enumerate(points) for b in points[i + 1 :])
    assert closest > 5.0


def test_people_and_themes_keep_their_place_between_overview_and_full(mini: Dataset) -> None:
    full = full_graph(mini)
    assert skeleton_positions(full) == skeleton_positions(overview_graph(full))


def test_a_quote_sits_nearer_its_author_than_the_average_node(mini: Dataset) -> None:
    g = full_graph(mini)
    placed = positions(g)
    quote, author = "quote/fixture-chat/4", "participant/dave_vmi"
    mean = sum(math.dist(placed[quote], p) for p in placed.values()) / len(placed)
    assert math.dist(placed[quote], placed[author]) < mean


def test_a_participant_with_no_connections_is_lined_up_below_the_network(mini: Dataset) -> None:
    g = full_graph(mini)
    placed = positions(g)
    lonely = "participant/erin_lurker"
    assert g.degree(lonely) == 0
    connected = [y for node, (_, y) in placed.items() if g.degree(node) > 0]
    assert placed[lonely][1] > max(connected)


def test_the_force_layout_keeps_a_two_node_component_near_the_rest() -> None:
    import networkx as nx

    g = nx.Graph()
    nx.add_path(g, range(12), weight=1.0)
    g.add_edge("a", "b", weight=1.0)
    placed = force_layout(g)
    radii = sorted(math.hypot(x, y) for x, y in placed.values())
    assert radii[int(0.9 * len(radii)) - 1] <= 1.0 + 1e-9  # unit scale: 90% within radius 1
    main_centre = [sum(placed[i][d] for i in range(12)) / 12 for d in (0, 1)]
    assert math.dist(placed["a"], main_centre) < 3.0


def test_layout_of_ten_times_the_graph_takes_seconds_not_minutes(mini: Dataset) -> None:
    g = full_graph(synthesize(mini, 10))
    started = time.perf_counter()
    placed = positions(g)
    assert len(placed) == g.number_of_nodes()
    assert time.perf_counter() - started < 20
