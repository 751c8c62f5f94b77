"""The build's step that stores what the API needs in memory (kg/indexes/stored.py): the catalogue, the FTS5
search index and the networks with their measures, read from the build's own store once, so a server starts by
reading files instead of querying and measuring.

Its own step, after the store is loaded and before the swap: `qikg build` and `qikg add` run it the same way. The
catalogue is read from the store whole (an added chat changes documents all over it: people, themes, counts); the
search index is built whole by `qikg build`, and patched by `qikg add` / `remove` (`previous`: the build being
replaced; kg/indexes/search_patch.py), the same answers at a fraction of the time (bench/results/search.md). The
networks are measured whole (all chats, and each chat), except that `qikg add` / `remove` keep the measures of the
chats whose facts did not change (kg/indexes/network.py `Networks.stored`).
"""

from __future__ import annotations

import time
from pathlib import Path

from kg.indexes import stored
from kg.indexes.catalogue import Catalogue
from kg.indexes.network import Networks
from kg.pipeline.manifest import build_key
from kg.store import OxigraphStore, Store


def write_indexes(
    build_dir: Path, store_dir: Path | None, id_base: str | None = None, previous: Path | None = None
) -> dict[str, float | int | str]:
    """Read the catalogue of the build in `build_dir` from its store (`store_dir`, loaded under the build's key;
    None: the build's TriG is loaded into an in-memory store first) and write `<build_dir>/indexes/`, the search
    index patched from the one of the build in `previous` when it can be (`search` in the answer says how)."""
    from kg.settings import Settings

    started = time.perf_counter()
    key = build_key(build_dir)
    store: Store = OxigraphStore(store_dir)
    try:
        if store_dir is None:
            store.load(Path(build_dir) / "qikg.trig", key)
        elif store.loaded_key() != key:
            raise RuntimeError(f"the store in {store_dir} does not hold the build in {build_dir}")
        read_s = time.perf_counter()
        catalogue = Catalogue.read(store, id_base or Settings().id_base)
        read_s = time.perf_counter() - read_s
        written = stored.write(build_dir, catalogue, key, previous)
        networks_s = time.perf_counter()
        networks = Networks(lambda sparql: store.query(sparql).rows)
        earlier = stored.previous_networks(previous) if previous is not None else None
        measured = networks.stored([None, *catalogue.chats], earlier)
        networks_s = time.perf_counter() - networks_s
        written |= stored.write_networks(build_dir, measured, key)
    finally:
        store.close()
    return {
        "read_s": round(read_s, 3),
        **written,
        "networks_s": round(networks_s, 3),
        "networks_stored": len(measured.measures),
        "networks_reused": measured.kept,
        "total_s": round(time.perf_counter() - started, 3),
    }
