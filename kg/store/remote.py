"""A remote SPARQL 1.1 server as a `Store`: SPARQL Protocol for queries, Graph Store Protocol for loads.

Any standard server fits (Oxigraph server, Fuseki, GraphDB, Virtuoso...). What the embedded stores do in-process is
done over HTTP here:

- **Union default graph.** The API expects the RDF merge (a set) of the named graphs as the default graph. In
  `"dataset"` mode (the default, plain SPARQL 1.1 Protocol) the load also writes that merge as one more graph
  (`UNION_GRAPH`, never listed among the named graphs), and every query names the dataset itself: `UNION_GRAPH` as
  its `default-graph-uri` and one `named-graph-uri` per loaded graph, sent as a form POST so hundreds of graphs fit.
  Naming every chat graph as a `default-graph-uri` instead would not do: servers such as Oxigraph then return a
  triple once per graph holding it, and with many chats the rows of shared people multiply (at 100 k quads the
  participants query grew past 49 MB and the API could not start). A query with its own FROM / FROM NAMED keeps its
  own dataset. In `"native"` mode the server is trusted to use the union already (e.g. Fuseki `unionDefaultGraph`;
  Oxigraph's `--union-default-graph` repeats triples per graph as above).
- **Bound values.** A server cannot take bindings out of band, so each bound value is written into the query as a
  single RDF term inside a `VALUES` block placed at the start of the query's WHERE group (so FILTERs and OPTIONALs of
  that group see the value, as with substitution). Only terms are written, never raw text: IRIs are checked against
  the IRIREF character rules, literals are escaped by rdflib, and each term is parsed back by Oxigraph's own SPARQL
  parser and must come back as the same term, or the binding is refused (`InvalidBinding`). Blank nodes cannot be
  bound across a protocol boundary and are refused too.
- **Loads.** Each named graph of the dump is PUT through the Graph Store Protocol (or, with only an update URL,
  written with `DROP SILENT GRAPH` + `INSERT DATA` in chunks); graphs of the previous load that are not in the new
  dump are deleted. A small metadata graph (`STORE_META`, never part of the union) records the load's key, its
  graphs and its quad count, and is written *last*: an interrupted load leaves no key, so the next start reloads.
  The Graph Store Protocol has no transaction across graphs, so a reader may see a mix of old and new graphs while
  a load runs (the embedded Oxigraph store swaps atomically; this one cannot).
- **Time limits.** The HTTP timeout is the query's time limit; hitting it raises `QueryTimeout`.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.store.base import (
    InvalidBinding,
    ProtocolDataset,
    QueryResult,
    QuerySyntaxError,
    RemoteSettings,
    StoreError,
    StoreSpec,
    file_key,
    rdf_format,
)
from kg.store.convert import to_ox
from kg.store.remote_answers import (
    NO_START,
    RowCap,
    ServerLimit,
    duplicates_do_not_show,
    expand_class_paths,
    graph_not_held_limit,
    graphs_not_held,
    no_start_limit,
    normalise,
    transitive_limit,
    transitive_path,
)
from kg.store.remote_graphs import GraphWriter
from kg.store.remote_protocol import SparqlProtocol

STORE_META = "https://w3id.org/qikg/graph/store-meta"
UNION_GRAPH = "https://w3id.org/qikg/graph/union"  # the merge of the loaded graphs, the default graph of queries
# what a request's graph that the store does not hold is sent as: a graph no server holds and none can fetch (a
# server given a URL it does not hold may try to fetch it, Virtuoso's sponger for one)
NO_GRAPH = "urn:qikg:no-such-graph"
LAYOUT = 2  # 2: the load writes UNION_GRAPH; a server loaded by an older qikg is loaded again
_META_NS = "https://w3id.org/qikg/store#"
# Virtuoso's own DESCRIBE adds the statements that point at the resource; its "CBD" mode gives the resource's own
# statements and, through blank nodes, theirs: the Concise Bounded Description that Oxigraph (embedded or server)
# gives. It follows blank nodes into the named graphs too (each graph has its own copy of a blank node), so a DESCRIBE
# that names no GRAPH is asked over the union graph alone.
VIRTUOSO_CBD = 'define sql:describe-mode "CBD" '
_WHAT = {"SELECT": "rows", "CONSTRUCT": "triples", "ASK": "rows"}


# --- bound values as SPARQL terms ----------------------------------------------------------------------------------

_IRI_OK = re.compile(r'^[^\x00-\x20<>"{}|^`\\]*$')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LANG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
_VAR_NAME = re.compile(r"^[A-Za-z_0-9][A-Za-z_0-9\u00B7\u00C0-\uFFFF]*$")
_CHECKER = ox.Store()  # empty, in memory: parses each written term back


def _check_iri(iri: str) -> None:
    if not _IRI_OK.match(iri) or not _SCHEME.match(iri):
        raise InvalidBinding(f"not a valid absolute IRI: {iri[:200]!r}")


def sparql_term(term: Node) -> str:
    """One RDF term in SPARQL syntax, checked to parse back as exactly that term."""
    if isinstance(term, BNode):
        raise InvalidBinding("a blank node cannot be bound in a query sent to a remote server")
    if isinstance(term, URIRef):
        _check_iri(str(term))
    elif isinstance(term, Literal):
        if term.language is not None and not _LANG.match(term.language):
            raise InvalidBinding(f"not a valid language tag: {term.language!r}")
        if term.datatype is not None:
            _check_iri(str(term.datatype))
    else:
        raise InvalidBinding(f"cannot bind {term!r}: expected an IRI or a literal")
    try:
        text = term.n3()
    except Exception as error:  # rdflib refuses some IRIs itself
        raise InvalidBinding(str(error)) from None
    try:
        solutions = _CHECKER.query(f"SELECT ?v WHERE {{ VALUES ?v {{ {text} }} }}")
        if not isinstance(solutions, ox.QuerySolutions):
            raise ValueError("not a SELECT answer")
        parsed = next(iter(solutions))["v"]
        expected = to_ox(term)
    except (SyntaxError, ValueError, StopIteration) as error:
        raise InvalidBinding(f"cannot write {str(term)[:200]!r} as a SPARQL term: {error}") from None
    if parsed != expected:
        raise InvalidBinding(f"{str(term)[:200]!r} does not survive as a SPARQL term")
    return text


# --- a small SPARQL scanner: finds the WHERE group and FROM clauses, skipping strings, IRIs and comments ----------

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$][A-Za-z_0-9\u00B7\u00C0-\uFFFF]+)
      | (?P<word>[A-Za-z_][A-Za-z_0-9\-.]*(?::[^\s{}()\[\];,]*)?|:[^\s{}()\[\];,]*)
      | (?P<open>\{)
      | (?P<close>\})
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}


@dataclass
class _Shape:
    where_open: int  # index of the WHERE group's '{'
    where_close: int  # index of its matching '}'
    subselect: bool  # the group is `{ SELECT ... }`
    has_dataset: bool  # FROM / FROM NAMED in the query


def _declares(sparql: str, prefix: str) -> bool:
    """Whether the query declares this prefix itself (then its own declaration is the one that counts)."""
    return re.search(rf"(?i)\bPREFIX\s+{re.escape(prefix)}\s*:", sparql) is not None


def _tokens(sparql: str) -> Iterator[tuple[str, str, int]]:
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield kind, match.group(), match.start()


def query_shape(sparql: str) -> _Shape:
    """Where the WHERE group of a query starts and ends, and whether the query names its own dataset."""
    tokens = list(_tokens(sparql))
    depth, form, skip_template, has_dataset = 0, None, False, False
    start = None
    for i, (kind, text, pos) in enumerate(tokens):
        if kind == "open":
            if depth == 0 and form is not None:
                if skip_template:
                    skip_template = False
                elif start is None:
                    start = i
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0 and start is not None:
                after = tokens[start + 1] if start + 1 < len(tokens) else ("", "", 0)
                return _Shape(tokens[start][2], pos, after[0] == "word" and after[1].upper() == "SELECT", has_dataset)
        elif kind == "word" and depth == 0:
            word = text.upper()
            if form is None and word in _FORMS:
                form = word
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "", 0)
                skip_template = word == "CONSTRUCT" and nxt[0] == "open"
            elif form is not None and word == "FROM":
                has_dataset = True
    raise QuerySyntaxError("cannot find the query's WHERE clause")


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's form (None when none is found: the server will say why)."""
    for kind, text, _pos in _tokens(sparql):
        if kind == "word" and text.upper() in _FORMS:
            return text.upper()
    return None


