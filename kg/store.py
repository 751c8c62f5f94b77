"""Store back-ends behind one interface, so the API never knows which triple store answers it.

Every back-end loads a TriG (or N-Quads / Turtle) dump, answers SPARQL with the union of the named graphs as the
default graph, binds parameters safely (never by pasting text into the query) and returns one neutral
`QueryResult` made of rdflib terms. A remote SPARQL 1.1 server fits the same `Store` protocol (issue 5).

Back-ends:
- `OxigraphStore`: embedded pyoxigraph, the default; persisted in a folder of *generations*. A load writes a new
  generation and only then moves the `CURRENT` pointer, so a crash mid-load leaves the previous graph intact.
- `RdflibStore`: an rdflib `Dataset` in memory (slow at scale, no dependencies beyond rdflib).
- `kg.remote.RemoteStore`: any SPARQL 1.1 server through the SPARQL Protocol and the Graph Store Protocol.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import io
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import pyoxigraph as ox
import rdflib.plugins.sparql as rdflib_sparql
from rdflib import BNode, Dataset, Graph, URIRef, Variable
from rdflib import Literal as RdfLiteral
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

if TYPE_CHECKING:
    from kg.remote import RemoteSettings

# rdflib would fetch the IRIs named in FROM / FROM NAMED over the network: never let it.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

QueryKind = Literal["SELECT", "ASK", "CONSTRUCT"]
Bindings = Mapping[str, Node]


class StoreError(Exception):
    """Base class of the errors a store raises for a query; the API maps each one to a 4xx."""


_LOCAL_PATH = re.compile(r"(?<![\w:/.<])/(?:[\w.@+~-]+/)*[\w.@+~-]+")


def without_paths(message: str) -> str:
    """`message` with local file paths cut out: an engine's I/O error names files no HTTP client may see."""
    return _LOCAL_PATH.sub("<file>", message)


class QuerySyntaxError(StoreError):
    """The query text does not parse; the message is the parser's."""


class QueryTimeout(StoreError):
    """The query ran past its time limit."""


class InvalidBinding(StoreError):
    """A bound value that cannot be an RDF term (e.g. an IRI with a character IRIs may not hold)."""


class RowLimitExceeded(StoreError):
    """The query produced more rows (or triples) than allowed."""


class AnswerTooLarge(RowLimitExceeded):
    """The answer's text grew past its byte budget: a few rows of huge values (nested GROUP_CONCAT) are as costly
    as millions of small ones, so a row limit alone does not bound what the server must hold and send."""


@dataclass
class QueryResult:
    """A query's answer in back-end-neutral form: rows of rdflib terms, a boolean, or triples."""

    kind: QueryKind
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)

    def graph(self) -> Graph:
        """The triples of a CONSTRUCT / DESCRIBE as an rdflib graph (for serialising)."""
        g = Graph()
        for triple in self.triples:
            g.add(triple)
        return g

    def values(self, var: str) -> list[Node]:
        """Every bound value of one variable, in row order."""
        return [row[var] for row in self.rows if var in row]


@dataclass(frozen=True)
class StoreSpec:
    """Enough to reopen the same data read-only in another process (the query sandbox does that)."""

    backend: str
    location: str | None
    source: str | None = None
    remote: RemoteSettings | None = None  # connection settings of a remote server


@runtime_checkable
class Store(Protocol):
    """What the API needs from a triple store."""

    backend: str

    def load(self, source: Path, key: str | None = None) -> None:
        """Replace the whole content with the dump at `source`, atomically (readers see old or new, never half)."""

    def loaded_key(self) -> str | None:
        """The key (e.g. the build manifest's hash) of what was last loaded, to know when to reload."""

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        row_limit: int | None = None,
        byte_limit: int | None = None,
    ) -> QueryResult:
        """Run a read-only query; `bindings` are substituted as values, never as text; `byte_limit` bounds the
        text of the answer's terms (AnswerTooLarge past it)."""

    def triple_count(self) -> int:
        """Number of quads held (cached after a load: it must stay cheap for /health)."""

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs held."""

    def spec(self) -> StoreSpec:
        """How another process reopens this store read-only."""

    def close(self) -> None:
        """Release files and memory."""


# --- helpers shared by the back-ends -------------------------------------------------------------------------------


def file_key(path: Path) -> str:
    """SHA-256 of a file, the key that says whether a store holds the current build."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rdf_format(path: Path) -> ox.RdfFormat:
    suffix = path.suffix.lower()
    formats = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS, ".ttl": ox.RdfFormat.TURTLE,
               ".nt": ox.RdfFormat.N_TRIPLES, ".jsonld": ox.RdfFormat.JSON_LD}
    if suffix not in formats:
        raise ValueError(f"cannot load {path.name}: expected one of {', '.join(formats)}")
    return formats[suffix]


