"""The embedded Oxigraph store, persisted in a folder of generations; loads write the union default graph."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import io
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.store.base import (
    Bindings,
    Deadline,
    InvalidBinding,
    ProtocolDataset,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreSpec,
    file_key,
    rdf_format,
    without_paths,
)
from kg.store.convert import from_ox_result, to_ox


def merge_into_default_graph(store: ox.Store, *, on_disk: bool = False) -> None:
    """Make the default graph the RDF merge (a set) of every named graph, for a store already loaded.

    Oxigraph's `use_default_graph_as_union` returns a triple once per graph holding it; with many chats, the facts
    of shared people and themes would repeat per chat and multiply rows (measured: 428 k rows instead of 459 for the
    participants at 100 k quads). Queries read this default graph; `GRAPH ?g { }` still sees each named graph.
    `load_with_union` does the same while loading, much faster on disk; this is for stores filled another way.
    """
    if on_disk:
        # reading a RocksDB store back through Python is slow (35 s at 1 M quads) but never transactional
        store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
            for q in store.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph)
        )
    else:
        # in memory one SPARQL update, run inside Oxigraph, is 3x faster than streaming quads through Python
        # (0.40 s against 1.20 s for 100 k quads, measured side by side)
        store.update(_UNION_UPDATE)


_UNION_UPDATE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


_COUNT_NAMED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


_COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)  # type: ignore[arg-type]


@dataclass
class _Skipped:
    """Named graphs whose statements the second pass left out, to copy from the store instead."""

    iris: set[str] = field(default_factory=set)
    blank: bool = False  # some graph named by a blank node
    everything: bool = False  # a graph name not read for sure: copy every graph

    def add(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> None:
        if isinstance(graph, ox.NamedNode):
            self.iris.add(graph.value)
        elif isinstance(graph, ox.BlankNode):
            self.blank = True

    def copy_into_default_graph(self, store: ox.Store) -> None:
        if self.everything:
            merge_into_default_graph(store, on_disk=True)
            return
        graphs = [
            g for g in store.named_graphs() if (g.value in self.iris if isinstance(g, ox.NamedNode) else self.blank)
        ]
        if graphs:
            store.bulk_extend(
                ox.Quad(q.subject, q.predicate, q.object)
                for g in graphs
                for q in store.quads_for_pattern(None, None, None, g)
            )


class _NotPlainNQuads(ValueError):
    """A line `_NQuadsAsTriples` does not read (the caller falls back to the parser)."""


class _NQuadsAsTriples(io.RawIOBase):
    """An N-Quads file read as N-Triples: each quad's graph name dropped, default-graph triples left out (the first
    pass loads them as they are), statements with a blank node left out and their graph noted in `skipped`.

    A line is cut before its last term when that term is an IRI or a blank node. On a line of three terms that cut
    leaves no valid triple (`<s> <p> .`, `"x"^^ .`), so a line read wrongly makes the parser fail instead of storing
    a wrong triple; lines of other shapes (a comment after the dot) raise `_NotPlainNQuads`. Either way the caller
    falls back to `_triples_of`.
    """

    def __init__(self, path: Path, skipped: _Skipped, stop: threading.Event) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._skipped = skipped
        self._stop = stop
        self._rest = b""
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._file.close()
        super().close()

    def readinto(self, buffer) -> int:
        while not self._out:
            if self._stop.is_set():
                return 0
            block = self._file.read(1 << 22)
            if not block:
                if not self._rest:
                    return 0
                block, self._rest = self._rest + b"\n", b""
            else:
                block = self._rest + block
                cut = block.rfind(b"\n") + 1
                block, self._rest = block[:cut], block[cut:]
            self._out = memoryview(self._triples(block))
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _triples(self, block: bytes) -> bytes:
        lines = block.split(b"\n")
        if b"_:" not in block and b"<<" not in block:  # nearly every block: `<s> <p> o <g> .`, no blank node
            kept = [line[: line.rfind(b"<")] for line in lines if line.endswith(b"> .")]
            if len(kept) != len(lines) - 1:  # the last item is the empty string after the block's final newline
                kept = [t for t in map(self._triple, lines) if t is not None]
        else:
            kept = [t for t in map(self._triple, lines) if t is not None]
        if not kept:
            return b""
        kept.append(b"")
        return b".\n".join(kept)

    def _triple(self, line: bytes) -> bytes | None:
        line = line.strip()
        if not line or line.startswith(b"#"):
            return None
        if not line.endswith(b"."):
            raise _NotPlainNQuads(line[:200].decode("utf-8", "replace"))
        body = line[:-1].rstrip()
        if body.endswith(b">"):
            cut = body.rfind(b"<")
            graph = body[cut:]
        else:
            cut = max(body.rfind(b" "), body.rfind(b"\t")) + 1
            if not body.startswith(b"_:", cut):
                return None  # a literal ends the line: a triple of the default graph
            graph = None
        if b"_:" in body[:cut] or b"<<" in body[:cut]:  # a blank node (`<< >>` may make one)
            if graph is None:
                self._skipped.blank = True
            elif b"\\" in graph:  # an escaped IRI: not compared as text
                self._skipped.everything = True
            else:
                self._skipped.iris.add(graph[1:-1].decode("utf-8"))
            return None
        return body[:cut]


def _triples_of(source: Path, fmt: ox.RdfFormat, skipped: _Skipped, stop: threading.Event) -> Iterator[ox.Quad]:
    """The file's statements as quads of the default graph, through the parser (any RDF format)."""
    for quad in ox.parse(path=str(source), format=fmt, lenient=True):
        if stop.is_set():
            return
        subject, obj = quad.subject, quad.object
        if type(subject) is ox.BlankNode or type(obj) in (ox.BlankNode, ox.Triple):
            skipped.add(quad.graph_name)
            continue
        yield ox.Quad(subject, quad.predicate, obj)


