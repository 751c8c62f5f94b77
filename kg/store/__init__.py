"""Store back-ends behind one interface, so the API never knows which triple store answers it.

Every back-end loads a TriG (or N-Quads / Turtle) dump, answers SPARQL with the union of the named graphs as the
default graph, binds parameters safely (never by pasting text into the query) and returns one neutral
`QueryResult` made of rdflib terms. A remote SPARQL 1.1 server fits the same `Store` protocol (issue 5).

Back-ends:
- `OxigraphStore`: embedded pyoxigraph, the default; persisted in a folder of *generations*. A load writes a new
  generation and only then moves the `CURRENT` pointer, so a crash mid-load leaves the previous graph intact.
- `RdflibStore`: an rdflib `Dataset` in memory (slow at scale, no dependencies beyond rdflib).
- `kg.store.remote.RemoteStore`: any SPARQL 1.1 server through the SPARQL Protocol and the Graph Store Protocol.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from kg.store.base import (
    AnswerTooLarge,
    Bindings,
    InvalidBinding,
    ProtocolDataset,
    QueryKind,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    Store,
    StoreError,
    StoreSpec,
    file_key,
    without_paths,
)
from kg.store.convert import from_ox, to_ox
from kg.store.memory import RdflibStore
from kg.store.oxigraph import OxigraphStore, load_with_union, merge_into_default_graph
from kg.store.remote import RemoteSettings

__all__ = [
    "BACKENDS",
    "AnswerTooLarge",
    "Bindings",
    "InvalidBinding",
    "OxigraphStore",
    "ProtocolDataset",
    "QueryKind",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "RdflibStore",
    "RemoteSettings",
    "RowLimitExceeded",
    "Store",
    "StoreError",
    "StoreSpec",
    "file_key",
    "from_ox",
    "load_with_union",
    "merge_into_default_graph",
    "open_store",
    "reopen",
    "to_ox",
    "without_paths",
]

BACKENDS = ("oxigraph", "rdflib", "memory", "remote")


def open_store(
    backend: str, store_dir: Path | None = None, *, remote: RemoteSettings | None = None, optimize: bool = True
) -> Store:
    """A store of the chosen back-end; Oxigraph persists under `store_dir` (in memory when it is None) and, with
    `optimize`, is compacted after each load.

    "memory" is another name for the rdflib back-end; "remote" needs `remote` (the server's URLs and credentials).
    """
    if backend == "oxigraph":
        return OxigraphStore(store_dir, optimize=optimize)
    if backend in ("rdflib", "memory"):
        return RdflibStore()
    if backend == "remote":
        from kg.store.remote import RemoteStore

        if remote is None:
            raise ValueError("the remote store needs its settings: the query URL at least")
        return RemoteStore(remote)
    raise ValueError(f"unknown store backend {backend!r}: expected one of {', '.join(BACKENDS)}")


def reopen(spec: StoreSpec) -> Store:
    """Open the store described by `spec` in this process (read-only for Oxigraph; reloaded for memory stores)."""
    if spec.backend == "oxigraph" and spec.location:
        store = OxigraphStore()
        try:
            reader = ox.Store.read_only(spec.location)
        except OSError as error:
            raise StoreError(
                f"the store's files cannot be opened (was the data folder removed?): {without_paths(str(error))}"
            ) from None
        try:  # the count of the named graphs' quads, recorded at load (len() also counts the merged default graph)
            meta = json.loads((Path(spec.location).parent / OxigraphStore.POINTER).read_text())
            triples = int(meta["triples"]) if meta.get("generation") == Path(spec.location).name else None
        except (OSError, ValueError, KeyError):
            triples = None
        if triples is None:
            triples = sum(
                1 for q in reader.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)
            )
        store._install(reader, {"key": None, "source": spec.source, "triples": triples})
        return store
    if spec.backend == "remote":
        return open_store("remote", remote=spec.remote)
    opened = open_store("oxigraph" if spec.backend.startswith("oxigraph") else spec.backend)
    if spec.source:
        opened.load(Path(spec.source))
    return opened