class _Deadline:
    """Checks elapsed time while results stream in (in-process queries cannot be interrupted mid-step)."""

    def __init__(self, timeout: float | None) -> None:
        self.end = None if timeout is None else time.monotonic() + timeout
        self.timeout = timeout

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise QueryTimeout(f"the query ran longer than {self.timeout:g} s")


# What a term costs beyond its own text in any result format (markup, datatype or language, separators).
TERM_OVERHEAD = 32


class _Budget:
    """Counts the characters of an answer's terms as they are read, and stops the answer at `limit` (None: never),
    so an oversized answer is never built in full."""

    def __init__(self, limit: int | None) -> None:
        self.limit, self.used = limit, 0

    def charge(self, size: int) -> None:
        self.used += size + TERM_OVERHEAD
        if self.limit is not None and self.used > self.limit:
            raise AnswerTooLarge(f"the answer is larger than the limit of {_size(self.limit)}")


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n:,} bytes"


def _limited(items: Iterable, row_limit: int | None, deadline: _Deadline, what: str) -> Iterator:
    for count, item in enumerate(items, start=1):
        if row_limit is not None and count > row_limit:
            raise RowLimitExceeded(f"the query returned more than {row_limit} {what}; add a LIMIT")
        if count % 256 == 0:
            deadline.check()
        yield item
    deadline.check()


# --- term conversion between pyoxigraph and rdflib -----------------------------------------------------------------

_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)