class _BlankNodes(ValueError):
    """A graph `load_changes` would change holds blank nodes (the caller loads afresh)."""


def _has_blank(statement: ox.Quad | ox.Triple) -> bool:
    return isinstance(statement.subject, ox.BlankNode) or isinstance(statement.object, ox.BlankNode)


def _release_free_memory() -> None:
    """Hand the allocator's free pages back to the system.

    After a bulk load glibc keeps the freed sort buffers mapped: ~600 B/quad resident at 1 M quads on disk, ~60 B
    once trimmed (measured). Elsewhere (musl, macOS) this does nothing.
    """
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def load_with_union(
    store: ox.Store,
    source: Path,
    fmt: ox.RdfFormat,
    *,
    on_disk: bool,
    timings: dict[str, float] | None = None,
    side_by_side: bool = True,
    optimize: bool = False,
) -> int:
    """Bulk-load `source` into the empty `store`: its named graphs as they are, plus their merge in the default graph.

    Returns the number of quads in the named graphs (when there is none, of triples in the default graph): what
    `triple_count()` reports. Not transactional, like `bulk_load`: the caller loads into a store nobody reads yet.
    `timings` receives the second (from the start) at which each step ended. `side_by_side=False` runs the two
    passes of a disk load one after the other (less memory at the peak, for comparison). `optimize` compacts a disk
    store once loaded, while the named quads are counted (`optimize_s` is then its duration): the count reads and
    the compaction writes, so each takes a core (at 10 M quads the count alone took 25 s after the passes).
    """
    timings = timings if timings is not None else {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - started, 3)

    if not fmt.supports_datasets:  # one graph: nothing to merge
        store.bulk_load(path=str(source), format=fmt, lenient=True)
        lap("bulk_load_s")
        return len(store)
    if not on_disk:
        store.bulk_load(path=str(source), format=fmt, lenient=True)
        lap("bulk_load_s")
        count = len(store) - _count(store, _COUNT_DEFAULT)  # the default graph holds few triples if any, yet
        store.update(_UNION_UPDATE)
        lap("union_s")
        return count or len(store)

    stop = threading.Event()
    errors: dict[str, BaseException] = {}
    counted: list[int] = []
    skipped = _Skipped()

    def named_graphs() -> None:
        store.bulk_load(path=str(source), format=fmt, lenient=True)
        lap("bulk_load_s")

    def count_named() -> None:
        counted.append(_count(store, _COUNT_NAMED))  # the named graphs only
        lap("count_s")

    def default_graph() -> None:
        if fmt == ox.RdfFormat.N_QUADS:
            try:
                with _NQuadsAsTriples(source, skipped, stop) as stream:
                    store.bulk_load(
                        input=io.BufferedReader(stream, 1 << 20),
                        format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.DefaultGraph(),
                        lenient=True,
                    )
                lap("union_s")
                return
            except (SyntaxError, _NotPlainNQuads):
                pass  # not plain N-Quads: what was stored is right, the parser below adds the rest
        store.bulk_extend(_triples_of(source, fmt, skipped, stop))
        lap("union_s")

    def run(task) -> None:
        try:
            task()
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            stop.set()
            errors[task.__name__] = error

    helper = threading.Thread(target=run, args=(default_graph,), name="qikg-load-union")
    counter = threading.Thread(target=run, args=(count_named,), name="qikg-load-count")
    if side_by_side:
        helper.start()
    run(named_graphs)
    if not errors:  # the named graphs are in: count them beside what is left (the other pass never writes them)
        counter.start()
    if not side_by_side and not errors:
        helper.start()
    try:
        if helper.ident is not None:  # started
            helper.join()
        if errors:  # the first pass's error names the file's own problem; the second pass only repeats it
            raise errors.get("named_graphs") or errors.get("default_graph") or errors["count_named"]
        skipped.copy_into_default_graph(store)
        lap("blank_nodes_s")
        if optimize:
            t = time.perf_counter()
            store.optimize()
            timings["optimize_s"] = round(time.perf_counter() - t, 3)
    finally:
        if counter.ident is not None:
            counter.join()
    if errors:
        raise errors["count_named"]
    return counted[0] or len(store)  # no named graph: the file's triples are all in the default graph


