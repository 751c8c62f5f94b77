"""What every store back-end shares: the `Store` protocol, the neutral `QueryResult`, the errors, limits."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable
from typing import Literal as TypingLiteral

import httpx
import pyoxigraph as ox
import rdflib.plugins.sparql as rdflib_sparql
from rdflib import Graph
from rdflib.term import Node

# rdflib would fetch the IRIs named in FROM / FROM NAMED over the network: never let it.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False


QueryKind = Literal["SELECT", "ASK", "CONSTRUCT"]


Bindings = Mapping[str, Node]


@dataclass(frozen=True)
class ProtocolDataset:
    """The RDF dataset a request names with `default-graph-uri` / `named-graph-uri` (SPARQL 1.1 Protocol 2.1.4).
    It replaces the query's own FROM / FROM NAMED, and the store's union default graph: the default graph is the
    merge of `default` (empty if none), the named graphs are `named` (none if none). A graph the store does not
    hold is an empty graph: nothing is ever fetched from the web."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


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
class RemoteSettings:
    """Where the server is and how to talk to it. The password never shows in a repr or a log line."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    union: TypingLiteral["dataset", "native"] = "dataset"
    auth_scheme: TypingLiteral["basic", "digest"] = "basic"

    def auth(self) -> httpx.Auth | None:
        """Basic or Digest auth (Virtuoso's authenticated endpoints ask for Digest), or none without a user."""
        if not self.username:
            return None
        if self.auth_scheme == "digest":
            return httpx.DigestAuth(self.username, self.password or "")
        return httpx.BasicAuth(self.username, self.password or "")


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
        dataset: ProtocolDataset | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run a read-only query; `bindings` are substituted as values, never as text; `byte_limit` bounds the
        text of the answer's terms (AnswerTooLarge past it); `dataset`, the request's own dataset, if it names one;
        `base_iri`, what relative IRIs resolve against (a BASE of the query's own wins), and `prefixes`, the prefixes
        the query may use undeclared (a PREFIX of its own wins), given beside the text so the text run is the text
        the policy judged (and a syntax error's line is the user's)."""

    def triple_count(self) -> int:
        """Number of quads held (cached after a load: it must stay cheap for /health)."""

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs held."""

    def spec(self) -> StoreSpec:
        """How another process reopens this store read-only."""

    def close(self) -> None:
        """Release files and memory."""


def file_key(path: Path) -> str:
    """SHA-256 of a file, the key that says whether a store holds the current build."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rdf_format(path: Path) -> ox.RdfFormat:
    suffix = path.suffix.lower()
    formats = {
        ".trig": ox.RdfFormat.TRIG,
        ".nq": ox.RdfFormat.N_QUADS,
        ".ttl": ox.RdfFormat.TURTLE,
        ".nt": ox.RdfFormat.N_TRIPLES,
        ".jsonld": ox.RdfFormat.JSON_LD,
    }
    if suffix not in formats:
        raise ValueError(f"cannot load {path.name}: expected one of {', '.join(formats)}")
    return formats[suffix]


class Deadline:
    """Checks elapsed time while results stream in (in-process queries cannot be interrupted mid-step)."""

    def __init__(self, timeout: float | None) -> None:
        self.end = None if timeout is None else time.monotonic() + timeout
        self.timeout = timeout

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise QueryTimeout(f"the query ran longer than {self.timeout:g} s")


# What a term costs beyond its own text in any result format (markup, datatype or language, separators).
TERM_OVERHEAD = 32


class Budget:
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


def limited(items: Iterable, row_limit: int | None, deadline: Deadline, what: str) -> Iterator:
    for count, item in enumerate(items, start=1):
        if row_limit is not None and count > row_limit:
            raise RowLimitExceeded(f"the query returned more than {row_limit} {what}; add a LIMIT")
        if count % 256 == 0:
            deadline.check()
        yield item
    deadline.check()
