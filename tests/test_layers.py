"""Does every import follow the data flow, report -> records -> RDF -> checks -> store -> API and graph view?

The import graph is read from the source (every `import`, also those inside functions), so a lazy import cannot
hide an arrow against the flow. A module may import its own layer or a lower one; the graph has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kg", "api", "visualizations")

# lower number = earlier step; the longest matching prefix decides a module's layer
LAYERS = {
    "kg.iris": 0,  # the IRIs and namespaces
    "kg.records": 0,  # what extraction gives the RDF builder
    "kg.sources.inputs": 0,  # reading a file safely; the error that names file:line
    "kg.sources.curation": 0,  # the reviewed curation files, which the extractor reads too
    "kg.sources.aliases": 0,  # one person, several spellings
    "kg.store": 1,  # the triple stores: the engine under every later step
    "kg.extract": 2,  # report text -> records
    "kg.sources": 3,  # the registry of chat sources: reports and records files
    "kg.rdf": 4,  # records -> RDF, chats assembled
    "kg.checks": 5,  # SHACL, quality queries, HermiT
    "kg.sparql": 6,  # the query policy, result formats and sandboxed workers
    "kg.indexes": 7,  # search and network indexes read from a store
    "kg.publish": 8,  # dumps, GEXF, the ontology page
    "kg.settings": 9,  # the one settings class
    "kg.pipeline": 10,  # the build run, its manifest, the atomic swap, add/remove transactions
    "visualizations": 11,  # the graph view, called by the build through an entry point
    "api": 12,  # the web API: opens a built store, never builds
    "kg.cli": 13,  # the command line drives everything
}
NEVER = {  # importer prefix -> imported prefixes it must not reach, whatever the layers say
    "api": ("kg.pipeline.run", "kg.pipeline.inputs", "kg.pipeline.transaction", "kg.rdf", "kg.extract", "kg.checks"),
    "kg": ("bench", "tests"),
    "api.": ("bench", "tests"),
    "visualizations": ("bench", "tests", "api", "kg.pipeline"),
}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _is_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            here = _module(path)
            graph.add_node(here)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                targets: list[str] = []
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    for alias in node.names:  # `from kg.store import base` imports the module kg.store.base
                        full = f"{node.module}.{alias.name}"
                        targets.append(full if _is_module(full) else node.module)
                for target in targets:
                    if target.split(".")[0] in (*PACKAGES, "bench", "tests") and target != here:
                        graph.add_edge(here, target)
    return graph


def layer(module: str) -> int | None:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


GRAPH = import_graph()


def test_every_module_has_a_layer() -> None:
    assert [m for m in GRAPH if m not in PACKAGES and layer(m) is None] == []


def against_the_flow(graph: nx.DiGraph) -> list[str]:
    """Every import of a later step, and every forbidden arrow."""
    out = []
    for a, b in graph.edges:
        la, lb = layer(a), layer(b)
        if la is not None and lb is not None and lb > la:
            out.append(f"{a} (layer {la}) imports {b} (layer {lb})")
        for importer, forbidden in NEVER.items():
            mine = a == importer.rstrip(".") or a.startswith(importer.rstrip(".") + ".")
            if mine and a != "kg.cli" and any(b == f or b.startswith(f + ".") for f in forbidden):
                out.append(f"{a} must not import {b}")
    return out


def test_no_module_imports_a_later_step_or_a_forbidden_one() -> None:
    assert against_the_flow(GRAPH) == []


def test_the_import_graph_has_no_cycle() -> None:
    assert list(nx.simple_cycles(GRAPH)) == []


@pytest.mark.parametrize(
    "edge",
    [
        ("kg.pipeline.run", "visualizations.render"),  # the build importing the view
        ("api.state", "kg.pipeline.run"),  # the API running the build
        ("kg.sources.registry", "bench.synth"),  # the real data path importing the generator
        ("kg.store.remote", "kg.sparql.policy"),  # the store importing a later step
    ],
)
def test_an_arrow_against_the_flow_is_caught(edge: tuple[str, str]) -> None:
    bad = GRAPH.copy()
    bad.add_edge(*edge)
    assert any(edge[0] in line and edge[1] in line for line in against_the_flow(bad))