class OxigraphStore:
    """Embedded Oxigraph. With a `location` the data persists across restarts as generations under that folder."""

    backend = "oxigraph"
    POINTER = "CURRENT.json"
    LAYOUT = 2  # 2: the default graph holds the merge of the named graphs (see load_with_union)

    def __init__(self, location: Path | None = None, *, optimize: bool = True) -> None:
        self.location = Path(location) if location is not None else None
        self.optimize = optimize  # compact a persisted store after each load (queries then read fewer files)
        self._lock = threading.Lock()
        self._store: ox.Store | None = None
        self._key: str | None = None
        self._source: str | None = None
        self._count = 0
        self._graphs: list[str] = []
        self._generation: str | None = None
        self._spec: tuple[tuple[str | None, str | None], StoreSpec] | None = None  # spec() of that generation
        self.last_load: dict[str, float] = {}  # when each step of the last load ended, in seconds (for benches)
        if self.location is not None:
            self._open_current()

    # persisted generations
    def _pointer(self) -> dict | None:
        assert self.location is not None
        try:
            return json.loads((self.location / self.POINTER).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def _open_current(self) -> None:
        pointer = self._pointer()
        if pointer is None or not (self.location / pointer["generation"]).is_dir():
            return
        if pointer.get("layout") != self.LAYOUT:
            return  # written by an older qikg: load afresh rather than answer from another layout
        self._install(ox.Store.read_only(str(self.location / pointer["generation"])), pointer)
        self._generation = pointer["generation"]
        self._collect_garbage(keep={self._generation})

    def _install(self, store: ox.Store, meta: dict) -> None:
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        with self._lock:
            self._store, self._key, self._source = store, meta.get("key"), meta.get("source")
            # len(store) counts every quad (1.4 s at 1 M): only when the pointer does not say (a default argument
            # of meta.get would be evaluated at every open)
            self._count, self._graphs = int(meta["triples"] if "triples" in meta else len(store)), graphs

    def load(self, source: Path, key: str | None = None) -> None:
        source = Path(source)
        fmt = rdf_format(source)
        started = time.perf_counter()
        timings: dict[str, float] = {}
        self.last_load = timings
        key = key or file_key(source)
        timings["key_s"] = round(time.perf_counter() - started, 3)
        if self.location is None:
            fresh = ox.Store()
            triples = load_with_union(fresh, source, fmt, on_disk=False, timings=timings)
            self._install(fresh, {"key": key, "source": str(source), "triples": triples})
            _release_free_memory()
            timings["total_s"] = round(time.perf_counter() - started, 3)
            return
        self.location.mkdir(parents=True, exist_ok=True)
        generation = f"gen-{time.time_ns()}-{os.getpid()}"
        target = self.location / generation
        writer = ox.Store(str(target))
        # compact what the bulk loader wrote: at 1M quads 2-5 s once, then queries take 0.5-0.6x the time
        # (`python -m bench.optimize FILE` measures both sides); load_with_union does it beside its count
        triples = load_with_union(writer, source, fmt, on_disk=True, timings=timings, optimize=self.optimize)
        if self.optimize and "optimize_s" not in timings:  # a one-graph file
            t = time.perf_counter()
            writer.optimize()
            timings["optimize_s"] = round(time.perf_counter() - t, 3)
        writer.flush()
        del writer
        gc.collect()  # the writer must be closed before the folder is opened read-only
        _release_free_memory()
        self._switch_to(generation, target, key, source, triples)
        timings["total_s"] = round(time.perf_counter() - started, 3)

    def load_changes(self, source: Path, key: str, *, changed: set[str], removed: set[str], previous_key: str) -> bool:
        """Make a new generation from the current one, the build of `previous_key`, by changing only the named
        graphs `changed` (to what `source`, the new build's TriG, holds of them) and dropping the graphs `removed`;
        the default graph (the merge) loses a triple only when no named graph holds it any more. The store is then
        what `load(source)` makes, quad for quad (`tests/kg/store/test_oxigraph_changes.py`).

        False (nothing changed, the caller loads afresh): no current generation of that build, or a changed graph
        with blank nodes (a parser labels them anew, so old and new would never be the same)."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        pointer = self._pointer() if self.location is not None else None
        current = self._store
        if (
            self.location is None
            or pointer is None
            or current is None
            or pointer.get("key") != previous_key
            or pointer.get("generation") != self._generation
            or pointer.get("layout") != self.LAYOUT
            or "triples" not in pointer
        ):
            return False
        wanted: dict[ox.NamedNode, set] = {ox.NamedNode(g): set() for g in changed}
        for quad in ox.parse(path=str(source), format=rdf_format(Path(source))):
            triples = wanted.get(quad.graph_name)
            if triples is not None:
                if _has_blank(quad):
                    return False
                triples.add(quad.triple)
        timings["parse_s"] = round(time.perf_counter() - started, 3)
        generation = f"gen-{time.time_ns()}-{os.getpid()}"
        target = self.location / generation
        current.backup(str(target))  # hard links to the current generation's immutable files
        writer = ox.Store(str(target))
        count = int(pointer["triples"])
        loose: set[ox.Triple] = set()  # triples some graph lost: still in another named graph?
        try:
            for graph in sorted({*wanted, *(ox.NamedNode(g) for g in removed)}, key=lambda g: g.value):
                before = {q.triple for q in writer.quads_for_pattern(None, None, None, graph)}
                if any(_has_blank(t) for t in before):
                    raise _BlankNodes(graph.value)
                after = wanted.get(graph, set())
                for t in before - after:
                    writer.remove(ox.Quad(t.subject, t.predicate, t.object, graph))
                    loose.add(t)
                for t in after - before:
                    writer.add(ox.Quad(t.subject, t.predicate, t.object, graph))
                    writer.add(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
                if not after and writer.contains_named_graph(graph):
                    writer.remove_graph(graph)
                count += len(after - before) - len(before - after)
            for t in loose:
                named = (q for q in writer.quads_for_pattern(t.subject, t.predicate, t.object, None))
                if not any(not isinstance(q.graph_name, ox.DefaultGraph) for q in named):
                    writer.remove(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
            writer.flush()
        except _BlankNodes:
            del writer
            gc.collect()
            shutil.rmtree(target, ignore_errors=True)
            return False
        timings["changes_s"] = round(time.perf_counter() - started, 3)
        del writer
        gc.collect()  # closed before the folder is opened read-only
        self._switch_to(generation, target, key, source, count)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        self.last_load = timings
        return True

    def _switch_to(self, generation: str, target: Path, key: str, source: Path, triples: int) -> None:
        """Point the store at a finished generation (the pointer file replaced atomically), open it read-only, and
        delete the generations no reader can still hold."""
        if self.location is None:  # only an on-disk store has generations
            raise ValueError("an in-memory store has no generation to switch to")
        meta = {"generation": generation, "key": key, "source": str(source), "triples": triples, "layout": self.LAYOUT}
        tmp = self.location / f".{self.POINTER}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, self.location / self.POINTER)  # the atomic switch
        previous = self._generation
        self._install(ox.Store.read_only(str(target)), meta)
        self._generation = generation
        self._collect_garbage(keep={generation, previous})

    def _collect_garbage(self, keep: set[str | None]) -> None:
        """Drop old generations and half-written ones left by a crash (the previous one stays for open readers)."""
        assert self.location is not None
        for child in self.location.iterdir():
            if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)

    def loaded_key(self) -> str | None:
        return self._key

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        row_limit: int | None = None,
        byte_limit: int | None = None,
        dataset: ProtocolDataset | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> QueryResult:
        deadline = Deadline(timeout)
        result = self.query_native(sparql, bindings, dataset=dataset, base_iri=base_iri, prefixes=prefixes)
        if isinstance(result, ox.QueryBoolean):
            deadline.check()
        return from_ox_result(result, row_limit, deadline, byte_limit)

    def query_native(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        dataset: ProtocolDataset | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """The engine's own answer, lazy and in pyoxigraph terms: for callers that encode it themselves (the query
        workers write SPARQL JSON, XML and CSV straight from it) and enforce the limits while they read it."""
        store = self._require()
        try:
            substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
                ox.Variable(name): to_ox(value) for name, value in (bindings or {}).items()
            }
        except ValueError as error:
            raise InvalidBinding(str(error)) from None
        try:
            graphs: dict[str, Any] = {}
            if dataset is not None:  # overrides the query's FROM / FROM NAMED, as the protocol says
                graphs = {
                    "default_graph": [ox.NamedNode(g) for g in dataset.default],
                    "named_graphs": [ox.NamedNode(g) for g in dataset.named],
                }
            # default graph = merge of all graphs, unless the request names its dataset
            return store.query(
                sparql,
                base_iri=base_iri,
                prefixes=dict(prefixes) if prefixes else None,
                substitutions=substitutions or None,
                **graphs,
            )
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except (RuntimeError, OSError) as error:  # OSError: the engine could not read its files
            raise StoreError(without_paths(str(error))) from None

    def _require(self) -> ox.Store:
        with self._lock:
            store = self._store
        if store is None:
            raise StoreError("the store is empty: build the graph and load it first")
        return store

    def triple_count(self) -> int:
        return self._count

    def named_graphs(self) -> list[str]:
        return list(self._graphs)

    def spec(self) -> StoreSpec:
        """The same object while the generation and source stay (the query sandbox asks at every query)."""
        key = (self._generation, self._source)
        known = self._spec
        if known is not None and known[0] == key:
            return known[1]
        if self.location is None or self._generation is None:
            spec = StoreSpec("oxigraph-memory", None, self._source)
        else:
            spec = StoreSpec("oxigraph", str(self.location / self._generation), self._source)
        self._spec = (key, spec)
        return spec

    def close(self) -> None:
        with self._lock:
            self._store = None
        gc.collect()
