"""The server's graph: makes sure the build is current, loads it into the store, keeps per-load indexes.

One `GraphService` per app. It owns the store (read by the API's own bound queries) and the query sandbox (which
runs users' /sparql queries in killable processes), and rebuilds its in-memory catalogue whenever the store's
content changes.
"""

from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path

from api.catalogue import Catalogue
from api.config import Settings
from api.sandbox import QuerySandbox
from kg.store import Store, file_key

log = logging.getLogger("qikg.api")

GRAPH_FILE = "qikg.trig"
MANIFEST_FILE = "manifest.json"


class GraphUnavailable(Exception):
    """There is no graph to serve (no build and no way to make one)."""


def ensure_build(data_dir: Path) -> None:
    """Run the pipeline when its inputs changed (or nothing was built yet); needs kg.pipeline."""
    try:
        pipeline = importlib.import_module("kg.pipeline")
    except ImportError:
        log.warning("kg.pipeline is not available: serving whatever is in %s", data_dir)
        return
    if not (data_dir / GRAPH_FILE).exists() or pipeline.is_stale(data_dir):
        log.info("building the graph into %s", data_dir)
        pipeline.build(data_dir)


def build_key(data_dir: Path) -> str:
    """What identifies the current build: the manifest's hash (it lists input hashes), else the graph file's."""
    manifest = data_dir / MANIFEST_FILE
    return file_key(manifest if manifest.exists() else data_dir / GRAPH_FILE)


class GraphService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store = settings.open_store()
        self.sandbox = QuerySandbox(self.store.spec, settings.query_workers, settings.worker_limits(),
                                    settings.query_capacity())
        self._catalogue: tuple[str | None, Catalogue] | None = None
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Bring the build and the store up to date (called at start-up)."""
        data_dir = self.settings.data_dir
        if self.settings.auto_build:
            ensure_build(data_dir)
        if not (data_dir / GRAPH_FILE).exists():
            raise GraphUnavailable(f"no graph at {data_dir / GRAPH_FILE}: run `qikg build` first")
        key = build_key(data_dir)
        if self.store.loaded_key() != key:
            log.info("loading %s into the %s store", data_dir / GRAPH_FILE, self.store.backend)
            self.store.load(data_dir / GRAPH_FILE, key)
        self.sandbox.warm()

    def catalogue(self) -> Catalogue:
        """The indexes for the store's current content (rebuilt after a reload)."""
        key = self.store.loaded_key()
        with self._lock:
            if self._catalogue is None or self._catalogue[0] != key:
                self._catalogue = (key, Catalogue(self.store, self.settings.id_base))
            return self._catalogue[1]

    def close(self) -> None:
        self.sandbox.close()
        self.store.close()