def from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """pyoxigraph term -> rdflib term (plain strings stay plain, language tags kept)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term in a result: {term!r}")


def _text_size(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> int:
    if isinstance(term, ox.Triple):
        return _text_size(term.subject) + _text_size(term.predicate) + _text_size(term.object)
    return len(term.value)


def _memo_from_ox(budget: _Budget | None = None,
                  size: int = 65_536) -> Callable[[ox.NamedNode | ox.BlankNode | ox.Literal], Node]:
    """`from_ox` that converts each distinct term of one result once: types, people, chats and themes repeat on
    many rows, and rdflib checks every IRI it is given (at 1 M quads half of reading the quotes was conversion).
    Every term read is charged to `budget` (before it is converted, so a huge value is refused, not copied)."""
    cache: dict[object, tuple[Node, int]] = {}
    budget = budget or _Budget(None)

    def convert(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        known = cache.get(term)
        if known is not None:
            budget.charge(known[1])
            return known[0]
        chars = _text_size(term)
        budget.charge(chars)
        node = from_ox(term)
        if len(cache) < size:
            cache[term] = (node, chars)
        return node

    return convert


def merge_into_default_graph(store: ox.Store, *, on_disk: bool = False) -> None:
    """Make the default graph the RDF merge (a set) of every named graph, for a store already loaded.

    Oxigraph's `use_default_graph_as_union` returns a triple once per graph holding it; with many chats, the facts
    of shared people and themes would repeat per chat and multiply rows (measured: 428 k rows instead of 459 for the
    participants at 100 k quads). Queries read this default graph; `GRAPH ?g { }` still sees each named graph.
    `load_with_union` does the same while loading, much faster on disk; this is for stores filled another way.
    """
    if on_disk:
        # reading a RocksDB store back through Python is slow (35 s at 1 M quads) but never transactional
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                          for q in store.quads_for_pattern(None, None, None, None)
                          if not isinstance(q.graph_name, ox.DefaultGraph))
    else:
        # in memory one SPARQL update, run inside Oxigraph, is 3x faster than streaming quads through Python
        # (0.40 s against 1.20 s for 100 k quads, measured side by side)
        store.update(_UNION_UPDATE)


# --- bulk loading with the merged default graph --------------------------------------------------------------------
#
# Measured at 1 M quads (bench/work/data-1m, 2 cores; bench/loadrate.py and the variants in its docstring):
# - `lenient=True` skips IRI / language-tag validation: ~30 % off the parse (the dumps are our serialiser's output);
# - on disk the bulk loader is CPU-bound and single-threaded per 1 M-quad batch (sorting 6 index copies of every
#   quad, allocating, LZ4): ~13-17 s for the named graphs. Reading them back to build the default graph
#   (`quads_for_pattern` -> `bulk_extend`) cost another ~35 s, and a SPARQL update is transactional (2.7x the disk
#   size, 2x the memory). So the default graph is loaded from the *file* a second time with the graph names dropped,
#   in a second thread next to the first load (the bulk loaders sort outside the GIL): ~max of the two, not the sum.
# - in memory the bulk loader holds the store's write lock (nothing runs side by side) and inserting is ~90 % of its
#   cost, so one SPARQL update is as fast as any second load, and it keeps blank nodes as they are.
#
# Blank nodes: each bulk load gives a file's blank nodes new ids, so a second load could not name the nodes of the
# first. The second pass leaves out every statement with a blank node (or a triple term) and the graphs that held
# them are copied from the store afterwards, ids and all (in our dumps: the ontology graph's OWL lists only).

_UNION_UPDATE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
_COUNT_NAMED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
_COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)  # type: ignore[index, arg-type]


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
        graphs = [g for g in store.named_graphs()
                  if (g.value in self.iris if isinstance(g, ox.NamedNode) else self.blank)]
        if graphs:
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object)
                              for g in graphs for q in store.quads_for_pattern(None, None, None, g))


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

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
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
            kept = [line[:line.rfind(b"<")] for line in lines if line.endswith(b"> .")]
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


def _release_free_memory() -> None:
    """Hand the allocator's free pages back to the system.

    After a bulk load glibc keeps the freed sort buffers mapped: ~600 B/quad resident at 1 M quads on disk, ~60 B
    once trimmed (measured). Elsewhere (musl, macOS) this does nothing.
    """
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def load_with_union(store: ox.Store, source: Path, fmt: ox.RdfFormat, *, on_disk: bool,
                    timings: dict[str, float] | None = None, side_by_side: bool = True) -> int:
    """Bulk-load `source` into the empty `store`: its named graphs as they are, plus their merge in the default graph.

    Returns the number of quads in the named graphs (when there is none, of triples in the default graph): what
    `triple_count()` reports. Not transactional, like `bulk_load`: the caller loads into a store nobody reads yet.
    `timings` receives the second (from the start) at which each step ended. `side_by_side=False` runs the two
    passes of a disk load one after the other (less memory at the peak, for comparison).
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
        counted.append(_count(store, _COUNT_NAMED))  # the named graphs only: the other thread never writes them
        lap("count_s")

    def default_graph() -> None:
        if fmt == ox.RdfFormat.N_QUADS:
            try:
                with _NQuadsAsTriples(source, skipped, stop) as stream:
                    store.bulk_load(input=io.BufferedReader(stream, 1 << 20), format=ox.RdfFormat.N_TRIPLES,
                                    to_graph=ox.DefaultGraph(), lenient=True)
                lap("union_s")
                return
            except (SyntaxError, _NotPlainNQuads):
                pass  # not plain N-Quads: what was stored is right, the parser below adds the rest
        store.bulk_extend(_triples_of(source, fmt, skipped, stop))
        lap("union_s")

    def run(task) -> None:  # type: ignore[no-untyped-def]
        try:
            task()
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            stop.set()
            errors[task.__name__] = error

    helper = threading.Thread(target=run, args=(default_graph,), name="qikg-load-union")
    if side_by_side:
        helper.start()
    run(named_graphs)
    if not side_by_side and not errors:
        helper.start()
    if helper.ident is not None:  # started
        helper.join()
    if errors:  # the first pass's error names the file's own problem; the second pass only repeats it
        raise errors.get("named_graphs") or errors["default_graph"]
    skipped.copy_into_default_graph(store)
    lap("blank_nodes_s")
    return counted[0] or len(store)  # no named graph: the file's triples are all in the default graph


