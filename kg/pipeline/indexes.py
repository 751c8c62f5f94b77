"""The build's step that stores what the API needs in memory (kg/indexes/stored.py): the catalogue and the FTS5
search index, read from the build's own store once, so a server starts by reading two files instead of querying.

Its own step, after the store is loaded and before the swap: `qikg build` and `qikg add` run it the same way. The
catalogue is read from the store whole (an added chat changes documents all over it: people, themes, counts); the
search index is built whole by `qikg build`, and patched by `qikg add` / `remove` (`previous`: the build being
replaced; kg/indexes/search_patch.py), the same answers at a fraction of the time (bench/results/search.md).
"""

from __future__ import annotations

import time
from pathlib import Path

from kg.indexes import stored
from kg.indexes.catalogue import Catalogue
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
    finally:
        store.close()
    return {"read_s": round(read_s, 3), **written, "total_s": round(time.perf_counter() - started, 3)}
