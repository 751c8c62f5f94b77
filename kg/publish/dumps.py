"""The graph as deterministic files: the same inputs give byte-identical TriG, Turtle, N-Triples and JSON-LD."""

from __future__ import annotations

import io
import json

from rdflib import Dataset, Graph
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
    out = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        out.bind(prefix, ns)
    for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        target = out.graph(g.identifier)
        for t in sorted(to_canonical_graph(g), key=_key):
            target.add(t)
    return out


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
    context = dict(iris.PREFIXES)
    graphs = []
    for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        single = Graph()
        for t in g:
            single.add(t)
        doc = json.loads(single.serialize(format="json-ld", context=context))
        nodes = doc.get("@graph", [doc]) if isinstance(doc, dict) else doc
        nodes = [_canonical_json({k: v for k, v in n.items() if k != "@context"}) for n in nodes]
        graphs.append({"@id": str(g.identifier), "@graph": sorted(nodes, key=lambda n: str(n.get("@id", "")))})
    text = json.dumps({"@context": context, "@graph": graphs}, indent=1, ensure_ascii=False, sort_keys=True)
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