def from_ox_result(result: ox.QueryBoolean | ox.QuerySolutions | Iterable, row_limit: int | None,
                   deadline: _Deadline, byte_limit: int | None = None) -> QueryResult:
    """pyoxigraph results (from a query or parsed from a server's answer) -> QueryResult, within the limits (rows,
    time, and the text of the terms: `byte_limit` characters, each term counted with TERM_OVERHEAD)."""
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(result))
    convert = _memo_from_ox(_Budget(byte_limit))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in _limited(result, row_limit, deadline, "rows"):
            rows.append({name: convert(value) for name in names if (value := solution[name]) is not None})
        return QueryResult("SELECT", variables=names, rows=rows)
    triples = [(convert(t.subject), convert(t.predicate), convert(t.object))
               for t in _limited(result, row_limit, deadline, "triples")]
    return QueryResult("CONSTRUCT", triples=triples)


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """rdflib term -> pyoxigraph term, for substitutions."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot bind {term!r}: expected an IRI, blank node or literal")


# --- Oxigraph ------------------------------------------------------------------------------------------------------


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
            self._count, self._graphs = int(meta.get("triples", len(store))), graphs

    def load(self, source: Path, key: str | None = None) -> None:
        source = Path(source)
        fmt = _rdf_format(source)
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
        triples = load_with_union(writer, source, fmt, on_disk=True, timings=timings)
        if self.optimize:
            # compact what the bulk loader wrote: at 1M quads 5 s once, then queries take 0.5-0.6x the time
            # (`python -m bench.optimize FILE` measures both sides)
            t = time.perf_counter()
            writer.optimize()
            timings["optimize_s"] = round(time.perf_counter() - t, 3)
        writer.flush()
        del writer
        gc.collect()  # the writer must be closed before the folder is opened read-only
        _release_free_memory()
        meta = {"generation": generation, "key": key, "source": str(source), "triples": triples,
                "layout": self.LAYOUT}
        tmp = self.location / f".{self.POINTER}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, self.location / self.POINTER)  # the atomic switch
        previous = self._generation
        self._install(ox.Store.read_only(str(target)), meta)
        self._generation = generation
        self._collect_garbage(keep={generation, previous})
        timings["total_s"] = round(time.perf_counter() - started, 3)

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
    ) -> QueryResult:
        store = self._require()
        deadline = _Deadline(timeout)
        try:
            substitutions = {ox.Variable(name): to_ox(value) for name, value in (bindings or {}).items()}
        except ValueError as error:
            raise InvalidBinding(str(error)) from None
        try:
            result = store.query(sparql, substitutions=substitutions or None)  # default graph = merge of all graphs
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except (RuntimeError, OSError) as error:  # OSError: the engine could not read its files
            raise StoreError(without_paths(str(error))) from None
        if isinstance(result, ox.QueryBoolean):
            deadline.check()
        return from_ox_result(result, row_limit, deadline, byte_limit)

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
        if self.location is None or self._generation is None:
            return StoreSpec("oxigraph-memory", None, self._source)
        return StoreSpec("oxigraph", str(self.location / self._generation), self._source)

    def close(self) -> None:
        with self._lock:
            self._store = None
        gc.collect()


# --- rdflib --------------------------------------------------------------------------------------------------------


class RdflibStore:
    """rdflib `Dataset` in memory, the union of its graphs as the default graph."""

    backend = "rdflib"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._key: str | None = None
        self._source: str | None = None
        self._count = 0

    def load(self, source: Path, key: str | None = None) -> None:
        source = Path(source)
        _rdf_format(source)
        fresh = Dataset(default_union=True)
        fresh.parse(source, format={".trig": "trig", ".nq": "nquads", ".ttl": "turtle", ".nt": "nt",
                                    ".jsonld": "json-ld"}[source.suffix.lower()])
        count = sum(1 for _ in fresh.quads((None, None, None, None)))  # quads, as Oxigraph counts them
        with self._lock:
            self._dataset, self._key, self._source, self._count = fresh, key or file_key(source), str(source), count

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
    ) -> QueryResult:
        with self._lock:
            dataset = self._dataset
        if dataset is None:
            raise StoreError("the store is empty: build the graph and load it first")
        deadline = _Deadline(timeout)
        init = {Variable(name): value for name, value in (bindings or {}).items()}
        try:
            result = dataset.query(sparql, initBindings=init or None)
        except Exception as error:  # rdflib raises pyparsing / its own errors for bad queries
            if type(error).__name__ in {"ParseException", "ParseSyntaxException"}:
                raise QuerySyntaxError(str(error)) from None
            raise StoreError(f"{type(error).__name__}: {error}") from None
        if result.type == "ASK":
            return QueryResult("ASK", boolean=bool(result.askAnswer))
        budget = _Budget(byte_limit)
        if result.type == "SELECT":
            names = [str(v) for v in result.vars or []]
            rows = []
            for row in _limited(result.bindings, row_limit, deadline, "rows"):
                kept = {str(k): v for k, v in row.items() if v is not None and str(k) in names}
                for value in kept.values():
                    budget.charge(len(value))
                rows.append(kept)
            return QueryResult("SELECT", variables=names, rows=rows)
        triples = []
        for triple in _limited(result.graph or [], row_limit, deadline, "triples"):
            for term in triple:
                budget.charge(len(term))
            triples.append(triple)
        return QueryResult("CONSTRUCT", triples=triples)

    def triple_count(self) -> int:
        return self._count

    def named_graphs(self) -> list[str]:
        with self._lock:
            dataset = self._dataset
        if dataset is None:
            return []
        return sorted(str(g.identifier) for g in dataset.graphs()
                      if isinstance(g.identifier, URIRef) and g.identifier != URIRef("urn:x-rdflib:default"))

    def spec(self) -> StoreSpec:
        return StoreSpec("rdflib", None, self._source)

    def close(self) -> None:
        with self._lock:
            self._dataset = None


BACKENDS = ("oxigraph", "rdflib", "memory", "remote")


def open_store(backend: str, store_dir: Path | None = None, *, remote: RemoteSettings | None = None,
               optimize: bool = True) -> Store:
    """A store of the chosen back-end; Oxigraph persists under `store_dir` (in memory when it is None) and, with
    `optimize`, is compacted after each load.

    "memory" is another name for the rdflib back-end; "remote" needs `remote` (the server's URLs and credentials).
    """
    if backend == "oxigraph":
        return OxigraphStore(store_dir, optimize=optimize)
    if backend in ("rdflib", "memory"):
        return RdflibStore()
    if backend == "remote":
        from kg.remote import RemoteStore

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
            raise StoreError("the store's files cannot be opened (was the data folder removed?): "
                             f"{without_paths(str(error))}") from None
        try:  # the count of the named graphs' quads, recorded at load (len() also counts the merged default graph)
            meta = json.loads((Path(spec.location).parent / OxigraphStore.POINTER).read_text())
            triples = int(meta["triples"]) if meta.get("generation") == Path(spec.location).name else None
        except (OSError, ValueError, KeyError):
            triples = None
        if triples is None:
            triples = sum(1 for q in reader.quads_for_pattern(None, None, None)
                          if not isinstance(q.graph_name, ox.DefaultGraph))
        store._install(reader, {"key": None, "source": spec.source, "triples": triples})
        return store
    if spec.backend == "remote":
        return open_store("remote", remote=spec.remote)
    store = open_store("oxigraph" if spec.backend.startswith("oxigraph") else spec.backend)
    if spec.source:
        store.load(Path(spec.source))
    return store
