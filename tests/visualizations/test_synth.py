"""Is the synthetic scale graph really ten times the seed, and still one network?"""

from __future__ import annotations

import networkx as nx
from rdflib import Dataset

from bench.graph_synth import synthesize
from visualizations.model import as_graph, full_graph


def test_the_synthetic_graph_has_at_least_ten_times_the_nodes(mini: Dataset) -> None:
    seed, big = full_graph(mini), full_graph(synthesize(mini, 10))
    assert big.number_of_nodes() >= 10 * seed.number_of_nodes()
    assert big.number_of_nodes() < 12 * seed.number_of_nodes()


def test_it_contains_the_seed_graph_and_is_deterministic(mini: Dataset) -> None:
    big = synthesize(mini, 10)
    assert all(triple in big for triple in as_graph(mini))
    assert set(big) == set(synthesize(mini, 10))


def test_the_copies_stay_connected_through_shared_themes(mini: Dataset) -> None:
    seed, big = full_graph(mini), full_graph(synthesize(mini, 10))
    components = nx.number_weakly_connected_components
    assert components(big) < 10 * components(seed)
