"""The graph as deterministic files: the same inputs give byte-identical TriG, Turtle, N-Triples and JSON-LD."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from kg import iris


def _key(t: tuple) -> tuple[str, ...]:
    return tuple(x.n3() for x in t)


def sorted_dataset(ds: Dataset) -> Dataset:
    """A copy with canonical blank-node labels (the TBox's OWL lists), graphs and triples inserted in sorted order.

    rdflib labels blank nodes at random and keeps graphs in a hash-ordered set; both would make two builds of the
    same inputs differ byte for byte.
    """
    return sorted_dataset_with_digests(ds).ds


def sorted_dataset_with_digests(ds: Dataset, *, in_place: bool = False) -> Sorted:
    """`sorted_dataset`, and each graph's digest (sha256 of its sorted triples): a graph with the same digest is
    serialised the same, so its text can be reused (`write_dumps`). A graph without blank nodes is its own canonical
    form (relabelling blank nodes is all `to_canonical_graph` does), so only graphs with some go through it.

    `in_place` (the build): `ds` itself, its graphs with blank nodes replaced by their canonical form, instead of a
    sorted copy (45,000 insertions at 50 chats): every writer of the build orders what it writes itself (TriG and
    Turtle sort subjects, predicates and objects, N-Triples and JSON-LD are sorted, the union and the graph view read
    the sorted union), so insertion order never reaches a file (`tests/kg/pipeline/test_same_build.py`)."""
    out = ds
    if not in_place:
        out = Dataset()
        for prefix, ns in iris.PREFIXES.items():
            out.bind(prefix, ns)
    digests: dict[str, str] = {}
    union: dict[tuple[str, ...], tuple] = {}
    blank: set[str] = set()
    for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        name = str(g.identifier)
        keyed = [(_key(t), t) for t in g]
        if any(part.startswith("_:") for key, _ in keyed for part in key):
            blank.add(name)
            canonical = to_canonical_graph(g)
            keyed = [(_key(t), t) for t in canonical]
            if in_place:
                g.remove((None, None, None))
        keyed.sort(key=lambda kt: kt[0])
        h = hashlib.sha256(name.encode() + b"\n")
        target = out.graph(g.identifier) if not in_place or name in blank else None
        for key, t in keyed:
            if target is not None:
                target.add(t)
            union[key] = t
            h.update(" ".join(key).encode() + b"\n")
        digests[name] = h.hexdigest()
    return Sorted(out, digests, union, blank)


@dataclass
class Sorted:
    """What `sorted_dataset_with_digests` makes: the dataset, each graph's digest, and every triple of the union by
    its sort key (known there; `write_dumps` would otherwise compute them all again)."""

    ds: Dataset
    digests: dict[str, str]
    union: dict[tuple[str, ...], tuple]
    blank: set[str] | None = None  # the graphs with blank nodes (None: not known, looked for when needed)


def union_of(made: Sorted) -> Graph:
    """Every graph of a sorted dataset as one graph, inserted in sorted order (what qikg.ttl serialises)."""
    return _union(made.union)


def union_graph(ds: Dataset) -> Graph:
    """All graphs of an already sorted/canonical dataset as one graph, inserted in sorted order."""
    return _union({_key(t): t for ctx in ds.graphs() for t in ctx})


def _union(keyed: dict[tuple[str, ...], tuple]) -> Graph:
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    for key in sorted(keyed):
        g.add(keyed[key])
    return g


class _SortedTrig(TrigSerializer):
    """TriG with the named graphs in IRI order (rdflib's store hands them out in hash order)."""

    def preprocess(self) -> None:
        self.contexts.sort(key=lambda c: str(c.identifier))
        super().preprocess()


def _trig(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    _SortedTrig(ds).serialize(buf, encoding="utf-8")
    return buf.getvalue()


class _MemoPname:
    """rdflib's `get_pname` with each term's answer kept for the rest of the file: a term's qname parts are the same
    every time (rdflib's namespace manager caches them too), so a repeated term only calls `addNamespace` again,
    which is what may rename a prefix and what a writer records; rdflib otherwise works out and escapes the local
    name anew at each of the ~60,000 calls of a 50-chat file (most for the inferred graph's types)."""

    _pname_last: tuple[str, object] | None = None

    def get_pname(self, uri, gen_prefix: bool = True):
        memo = self.__dict__.setdefault("_pname_memo", {})
        key = (uri, gen_prefix)
        if key in memo:
            parts = memo[key]
            if parts is None:
                return None
            prefix, namespace, local = parts
            return f"{self.addNamespace(prefix, namespace)}:{local}"
        self._pname_last = None
        result = super().get_pname(uri, gen_prefix)  # type: ignore[misc]
        if result is None:
            memo[key] = None
            return None
        if self._pname_last is None:  # answered without a namespace call: not kept
            return result
        prefix, namespace = self._pname_last
        memo[key] = (prefix, namespace, result.split(":", 1)[1])
        return result

    def addNamespace(self, prefix: str, namespace):  # noqa: N802 (rdflib's name)
        done = super().addNamespace(prefix, namespace)  # type: ignore[misc]
        self._pname_last = (prefix, namespace)
        return done


class _ReusingTrig(_MemoPname, _SortedTrig):
    """`_SortedTrig` that takes each subject's statement in the graphs of `known` (graph IRI -> subject N3 -> text)
    from there, and keeps the statements it writes in the graphs of `capture` in `made`; with `orders` (graph IRI ->
    `_order_data`), it also skips reading those graphs' triples to order their subjects.

    Only for graphs without blank nodes: there a statement is the subject's triples in that graph and nothing else.
    rdflib orders a graph's subjects by how often the graphs so far (in IRI order) refer to them, and writes the
    prefixes the whole file uses: what a graph adds to both depends on that graph alone (`_order_data`), so an
    unchanged graph's share is added without walking its triples, and the ones walked are summed as rdflib sums
    them. `made_orders` holds the shares of the graphs of `capture_orders` walked here."""

    _recording: set[tuple[str, str, str]] | None = None

    def __init__(
        self,
        store: Dataset,
        known: dict[str, dict[str, str]],
        capture: set[str],
        orders: dict[str, dict] | None = None,
        capture_orders: set[str] | None = None,
    ) -> None:
        super().__init__(store)
        self.known, self.capture = known, capture
        self.made: dict[str, dict[str, str]] = {g: {} for g in capture}
        self.orders = orders or {}
        self.capture_orders = capture_orders or set()
        self.made_orders: dict[str, dict] = {}
        self.prefixes: set[tuple[str, str]] = set()  # what every graph's triples make a writer declare
        self.prefixes_known = True  # False: some graph made rdflib rewrite or invent a prefix (then not summed)
        self._start_prefixes = {(p, str(ns)) for p, ns in store.namespace_manager.namespaces()}

    def addNamespace(self, prefix: str, namespace) -> str:  # type: ignore[override]  # noqa: N802 (rdflib's name)
        done = super().addNamespace(prefix, namespace)
        if self._recording is not None:
            self._recording.add((prefix, str(namespace), done))
        return done

    def preprocess(self) -> None:
        """rdflib's `TrigSerializer.preprocess`, with the share of each graph in `orders` added, not walked."""
        self._cached_refs: dict[str, int] = defaultdict(int)  # references made by the graphs not walked, by N3
        self.contexts.sort(key=lambda c: str(c.identifier))  # as `_SortedTrig`
        for context in self.contexts:
            if len(context) == 0:
                continue
            self.store = context
            self.get_pname(context.identifier, False)
            name = str(context.identifier)
            share = self.orders.get(name)
            if share is not None and name in self.known:
                for prefix, namespace in share["prefixes"]:
                    self.addNamespace(prefix, URIRef(namespace))
                    self.prefixes.add((prefix, namespace))
                for key, n in share["refs"].items():
                    self._cached_refs[key] += n
                self._subjects = {URIRef(key[1:-1]): True for key in self.known[name]}
                top = [URIRef(x) for x in share["top"]]
            else:
                self._subjects = {}
                cumulative, local = self._references, defaultdict[Node, int](int)
                self._references, self._recording = local, set()
                try:
                    for triple in context:
                        self.preprocessTriple(triple)
                    for subject in self._subjects:
                        local[subject] += 1
                    recorded = self._recording
                finally:
                    self._references, self._recording = cumulative, None
                for node, n in local.items():
                    cumulative[node] += n
                top = sorted(x for x in context.subjects(RDF.type, RDFS.Class) if isinstance(x, URIRef))
                safe = all(done == prefix and (prefix, ns) in self._start_prefixes for prefix, ns, done in recorded)
                self.prefixes |= {(prefix, ns) for prefix, ns, _ in recorded}
                self.prefixes_known = self.prefixes_known and safe
                if name in self.capture_orders and safe:
                    self.made_orders[name] = {
                        "refs": {k.n3(): n for k, n in local.items() if isinstance(k, URIRef | BNode)},
                        "top": [str(x) for x in top],
                        "prefixes": sorted({(prefix, ns) for prefix, ns, _ in recorded}),
                    }
            self._contexts[context] = (self._ordered(top), self._subjects)

    def _ordered(self, top: list) -> list:
        """rdflib's `orderSubjects` (rdfs:Class members first, then by blank node, references so far, term), with
        the references of the graphs not walked counted too."""
        for member in top:
            self._topLevels[member] = True
        seen = set(top)
        refs, cached = self._references, self._cached_refs
        recursable = sorted(
            (isinstance(s, BNode), refs.get(s, 0) + cached.get(s.n3(), 0), s) for s in self._subjects if s not in seen
        )
        return list(top) + [s for _, _, s in recursable]

    def statement(self, subject) -> bool:
        graph = str(self.store.identifier)
        texts = self.known.get(graph)
        if texts is not None and subject.n3() in texts:
            self.subjectDone(subject)
            self.write(texts[subject.n3()])  # what rdflib's own write does with text
            return True
        if graph not in self.capture:
            return super().statement(subject)
        done, text = _statement_text(self, super().statement, subject)
        if done:
            self.made[graph][subject.n3()] = text
        return done


class _CapturingTurtle(_MemoPname, TurtleSerializer):
    """rdflib's Turtle of one graph, keeping each subject's statement (N3 of the subject -> text) in `made`."""

    def __init__(self, store: Graph) -> None:
        super().__init__(store)
        self.made: dict[str, str] = {}

    def statement(self, subject) -> bool:
        done, text = _statement_text(self, super().statement, subject)
        if done:
            self.made[subject.n3()] = text
        return done


def _statement_text(serializer: TurtleSerializer, statement, subject) -> tuple[bool, str]:
    """rdflib's `statement(subject)`, written to the serializer's stream as usual and also returned as text (whether
    it wrote one, and what), so a writer can keep a subject's statement for the next build."""
    real, buf = serializer.stream, io.BytesIO()
    serializer.stream = buf
    try:
        done = statement(subject)
    finally:
        serializer.stream = real
    text = buf.getvalue().decode(serializer.encoding)
    serializer.write(text)
    return done, text


def _turtle_statements(g: Graph) -> dict[str, str]:
    """Each subject's Turtle statement of a graph without blank nodes, as a Turtle file of the graph writes it."""
    writer = _CapturingTurtle(g)
    writer.serialize(io.BytesIO(), encoding="utf-8")
    return writer.made


class _ReusingTurtle(_MemoPname, TurtleSerializer):
    """rdflib's Turtle of the union graph, with the statement of each subject in `known` taken from there and the
    subject order and prefixes computed from the union's triples and `prefixes` instead of by `get_pname` on each.

    A subject that is the subject of triples in one graph only, a graph without blank nodes, has exactly that
    graph's triples about it in the union, so its statement is the one the graph's own Turtle has (`known`); every
    other subject (shared people, organisations, themes, the TBox's) is written by rdflib from the union. rdflib
    orders subjects by the union's references (a set: a triple in two graphs counts once), counted here from the
    union's triples; it declares the prefixes its `get_pname` meets on the triples, the union of what each graph's
    triples meet (`_ReusingTrig.prefixes`)."""

    def __init__(
        self,
        store: Graph,
        known: dict[str, str],
        prefixes: set[tuple[str, str]],
        triples,
        capture: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        super().__init__(store)
        self.known, self.known_prefixes, self.triples = known, prefixes, triples
        self.made: dict[str, str] = {}
        self.capture = capture  # the statements it writes of the subjects in `capture` (N3 -> text)

    def preprocess(self) -> None:
        refs, subjects = self._references, self._subjects
        for s, _, o in self.triples:
            refs[o] += 1
            subjects[s] = True
        for prefix, namespace in sorted(self.known_prefixes):
            self.addNamespace(prefix, URIRef(namespace))

    def statement(self, subject) -> bool:
        key = subject.n3()
        text = self.known.get(key)
        if text is None:
            if key not in self.capture:
                return super().statement(subject)
            done, written = _statement_text(self, super().statement, subject)
            if done:
                self.made[key] = written
            return done
        self.subjectDone(subject)
        self.write(text)
        return True


def _jsonld(ds: Dataset) -> bytes:
    """JSON-LD of the dataset: one named graph object per graph, in IRI order, sharing one context."""
    graphs = [_jsonld_graph(g) for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier))]
    return _jsonld_document(graphs)


def _jsonld_graph(g: Graph) -> dict:
    """One graph's object of `_jsonld` (it depends on that graph only)."""
    single = Graph()
    for t in g:
        single.add(t)
    doc = json.loads(single.serialize(format="json-ld", context=dict(iris.PREFIXES)))
    nodes = doc.get("@graph", [doc]) if isinstance(doc, dict) else doc
    nodes = [_canonical_json({k: v for k, v in n.items() if k != "@context"}) for n in nodes]
    return {"@id": str(g.identifier), "@graph": sorted(nodes, key=lambda n: str(n.get("@id", "")))}


def _jsonld_document(graphs: list[dict]) -> bytes:
    text = json.dumps({"@context": dict(iris.PREFIXES), "@graph": graphs}, indent=1, ensure_ascii=False, sort_keys=True)
    return (text + "\n").encode("utf-8")


def _json_text(value) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


def _jsonld_document_of_texts(parts: list[str]) -> bytes:
    """`_jsonld_document` from each graph object's own `_json_text`: the same bytes (JSON text holds no raw newline,
    so nesting an object only indents each of its lines), without encoding every graph again."""
    if not parts:
        return _jsonld_document([])
    context = _json_text(dict(iris.PREFIXES)).replace("\n", "\n ")
    graphs = ",\n  ".join(part.replace("\n", "\n  ") for part in parts)
    return ('{\n "@context": ' + context + ',\n "@graph": [\n  ' + graphs + "\n ]\n}\n").encode("utf-8")


def _canonical_json(value, key: str = ""):
    """Sort JSON-LD arrays (sets of values, except inside @list) so the serialiser's set order does not leak."""
    if isinstance(value, dict):
        return {k: _canonical_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical_json(v) for v in value]
        return items if key == "@list" else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _nt_sorted(g: Graph) -> bytes:
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return ("\n".join(sorted({ln for ln in lines if ln.strip()})) + "\n").encode("utf-8")


@dataclass
class GraphText:
    """One graph of a sorted dataset as the dumps write it: what `write_dumps` reuses for an unchanged graph."""

    nt: list[str]  # its N-Triples lines
    jsonld: dict  # its object of the JSON-LD file
    trig: dict[str, str] | None = None  # each subject's TriG statement (N3 of the subject -> text); None: not kept
    order: dict | None = None  # its share of the TriG subject order and prefixes (`_ReusingTrig`); None: not kept
    turtle: dict[str, str] | None = None  # each subject's Turtle statement (`_turtle_statements`); None: not kept
    jsonld_text: str | None = None  # `jsonld` as `_json_text` writes it; None: not kept


def graph_text(g: Graph) -> GraphText:
    """The texts of one graph, each made exactly as the whole dataset's writers make that graph's part."""
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return GraphText([ln for ln in lines if ln.strip()], _jsonld_graph(g))


def _by_subject(lines: list[str]) -> dict[str, list[str]]:
    """N-Triples lines by their subject's N3 (the first term of a line; an IRI or blank node holds no space)."""
    found: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        found[line.split(" ", 1)[0]].append(line)
    return {key: sorted(group) for key, group in found.items()}


def _subgraph(g: Graph, subjects: Iterable[str]) -> Graph:
    """The triples of `g` about the subjects (N3 of IRIs), with `g`'s prefixes and no others."""
    sub = Graph(bind_namespaces="none")
    for prefix, ns in g.namespace_manager.namespaces():
        sub.bind(prefix, ns, override=True, replace=True)
    for key in subjects:
        for t in g.triples((URIRef(key[1:-1]), None, None)):
            sub.add(t)
    return sub


def graph_text_from(g: Graph, old: GraphText) -> tuple[GraphText, dict[str, str]]:
    """`graph_text` of a changed graph without blank nodes, with the parts of each subject whose triples are what
    they were in `old` (the same graph's texts in the build before) taken from there: its JSON-LD node, its Turtle
    statement and (returned apart, for `_ReusingTrig`) its TriG statement. Each depends on that subject's triples
    alone (no blank node to nest); the others are made from the triples of the changed subjects only."""
    lines = [ln for ln in g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines() if ln.strip()]
    new, before = _by_subject(lines), _by_subject(old.nt)
    same = {key for key, group in new.items() if before.get(key) == group}
    old_nodes = {str(n.get("@id", "")): n for n in old.jsonld.get("@graph", [])}
    if any(key.startswith("_:") for key in new) or not all(key[1:-1] in old_nodes for key in same):
        return graph_text(g), {}
    changed = _subgraph(g, [key for key in new if key not in same])
    nodes = [old_nodes[key[1:-1]] for key in same] + _jsonld_graph(changed)["@graph"]
    jsonld = {"@id": str(g.identifier), "@graph": sorted(nodes, key=lambda n: str(n.get("@id", "")))}
    text = GraphText(lines, jsonld)
    if old.turtle is not None:
        text.turtle = {key: old.turtle[key] for key in same if key in old.turtle} | _turtle_statements(changed)
    trig = {key: old.trig[key] for key in same if key in old.trig} if old.trig is not None else {}
    return text, trig


def write_dumps(made: Sorted, out: Path, cache: Path | None = None, flat: Graph | None = None) -> None:
    """qikg.trig, qikg.ttl, qikg.nt and qikg.jsonld of a sorted dataset (`sorted_dataset_with_digests`).

    With `cache` (a folder), each graph's N-Triples lines, JSON-LD object and TriG statements (graphs without blank
    nodes) are kept under its digest and reused while it is unchanged: each depends on that graph alone, and so
    does its share of the TriG subject order (`_ReusingTrig`). The Turtle file reuses the statements of subjects
    one graph alone states, and writes the shared ones from the union (`_ReusingTurtle`). The files are byte for
    byte what `_trig`, `flat.serialize(format="turtle")`, `_nt_sorted` and `_jsonld` write
    (`tests/kg/publish/test_dumps_reuse.py`).
    """
    ordered, digests = made.ds, made.digests
    graphs = sorted((g for g in ordered.graphs() if len(g)), key=lambda g: str(g.identifier))
    flat = _union(made.union) if flat is None else flat
    if cache is None:
        (out / "qikg.ttl").write_bytes(flat.serialize(format="turtle", encoding="utf-8"))
        (out / "qikg.trig").write_bytes(_trig(ordered))
        (out / "qikg.nt").write_bytes(_nt_sorted(flat))
        (out / "qikg.jsonld").write_bytes(_jsonld(ordered))
        return
    texts: dict[str, GraphText] = {}
    missing: set[str] = set()
    if made.blank is None:
        plain = {str(g.identifier) for g in graphs if not _blank_nodes(g)}
    else:
        plain = {str(g.identifier) for g in graphs} - made.blank
    before = _previous_digests(cache)
    partial: dict[str, dict[str, str]] = {}  # a changed graph's TriG statements of subjects unchanged in it
    for g in graphs:
        name = str(g.identifier)
        known = cached_text(cache, digests[name])
        if known is None:
            old = cached_text(cache, before[name]) if name in plain and name in before else None
            if old is not None:
                known, partial[name] = graph_text_from(g, old)
            else:
                known = graph_text(g)
            missing.add(name)
        texts[name] = known
    reuse = {g: t.trig for g, t in texts.items() if g in plain and t.trig is not None}
    orders = {g: t.order for g, t in texts.items() if g in reuse and t.order is not None}
    known_trig = {**{g: p for g, p in partial.items() if g not in reuse}, **reuse}
    writer = _ReusingTrig(ordered, known_trig, plain - set(reuse), orders, plain - set(orders))
    buf = io.BytesIO()
    writer.serialize(buf, encoding="utf-8")
    (out / "qikg.trig").write_bytes(buf.getvalue())
    for name, statements in writer.made.items():
        texts[name].trig = {**partial.get(name, {}), **statements}
        missing.add(name)
    for name, order in writer.made_orders.items():
        texts[name].order = order
        missing.add(name)
    (out / "qikg.ttl").write_bytes(_turtle(flat, made, graphs, texts, plain, writer, missing, cache))
    lines = sorted({ln for t in texts.values() for ln in t.nt})
    (out / "qikg.nt").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    parts: list[str] = []
    for g in graphs:
        text = texts[str(g.identifier)]
        if text.jsonld_text is None:
            text.jsonld_text = _json_text(text.jsonld)
            missing.add(str(g.identifier))
        parts.append(text.jsonld_text)
    (out / "qikg.jsonld").write_bytes(_jsonld_document_of_texts(parts))
    for name in missing:
        _keep_text(cache, digests[name], texts[name])
    _forget_others(cache, {digests[str(g.identifier)] for g in graphs})
    _keep_json(cache / SUBJECTS / "digests.json", {str(g.identifier): digests[str(g.identifier)] for g in graphs})


SUBJECTS = "subjects"  # beside the graphs' texts: what is reused per subject across builds


def _previous_digests(cache: Path) -> dict[str, str]:
    """Each graph's digest in the build before (its texts are still in the cache until this build ends)."""
    try:
        found = json.loads((cache / SUBJECTS / "digests.json").read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _keep_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _turtle(
    flat: Graph,
    made: Sorted,
    graphs: list[Graph],
    texts: dict[str, GraphText],
    plain: set[str],
    trig: _ReusingTrig,
    missing: set[str],
    cache: Path | None = None,
) -> bytes:
    """qikg.ttl, byte for byte `flat.serialize(format="turtle")`, with the statements of subjects only one graph
    without blank nodes states reused (`_ReusingTurtle`); a new graph's statements are made and kept in `texts`.

    With `cache`, a subject several graphs state (a chat's node and its inferred types, a shared person) reuses the
    statement rdflib wrote for it from the union last time, while its triples in the union (its N-Triples lines in
    every graph) are the same and none is a blank node (nothing nested): the statement depends on those alone."""
    if not trig.prefixes_known:
        return flat.serialize(format="turtle", encoding="utf-8")
    owners: dict[str, list[str]] = defaultdict(list)  # subject N3 -> the graphs with triples about it
    for g in graphs:
        name = str(g.identifier)
        statements = texts[name].trig
        subjects = statements.keys() if name in plain and statements is not None else {x.n3() for x in g.subjects()}
        for key in subjects:
            owners[key].append(name)
    for g in graphs:
        name = str(g.identifier)
        if name in plain and texts[name].turtle is None:
            texts[name].turtle = _turtle_statements(g)
            missing.add(name)
    known = {}
    for key, names in owners.items():
        if len(names) == 1 and names[0] in plain:
            text = (texts[names[0]].turtle or {}).get(key)
            if text is not None:
                known[key] = text
    shared: dict[str, str] = {}  # subject N3 -> digest of its union lines, for the subjects the union writes
    if cache is not None:
        lines: dict[str, set[str]] = defaultdict(set)
        for graph_text in texts.values():
            for line in graph_text.nt:
                key = line.split(" ", 1)[0]
                if key not in known and key.startswith("<"):
                    lines[key].add(line)
        for key, group in lines.items():
            if not any(" _:" in line for line in group):
                shared[key] = hashlib.sha256("\n".join(sorted(group)).encode()).hexdigest()
        kept = _read_json(cache / SUBJECTS / "union-turtle.json")
        for key, digest in shared.items():
            entry = kept.get(key)
            if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest:
                known[key] = entry[1]
    writer = _ReusingTurtle(flat, known, trig.prefixes, made.union.values(), capture=set(shared))
    buf = io.BytesIO()
    writer.serialize(buf, encoding="utf-8")
    if cache is not None:
        union = {
            key: [shared[key], known.get(key) or writer.made[key]]
            for key in shared
            if key in known or key in writer.made
        }
        _keep_json(cache / SUBJECTS / "union-turtle.json", union)
    return buf.getvalue()


def _read_json(path: Path) -> dict:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _blank_nodes(g: Graph) -> bool:
    return any(isinstance(x, BNode) for t in g for x in t)


def cached_text(cache: Path, digest: str) -> GraphText | None:
    """The texts `write_dumps` kept for the graph of that digest (None: not kept)."""
    try:
        return GraphText(**json.loads((cache / f"{digest}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _keep_text(cache: Path, digest: str, text: GraphText) -> None:
    path = cache / f"{digest}.json"
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(text), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _forget_others(cache: Path, keep: set[str]) -> None:
    """Only the graphs of the last build stay in the cache (it would grow with every add otherwise)."""
    for path in cache.glob("*.json"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)
