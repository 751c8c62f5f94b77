"""The server's graph: opens the build, loads it into the store when the store holds another, keeps per-load indexes.

One `GraphService` per app. It owns the store (read by the API's own bound queries) and the query sandbox (which
runs users' /sparql queries in killable processes), and gets its in-memory catalogue whenever the store's content
changes: from the indexes the build stored (kg/indexes/stored.py), else read from the store; the networks likewise
(the build's stored facts and measures, else SPARQL and networkx).

A build made while the server runs (`qikg build --out D` on the folder it serves) is picked up without a restart: a
watcher thread stats the build's manifest every `reload_interval` seconds and, when it changed, loads the new build
as a new store generation and indexes it. Requests keep being answered from the old generation until the new store
and its catalogue are installed in one step; a request already running finishes on the old one (its store handle
and worker stay valid).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import nullcontext

from kg.indexes import stored
from kg.indexes.catalogue import Catalogue
from kg.indexes.network import Networks
from kg.pipeline.manifest import build_key
from kg.pipeline.swap import build_lock, clean_leftovers
from kg.settings import Settings
from kg.sparql.sandbox import QuerySandbox
from kg.store import Store

log = logging.getLogger("qikg.api")

GRAPH_FILE = "qikg.trig"
MANIFEST_FILE = "manifest.json"


class GraphUnavailable(Exception):
    """There is no build to serve (the API never builds: `qikg build` or `qikg serve` does)."""


class GraphService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store = settings.open_store()
        self.sandbox = QuerySandbox(
            lambda: self.store.spec(),
            settings.query_workers,  # the store of the moment
            settings.worker_limits(),
            settings.query_capacity(),
            settings.sparql_base,
        )
        self._catalogue: tuple[str | None, Catalogue] | None = None
        self.catalogue_source: str | None = None  # "stored" (the build's indexes) or "store" (read by SPARQL)
        self._networks: tuple[str | None, Networks] | None = None
        self.networks_source: str | None = None  # "stored" (the build's networks.json) or "store" (SPARQL, networkx)
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._seen: tuple[int, ...] | None = None  # the build file's stat when last looked at
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def prepare(self) -> None:
        """Load the build into the store unless it holds it already (called at start-up), then watch the build."""
        data_dir = self.settings.data_dir
        clean_leftovers(data_dir)  # what builds killed halfway left beside the folder and in its store
        if not (data_dir / GRAPH_FILE).exists():
            raise GraphUnavailable(
                f"no graph at {data_dir / GRAPH_FILE}: run `qikg build --out {data_dir}` "
                "(or `qikg serve`, which builds first)"
            )
        self._seen = self._signature()
        key = build_key(data_dir)
        if self.store.loaded_key() != key:  # `qikg build` loads <build>/store itself: then this is skipped
            log.info("loading %s into the %s store", data_dir / GRAPH_FILE, self.store.backend)
            self._load(key)
        self.sandbox.warm()
        self._warm_indexes()
        if self.settings.reload_interval > 0 and self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, daemon=True, name="qikg-build-watcher")
            self._watcher.start()

    def _signature(self) -> tuple[int, ...] | None:
        """Cheap identity of the current build: the manifest's (else the graph file's) inode, size and mtime."""
        data_dir = self.settings.data_dir
        for name in (MANIFEST_FILE, GRAPH_FILE):
            try:
                st = os.stat(data_dir / name)
            except FileNotFoundError:
                continue
            return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        return None

    def _store_inside_build(self) -> bool:
        """Whether the embedded store lives in the build folder, where a build's swap carries it over."""
        data_dir = self.settings.data_dir.absolute()
        return self.settings.store_backend == "oxigraph" and self.settings.resolved_store_dir.absolute().is_relative_to(
            data_dir
        )

    def _load(self, key: str) -> None:
        """Load the build into the store; a build's swap of the folder waits while a load writes into it."""
        data_dir = self.settings.data_dir
        with build_lock(data_dir) if self._store_inside_build() else nullcontext():
            self.store.load(data_dir / GRAPH_FILE, key)

    def _switch(self, key: str) -> None:
        """Load the new build into a second store object, index it, then make store and catalogue current together.

        Requests never wait for the indexes (the dependencies that read them run on the event loop) and never pair
        the new store with the old catalogue. The old store object is not closed: requests still holding it finish
        on its generation, which the new load keeps on disk.
        """
        data_dir = self.settings.data_dir
        fresh = self.settings.open_store()
        with build_lock(data_dir) if self._store_inside_build() else nullcontext():
            fresh.load(data_dir / GRAPH_FILE, key)
        catalogue = self._read_catalogue(fresh)
        with self._lock:
            self.store, self._catalogue = fresh, (fresh.loaded_key(), catalogue)

    def reload_if_changed(self) -> bool:
        """Load a new build of the data folder if there is one; True when the store moved to it."""
        seen = self._signature()
        if seen is None or seen == self._seen:
            return False
        with self._reload_lock:
            try:
                key = build_key(self.settings.data_dir)
            except FileNotFoundError:
                return False  # between two builds' files: look again next time
            if key != self.store.loaded_key():
                log.info("the build in %s changed: loading it", self.settings.data_dir)
                self._switch(key)
                self.sandbox.warm()  # workers move to the new generation between queries
                self._warm_indexes()
            self._seen = seen  # a build swapped in meanwhile has another signature: seen next time
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.settings.reload_interval):
            try:
                self.reload_if_changed()
            except Exception:  # noqa: BLE001 - a bad build must not stop the watcher; the old one stays served
                log.exception(
                    "could not load the new build of %s; still serving the previous one", self.settings.data_dir
                )

    def catalogue(self) -> Catalogue:
        """The indexes for the store's current content (built at start-up; a reload brings its own)."""
        with self._lock:
            store, current = self.store, self._catalogue
        key = store.loaded_key()
        if current is not None and current[0] == key:
            return current[1]
        with self._lock:
            if self._catalogue is None or self._catalogue[0] != key:
                self._catalogue = (key, self._read_catalogue(store))
            return self._catalogue[1]

    def _read_catalogue(self, store: Store) -> Catalogue:
        """The build's stored indexes (<data_dir>/indexes/, written by the build) when they are of exactly the build
        the store holds; else the catalogue read from the store (a remote store loaded by someone else, a build
        without them). The log says which, and `catalogue_source` keeps it."""
        key = store.loaded_key()
        found = stored.load(self.settings.data_dir, key, self.settings.id_base)
        if found.catalogue is not None:
            log.info(
                "catalogue: the build's stored indexes in %s (%.2f s)",
                self.settings.data_dir / stored.FOLDER,
                found.seconds,
            )
            self.catalogue_source = "stored"
            return found.catalogue
        started = time.perf_counter()
        catalogue = Catalogue.read(store, self.settings.id_base)
        log.info(
            "catalogue: read from the %s store in %.2f s (stored indexes not used: %s)",
            store.backend,
            time.perf_counter() - started,
            found.reason,
        )
        self.catalogue_source = "store"
        return catalogue

    def networks(self) -> Networks:
        """Who connects whom in the store's current content (kg.indexes.network), read once per load and kept."""
        with self._lock:
            store, current = self.store, self._networks
        key = store.loaded_key()
        if current is not None and current[0] == key:
            return current[1]
        built = self._read_networks(store)
        with self._lock:
            self._networks = (key, built)
        return built

    def _read_networks(self, store: Store) -> Networks:
        """The networks the build stored (<data_dir>/indexes/networks.json: facts and measures) when they are of
        exactly the build the store holds; else read from the store by SPARQL and measured by networkx on first use.
        The log says which, and `networks_source` keeps it."""
        key = store.loaded_key()
        found = stored.load_networks(self.settings.data_dir, key)
        if found.networks is not None:
            log.info(
                "networks: the build's stored networks in %s (%.2f s)",
                self.settings.data_dir / stored.FOLDER,
                found.seconds,
            )
            self.networks_source = "stored"
            return found.networks
        started = time.perf_counter()
        networks = Networks(lambda sparql: store.query(sparql).rows)
        log.info(
            "networks: read from the %s store in %.2f s, measured on first use (stored networks not used: %s)",
            store.backend,
            time.perf_counter() - started,
            found.reason,
        )
        self.networks_source = "store"
        return networks

    def _warm_indexes(self) -> None:
        """Build the search index (with its spelling words) and the networks in the background, so no request waits
        for them after a load."""

        def warm() -> None:
            try:
                self.catalogue().search_index().did_you_mean("")  # gathers the words spelling suggestions come from
                found = self.networks()
                for name in ("people", "organisations", "themes"):
                    found.get(name)
            except Exception:  # noqa: BLE001 - a request builds them again and reports the error itself
                log.exception("could not build the search index or the networks ahead of requests")

        threading.Thread(target=warm, daemon=True, name="qikg-index-warm").start()

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(60)
        self.sandbox.close()
        self.store.close()
