"""A *proposed* change to kg.store.OxigraphStore, applied here only to measure it (the product is not changed).

Oxigraph's `use_default_graph_as_union=True` returns a triple once per named graph that holds it (bag semantics),
while SPARQL's RDF merge is a set. With many chats, shared nodes (people, organisations, themes) repeat their facts
in every chat's graph, so the API's catalogue queries (several OPTIONALs per participant) multiply rows: at ~100 k
quads `participants.rq` returns 428 k rows in 30 s, at ~1 M it never finishes and the API cannot start.

The fix measured here: at load, copy every named-graph quad into the default graph (a set, so duplicates vanish) and
query the default graph instead of the union. Run the API with it:

    python -m bench.union_fix --host 127.0.0.1 --port PORT      (QIKG_* settings as usual)

The patch is applied at import, so the API's spawned query workers (which re-import this main module) get it too.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg import store as kg_store

_original_install = kg_store.OxigraphStore._install


class _DefaultGraphStore:
    """Wraps a pyoxigraph store so queries read the materialised default graph, not the bag-semantics union."""

    def __init__(self, inner: ox.Store) -> None:
        self._inner = inner

    def query(self, sparql, *, use_default_graph_as_union=False, substitutions=None, **kwargs):
        return self._inner.query(sparql, substitutions=substitutions, **kwargs)

    def named_graphs(self):
        return self._inner.named_graphs()

    def __len__(self) -> int:
        return len(self._inner)


def _materialise(store: ox.Store) -> None:
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                      for q in store.quads_for_pattern(None, None, None, None)
                      if not isinstance(q.graph_name, ox.DefaultGraph))


def _install(self, store, meta: dict) -> None:
    if not isinstance(store, _DefaultGraphStore):
        store = _DefaultGraphStore(store)
    _original_install(self, store, meta)


def _load(self, source: Path, key: str | None = None) -> None:
    """kg.store.OxigraphStore.load plus the materialisation step (same generations and atomic pointer switch)."""
    source = Path(source)
    fmt = kg_store._rdf_format(source)
    key = key or kg_store.file_key(source)
    if self.location is None:
        fresh = ox.Store()
        fresh.bulk_load(path=str(source), format=fmt)
        triples = len(fresh)
        _materialise(fresh)
        self._install(fresh, {"key": key, "source": str(source), "triples": triples})
        return
    self.location.mkdir(parents=True, exist_ok=True)
    generation = f"gen-{time.time_ns()}-{os.getpid()}"
    target = self.location / generation
    writer = ox.Store(str(target))
    writer.bulk_load(path=str(source), format=fmt)
    triples = len(writer)
    _materialise(writer)
    writer.flush()
    del writer
    gc.collect()
    meta = {"generation": generation, "key": key, "source": str(source), "triples": triples}
    tmp = self.location / f".{self.POINTER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, self.location / self.POINTER)
    previous = self._generation
    self._install(ox.Store.read_only(str(target)), meta)
    self._generation = generation
    self._collect_garbage(keep={generation, previous})


kg_store.OxigraphStore._install = _install
kg_store.OxigraphStore.load = _load

if __name__ == "__main__":
    import uvicorn

    args = sys.argv[1:]
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    port = int(args[args.index("--port") + 1]) if "--port" in args else 8000
    from api.main import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="warning", access_log=False)