def names_dataset(sparql: str) -> bool:
    """Whether the query has its own FROM / FROM NAMED (outside any group, after its form), WHERE or not: a
    `DESCRIBE <iri>` has no WHERE group and still needs the dataset named for it."""
    depth, form = 0, False
    for kind, text, _pos in _tokens(sparql):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0:
            word = text.upper()
            form = form or word in _FORMS
            if form and word == "FROM":
                return True
    return False


def cap_rows(sparql: str, rows: int) -> str:
    """The SELECT with a LIMIT of at most `rows` (its own LIMIT when that is lower): a server that works out the whole
    answer before sending any of it (Virtuoso) then stops at the row limit instead of running into its time limit on
    a huge answer. An answer of `rows` rows says "more than the limit" as the full answer would; one below it is the
    full answer. Only for SELECT (a CONSTRUCT's LIMIT counts solutions, not the triples its template makes) without
    ORDER BY (Virtuoso refuses to sort more than 10,000 rows under a LIMIT: "Sorted TOP clause ...")."""
    shape = query_shape(sparql)
    tokens = [t for t in _tokens(sparql) if t[2] > shape.where_close]
    depth, at = 0, len(sparql)
    for kind, text, pos in tokens:
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and text.upper() == "ORDER":
            return sparql  # a sort needs the whole answer anyway, and Virtuoso sorts at most 10,000 rows under a LIMIT
        elif kind == "word" and depth == 0 and text.upper() == "VALUES":
            at = pos  # the LIMIT goes before a trailing VALUES block
            break
        elif kind == "word" and depth == 0 and text.upper() == "LIMIT":
            number = re.compile(r"LIMIT\s+(\d+)", re.IGNORECASE).match(sparql, pos)
            if number is None or int(number.group(1)) <= rows:
                return sparql
            return sparql[: number.start(1)] + str(rows) + sparql[number.end(1) :]
    return f"{sparql[:at]}\nLIMIT {rows}\n{sparql[at:]}"


