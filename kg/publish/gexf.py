"""The chat's facts as a property graph for Gephi (GEXF)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import PROV

from kg import iris
from kg.iris import QI, QID


def gexf_graph(ds: Dataset, union: Graph | None = None) -> nx.MultiDiGraph:
    """The chat's facts as a property graph for Gephi: typed nodes (label, type, line) and object-property edges.

    `union`: every graph of `ds` merged, when the caller has it: read instead of a copy of all graphs but the TBox
    when the TBox states nothing about a `qid:` node (only those nodes and their statements are drawn)."""
    tbox = ds.graph(iris.ONTOLOGY_GRAPH)
    if union is not None and not any(str(s).startswith(str(QID)) for s in tbox.subjects()):
        facts = union
    else:
        facts = Graph()
        for ctx in ds.graphs():
            if ctx.identifier not in (iris.ONTOLOGY_GRAPH,):
                for t in ctx:
                    facts.add(t)
    for prefix, ns in iris.PREFIXES.items():
        facts.bind(prefix, ns)
    g = nx.MultiDiGraph()
    skip_types = {QI.ThemeAssignment, QI.EngagementCount}
    nodes = sorted(
        {
            s
            for s in facts.subjects(RDF.type, None)
            if isinstance(s, URIRef)
            and str(s).startswith(str(QID))
            and not set(facts.objects(s, RDF.type)) & skip_types
        },
        key=str,
    )
    keep = set(nodes)
    for n in nodes:
        types = sorted(facts.qname(t) for t in facts.objects(n, RDF.type) if isinstance(t, URIRef))
        # a node built from several records may carry several labels or lines: pick one by rule, not by chance
        lines = sorted(int(str(x)) for x in facts.objects(n, QI.sourceLine))
        labels = sorted(str(x) for x in facts.objects(n, RDFS.label))
        g.add_node(
            str(n), label=labels[0] if labels else str(n), types=" ".join(types), sourceLine=lines[0] if lines else -1
        )
    for s in nodes:
        for p, o in sorted(facts.predicate_objects(s), key=lambda po: (str(po[0]), str(po[1]))):
            if o in keep and p not in (RDF.type, PROV.wasDerivedFrom):
                g.add_edge(str(s), str(o), key=facts.qname(str(p)), label=facts.qname(str(p)))
    return g


def _write_gexf(ds: Dataset, path: Path, union: Graph | None = None) -> None:
    text = "\n".join(nx.generate_gexf(gexf_graph(ds, union)))
    # networkx stamps today's date into <meta>; drop it so the file depends on the inputs only.
    import re

    text = re.sub(r' lastmodifieddate="[^"]*"', "", text)
    path.write_text(text + "\n", encoding="utf-8")
