"""Checks of a built dataset: SHACL shapes (pySHACL, with the TBox passed in) and the SPARQL quality checks.

Each problem becomes a `Finding` naming the node, the rule, the message and the report line the node came from, so a
failed build says exactly where to look. Severity follows SHACL: only "Violation" stops a build.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import BNode, Node

from kg import iris
from kg.iris import QI
from kg.rdf.ontology import QC_DIR  # package data: kg/ontology/queries/qc
from kg.store import merge_into_default_graph

SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
NODE_VARS = ("entity", "node", "focus", "subject", "s", "x", "item")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: which node, which rule, what is wrong, and the source line to read."""

    severity: str  # "Violation" | "Warning" | "Info"
    node: str
    rule: str
    message: str
    line: int | None = None
    origin: str = "shacl"  # "shacl" | "qc" | "reasoner" | "build"

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "no source line"
        return f"{self.severity}: <{self.node}> ({where}) breaks {self.rule}: {self.message}"


class PreparedQueries(Graph):
    """A graph whose SPARQL text queries are parsed once: pySHACL runs a SPARQL-based constraint once per focus
    node with the same text (and the bindings apart), and rdflib parses the text each time (~15 ms a query)."""

    def query(
        self,
        query_object,
        processor="sparql",
        result="sparql",
        initNs=None,
        initBindings=None,  # noqa: N803
        use_store_provided=True,
        **kwargs,
    ):
        if isinstance(query_object, str) and processor == "sparql" and not kwargs:
            namespaces = initNs or dict(self.namespaces())  # what Graph.query would parse the text with
            query_object = _prepare(query_object, tuple(sorted(namespaces.items())))
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


@functools.lru_cache(maxsize=128)
def _prepare(text: str, namespaces: tuple[tuple[str, object], ...]):
    return prepareQuery(text, initNs=dict(namespaces))


def data_graph(ds: Dataset) -> Graph:
    """Everything but the TBox: the facts of every source plus the thesaurus (shapes check concepts too)."""
    g = PreparedQueries()
    for ctx in ds.graphs():
        if ctx.identifier != iris.ONTOLOGY_GRAPH:
            for t in ctx:
                g.add(t)
    return g


def source_line(graph: Graph, node: Node) -> int | None:
    lines = [int(x) for x in graph.objects(node, QI.sourceLine) if isinstance(x, Literal)]
    return min(lines) if lines else None


def _name(graph: Graph, term: Node | None) -> str:
    if term is None:
        return "?"
    if isinstance(term, URIRef):
        qname = graph.namespace_manager.curie(term, generate=False) if _has_prefix(graph, term) else None
        return qname or str(term)
    return str(term)


def _has_prefix(graph: Graph, term: URIRef) -> bool:
    return any(str(term).startswith(str(ns)) for _, ns in graph.namespace_manager.namespaces())


def _rule(shapes: Graph, shape: Node | None, component: Node | None, path: Node | None) -> str:
    """'qi:QuoteShape qi:saidBy (MinCountConstraintComponent)': a property shape is named by its node shape."""
    owner = shape
    if isinstance(shape, BNode):
        parents = sorted(shapes.subjects(SH.property, shape), key=str)
        owner = parents[0] if parents else shape
    parts = [_name(shapes, owner) if not isinstance(owner, BNode) else "anonymous shape"]
    if path is not None:
        parts.append(_name(shapes, path))
    if component is not None:
        parts.append(f"({str(component).rsplit('#', 1)[-1]})")
    return " ".join(parts)


def shacl_findings(ds: Dataset, shapes: Graph, ontology: Graph, *, inference: str | None = None) -> list[Finding]:
    """Run the shapes; the TBox goes in as `ont_graph` so shapes on superclasses see our subclasses.

    `inplace`: pySHACL mixes the TBox's axioms into the data graph, which is our own copy, instead of into a clone
    of it (the clone was a quarter of a second at the seed's size).
    """
    return shacl_graph_findings(data_graph(ds), shapes, ontology, inference=inference)