def without_from(sparql: str) -> str:
    """The query without its own FROM / FROM NAMED clauses, for a request that names its dataset: the Protocol
    says the request's dataset wins, but Virtuoso reads the query's FROM over `default-graph-uri`."""
    tokens = list(_tokens(sparql))
    depth, form, cuts = 0, False, []
    for i, (kind, text, pos) in enumerate(tokens):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0:
            form = form or text.upper() in _FORMS
            if form and text.upper() == "FROM":
                j = i + 1 + (i + 1 < len(tokens) and tokens[i + 1][1].upper() == "NAMED")
                if j < len(tokens):
                    cuts.append((pos, tokens[j][2] + len(tokens[j][1])))
    for start, end in reversed(cuts):
        sparql = sparql[:start] + " " + sparql[end:]
    return sparql


def bind_values(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with a VALUES block for the bound variables at the start of its WHERE group."""
    if not bindings:
        return sparql
    names = list(bindings)
    for name in names:
        if not _VAR_NAME.match(name):
            raise InvalidBinding(f"not a variable name: {name!r}")
    terms = " ".join(sparql_term(bindings[name]) for name in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({terms}) }} "
    shape = query_shape(sparql)
    head, body, tail = (
        sparql[: shape.where_open + 1],
        sparql[shape.where_open + 1 : shape.where_close],
        sparql[shape.where_close :],
    )
    if shape.subselect:
        return f"{head}{block}{{{body}}}{tail}"
    return f"{head}{block}{body}{tail}"


# --- results ---------------------------------------------------------------------------------------------------


# --- what a load recorded --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRecord:
    """What the last complete load wrote, as kept in the metadata graph `STORE_META` (never part of the union)."""

    key: str | None = None
    source: str | None = None
    graphs: tuple[str, ...] = ()
    count: int = 0

    def facts(self) -> list[ox.Triple]:
        meta = ox.NamedNode(STORE_META)
        integer = ox.NamedNode(str(XSD.integer))
        facts = [
            ox.Triple(meta, ox.NamedNode(_META_NS + "key"), ox.Literal(self.key or "")),
            ox.Triple(meta, ox.NamedNode(_META_NS + "layout"), ox.Literal(str(LAYOUT), datatype=integer)),
            ox.Triple(meta, ox.NamedNode(_META_NS + "source"), ox.Literal(self.source or "")),
            ox.Triple(meta, ox.NamedNode(_META_NS + "triples"), ox.Literal(str(self.count), datatype=integer)),
        ]
        return facts + [ox.Triple(meta, ox.NamedNode(_META_NS + "graph"), ox.NamedNode(g)) for g in self.graphs]

    @classmethod
    def read(cls, protocol: SparqlProtocol) -> LoadRecord:
        """What the last complete load recorded on the server (nothing when the server is empty or unreachable)."""
        query = f"SELECT ?p ?o WHERE {{ GRAPH <{STORE_META}> {{ <{STORE_META}> ?p ?o }} }}"
        try:
            rows = protocol.query(query, (), None, None).rows
        except StoreError:
            return cls()
        meta: dict[str, list[Node]] = defaultdict(list)
        for row in rows:
            meta[str(row["p"]).removeprefix(_META_NS)].append(row["o"])
        if not meta.get("key") or [str(v) for v in meta.get("layout", [])] != [str(LAYOUT)]:
            return cls()  # no complete load, or one by an older qikg without the union graph: load again
        return cls(
            str(meta["key"][0]),
            str(meta["source"][0]) if meta.get("source") else None,
            tuple(sorted(str(g) for g in meta.get("graph", []))),
            int(str(meta["triples"][0])) if meta.get("triples") else 0,
        )


def read_dump(source: Path, fmt: ox.RdfFormat) -> dict[str, list[ox.Triple]]:
    """The triples of a dump by named graph; a triple outside a named graph, or in a reserved graph, is refused."""
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(source), format=fmt):
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise ValueError(
                f"{source.name} has triples outside a named graph: the remote store loads "
                "named graphs only (the union of them is the default graph)"
            )
        by_graph[quad.graph_name.value].append(quad.triple)
    for reserved in (STORE_META, UNION_GRAPH):
        if reserved in by_graph:
            raise ValueError(f"{source.name} uses the reserved graph {reserved}")
    return by_graph


# --- the store -----------------------------------------------------------------------------------------------------


class RemoteStore:
    """A SPARQL 1.1 server over HTTP, answering exactly like the embedded stores: queries through `SparqlProtocol`
    (kg/store/remote_protocol.py), graphs written by `GraphWriter` (kg/store/remote_graphs.py), the load's record
    in the server's metadata graph (`LoadRecord`)."""

    backend = "remote"

    def __init__(self, settings: RemoteSettings) -> None:
        if not settings.query_url:
            raise ValueError("the remote store needs a query URL (QIKG_REMOTE_QUERY_URL)")
        self.settings = settings
        self.protocol = SparqlProtocol(settings)
        self.graphs = GraphWriter(self.protocol)
        self._lock = threading.Lock()
        self._record = LoadRecord.read(self.protocol)
        self.row_cap = RowCap(self._probe, settings.query_url)
        self._closures: dict[str, list[str]] = {}

    def _held(self) -> set[str]:
        """The graphs this store holds on the server: the loaded ones, and the merged one in "dataset" mode."""
        return set(self._record.graphs) | ({UNION_GRAPH} if self.settings.union == "dataset" else set())

    def _dataset_params(self, sparql: str, dataset: ProtocolDataset | None = None) -> list[tuple[str, str]]:
        """The dataset a query is asked over: the request's own if it names one, else the union graph as its default
        graph and every loaded graph as a named one (in "dataset" mode, unless the query names its own dataset)."""
        if dataset is not None:  # a graph not held is empty (SPARQL 1.1 Protocol), so it goes as NO_GRAPH
            held = self._held()

            def sent(graphs: Iterable[str]) -> list[str]:
                return list(dict.fromkeys(g if g in held else NO_GRAPH for g in graphs))

            return [("default-graph-uri", g) for g in sent(dataset.default)] + [
                ("named-graph-uri", g) for g in sent(dataset.named)
            ]
        if self.settings.union != "dataset" or names_dataset(sparql):
            return []
        return [("default-graph-uri", UNION_GRAPH)] + [("named-graph-uri", g) for g in self._record.graphs]

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
        row_limit: int | None = None,
        byte_limit: int | None = None,
        dataset: ProtocolDataset | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> QueryResult:
        # the protocol has no parameter for them: the prefixes the query does not declare, and the base, go first
        # on the query's first line (its lines keep their numbers)
        undeclared = {p: ns for p, ns in (prefixes or {}).items() if not _declares(sparql, p)}
        if undeclared:
            sparql = "".join(f"PREFIX {p}: <{ns}> " for p, ns in undeclared.items()) + sparql
        if base_iri:
            sparql = f"BASE <{base_iri}> {sparql}"
        text = bind_values(sparql if dataset is None else without_from(sparql), bindings)
        if self.protocol.is_virtuoso:
            text = expand_class_paths(text, list(_tokens(text)), self._subclasses)
            tokens = list(_tokens(text))
            found = transitive_path(tokens, set(bindings or ()))
            if found is not None and not duplicates_do_not_show(tokens):
                raise transitive_limit(found)
            named = list(dataset.named) if dataset is not None else list(self._record.graphs)
            held = self._held()
            missing = graphs_not_held(tokens, held & set(named) if dataset is not None else held)
            if missing:
                raise graph_not_held_limit(missing, named)
        form = query_form(text)
        if row_limit is not None and form == "SELECT":
            text = cap_rows(text, row_limit + 1)
        params = self._dataset_params(text, dataset)
        named_for_describe = False
        if self.protocol.is_virtuoso and form == "DESCRIBE":
            text = VIRTUOSO_CBD + text
            named_for_describe = any(kind == "word" and word.upper() == "GRAPH" for kind, word, _ in _tokens(text))
            if dataset is None and not named_for_describe:
                params = [(name, graph) for name, graph in params if name == "default-graph-uri"]
        try:
            result = self.protocol.query(text, params, timeout, row_limit, byte_limit, form)
        except StoreError as error:
            if self.protocol.is_virtuoso and NO_START in str(error):
                raise no_start_limit() from None
            raise
        if named_for_describe and any(isinstance(term, BNode) for triple in result.triples for term in triple):
            raise ServerLimit(
                "Virtuoso's DESCRIBE follows blank nodes into every named graph, each with its own copy of them, so "
                "with GRAPH in the query this description would hold them more than once: describe without GRAPH, "
                "or ask for the statements with a CONSTRUCT"
            )
        self.row_cap.check(len(result.rows) if result.kind == "SELECT" else len(result.triples), _WHAT[result.kind])
        return normalise(result, text)

    def _subclasses(self, iri: str) -> list[str]:
        """The classes that reach `iri` through rdfs:subClassOf (asked alone; kept until the next load)."""
        with self._lock:
            if iri in self._closures:
                return self._closures[iri]
        query = f"SELECT DISTINCT ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{iri}> }}"
        rows = self.protocol.query(query, self._dataset_params(query), None, None, None, "SELECT").rows
        found = sorted(str(row["c"]) for row in rows if isinstance(row.get("c"), URIRef))
        with self._lock:
            self._closures[iri] = found
        return found

    def _probe(self, sparql: str) -> int:
        return len(self.protocol.query(sparql, (), None, None, None, "SELECT").rows)

    def load(self, source: Path, key: str | None = None) -> None:
        """PUT every named graph of the dump, drop the graphs it no longer has, then record the load."""
        source = Path(source)
        fmt = rdf_format(source)
        key = key or file_key(source)
        by_graph = read_dump(source, fmt)
        with self._lock:
            self._closures.clear()
            self._record = LoadRecord()  # never "loaded" while (or after) a load fails: the next start loads again
        previous = set(self.graphs.names())
        self.graphs.put(STORE_META, [])  # no key while the load runs: an interrupted load is seen as incomplete
        for graph in sorted(by_graph):
            self.graphs.put(graph, by_graph[graph])
        kept = {STORE_META} | ({UNION_GRAPH} if self.settings.union == "dataset" else set())
        for graph in sorted(previous - set(by_graph) - kept):
            self.graphs.delete(graph)
        if self.settings.union == "dataset":
            self.graphs.put(UNION_GRAPH, list(dict.fromkeys(t for triples in by_graph.values() for t in triples)))
        record = LoadRecord(key, str(source), tuple(sorted(by_graph)), sum(len(t) for t in by_graph.values()))
        self.graphs.put(STORE_META, record.facts())
        with self._lock:
            self._record = record

    def loaded_key(self) -> str | None:
        return self._record.key

    def triple_count(self) -> int:
        return self._record.count

    def named_graphs(self) -> list[str]:
        return list(self._record.graphs)

    def spec(self) -> StoreSpec:
        return StoreSpec("remote", self.settings.query_url, self._record.source, remote=self.settings)

    def close(self) -> None:
        self.protocol.close()
