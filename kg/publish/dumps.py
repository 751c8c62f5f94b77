"""The graph as deterministic files: the same inputs give byte-identical TriG, Turtle, N-Triples and JSON-LD."""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.trig import TrigSerializer

from kg import iris


def _key(t: tuple) -> tuple[str, ...]:
    return tuple(x.n3() for x in t)


def sorted_dataset(ds: Dataset) -> Dataset:
    """A copy with canonical blank-node labels (the TBox's OWL lists), graphs and triples inserted in sorted order.

    rdflib labels blank nodes at random and keeps graphs in a hash-ordered set; both would make two builds of the
    same inputs differ byte for byte.
    """
    return sorted_dataset_with_digests(ds)[0]


def sorted_dataset_with_digests(ds: Dataset) -> tuple[Dataset, dict[str, str]]:
    """`sorted_dataset`, and each graph's digest (sha256 of its sorted triples): a graph with the same digest is
    serialised the same, so its text can be reused (`write_dumps`). A graph without blank nodes is its own canonical
    form (relabelling blank nodes is all `to_canonical_graph` does), so only graphs with some go through it."""
    out = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        out.bind(prefix, ns)
    digests: dict[str, str] = {}
    for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        target = out.graph(g.identifier)
        source = to_canonical_graph(g) if any(isinstance(x, BNode) for t in g for x in t) else g
        keyed = sorted(((_key(t), t) for t in source), key=lambda kt: kt[0])
        h = hashlib.sha256(str(g.identifier).encode() + b"\n")
        for key, t in keyed:
            target.add(t)
            h.update(" ".join(key).encode() + b"\n")
        digests[str(g.identifier)] = h.hexdigest()
    return out, digests


def union_graph(ds: Dataset) -> Graph:
    """All graphs of an already sorted/canonical dataset as one graph, inserted in sorted order."""
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    for t in sorted({t for ctx in ds.graphs() for t in ctx}, key=_key):
        g.add(t)
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


def graph_text(g: Graph) -> GraphText:
    """The texts of one graph, each made exactly as the whole dataset's writers make that graph's part."""
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return GraphText([ln for ln in lines if ln.strip()], _jsonld_graph(g))


def write_dumps(ordered: Dataset, digests: dict[str, str], out: Path, cache: Path | None = None) -> None:
    """qikg.trig, qikg.ttl, qikg.nt and qikg.jsonld of a sorted dataset (`sorted_dataset_with_digests`).

    With `cache` (a folder), each graph's N-Triples lines and JSON-LD object are kept under its digest and reused
    while it is unchanged: both depend on that graph alone. The TriG and Turtle files are serialised whole: rdflib
    orders a graph's subjects by how often the whole dataset refers to them, so a new chat that mentions a shared
    person reorders the blocks of every chat that does. The files are byte for byte what `_trig`/`_nt_sorted`/
    `_jsonld` write (`tests/kg/publish/test_dumps_reuse.py`).
    """
    graphs = sorted((g for g in ordered.graphs() if len(g)), key=lambda g: str(g.identifier))
    flat = union_graph(ordered)
    (out / "qikg.trig").write_bytes(_trig(ordered))
    (out / "qikg.ttl").write_bytes(flat.serialize(format="turtle", encoding="utf-8"))
    if cache is None:
        (out / "qikg.nt").write_bytes(_nt_sorted(flat))
        (out / "qikg.jsonld").write_bytes(_jsonld(ordered))
        return
    texts = [_cached_text(g, digests[str(g.identifier)], cache) for g in graphs]
    lines = sorted({ln for t in texts for ln in t.nt})
    (out / "qikg.nt").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    (out / "qikg.jsonld").write_bytes(_jsonld_document([t.jsonld for t in texts]))
    _forget_others(cache, {digests[str(g.identifier)] for g in graphs})


def _cached_text(g: Graph, digest: str, cache: Path) -> GraphText:
    path = cache / f"{digest}.json"
    try:
        return GraphText(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    text = graph_text(g)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(text), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return text


def _forget_others(cache: Path, keep: set[str]) -> None:
    """Only the graphs of the last build stay in the cache (it would grow with every add otherwise)."""
    for path in cache.glob("*.json"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)