def shacl_graph_findings(data: Graph, shapes: Graph, ontology: Graph, *, inference: str | None = None) -> list[Finding]:
    """`shacl_findings` over a data graph made by the caller (the whole graph's, or the part a new chat changes:
    `kg.checks.region`); the graph is changed (the TBox is mixed in)."""
    conforms, results, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference=inference,
        allow_warnings=True,
        advanced=True,
        inplace=True,
    )
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity = SEVERITY.get(results.value(result, SH.resultSeverity), "Violation")
        message = str(results.value(result, SH.resultMessage) or "does not conform")
        value = results.value(result, SH.value)
        if value is not None and str(value) not in message:
            message += f" (value: {value})"
        rule = _rule(
            shapes,
            results.value(result, SH.sourceShape),
            results.value(result, SH.sourceConstraintComponent),
            results.value(result, SH.resultPath),
        )
        findings.append(Finding(severity, str(focus), rule, message, source_line(data, focus), "shacl"))
    return sorted(set(findings))


def _qc_header(text: str) -> tuple[str, str]:
    """The first comment line is the check's description; '# severity: warning' lowers its severity."""
    comments = [ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("#")]
    severity = "Violation"
    for c in comments:
        m = re.match(r"severity:\s*(\w+)", c, re.IGNORECASE)
        if m:
            severity = m.group(1).capitalize()
    description = next((c for c in comments if c and not re.match(r"severity:", c, re.IGNORECASE)), "")
    return description, severity


def _term(value) -> str:
    return value.value if hasattr(value, "value") else str(value)


def quality_store(ds: Dataset) -> ox.Store:
    """The dataset in an in-memory Oxigraph store whose default graph is the merge of all graphs, as in the API's
    store: what the quality checks query (and what the reasoner's input is dumped from, `kg.checks.reason`)."""
    store = ox.Store()
    store.load(ds.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    merge_into_default_graph(store)
    return store


def qc_findings(ds: Dataset, qc_dir: Path = QC_DIR, *, store: ox.Store | None = None) -> list[Finding]:
    """Run every `ontology/queries/qc/*.rq` over all graphs: any row it returns is a finding.

    Oxigraph answers them (rdflib takes seconds per check on ten thousand triples); the merge of the named graphs is
    the default graph, as in the API's store. `store` is `quality_store(ds)` when the caller has made it already.
    """
    store = quality_store(ds) if store is None else store
    lines: dict[str, int] = {}
    solutions = store.query(f"SELECT ?s (MIN(?l) AS ?line) WHERE {{ ?s <{QI.sourceLine}> ?l }} GROUP BY ?s")
    assert isinstance(solutions, ox.QuerySolutions)  # a SELECT
    for row in solutions:
        lines[_term(row["s"])] = int(_term(row["line"]))
    findings = []
    for path in sorted(qc_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        description, severity = _qc_header(text)
        result = store.query(text)
        if not isinstance(result, ox.QuerySolutions):
            continue
        names = [v.value for v in result.variables]
        for solution in result:
            values = {n: _term(solution[n]) for n in names if solution[n] is not None}
            key = next((v for v in NODE_VARS if v in values), None) or (sorted(values)[0] if values else None)
            node = values.get(key, "?") if key else "?"
            detail = ", ".join(f"{k}={v}" for k, v in sorted(values.items()) if k not in (key, "message"))
            message = values.get("message") or "; ".join(x for x in [description, detail] if x)
            findings.append(
                Finding(
                    severity, node, f"qc/{path.name}", message or "quality check returned a row", lines.get(node), "qc"
                )
            )
    return sorted(set(findings))


def validate_dataset(
    ds: Dataset,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    qc_dir: Path = QC_DIR,
    store: ox.Store | None = None,
) -> list[Finding]:
    """SHACL plus quality checks; shapes and TBox default to the project's (`kg.rdf.ontology`), `store` (for the quality
    checks) to `quality_store(ds)`."""
    if shapes is None or ontology is None:
        from kg.rdf import ontology as onto

        shapes = onto.shapes() if shapes is None else shapes
        ontology = ds.graph(iris.ONTOLOGY_GRAPH) if ontology is None else ontology
    return shacl_findings(ds, shapes, ontology) + qc_findings(ds, qc_dir, store=store)
