"""OWL reasoning with HermiT: is the graph consistent, and which types follow from the ontology?

Choices, and why:
- HermiT is the one bundled with owlready2, run as its command line (`hermit_command`, the call owlready2's
  `sync_reasoner_hermit` makes) on an N-Triples file, in its own process: the build validates meanwhile (two
  processes use both cores, where a thread gained nothing under the GIL). Its answer (class hierarchy and the types
  of every individual) is read here; owlready2's world (load, save, apply) added ~0.6 s and nothing we use.
- Input is N-Triples of every graph but earlier inferences, without `owl:imports` (never fetched from the network).
- Data literals of datatypes outside the OWL 2 map (xsd:date, xsd:gYear) are ignored by HermiT
  (`--ignoreUnsupportedDatatypes`); they carry no class-level meaning in our ontology.
- Inferred types go into their own named graph, `iris.INFERRED_GRAPH` (https://w3id.org/qikg/graph/inferred):
  asserted facts stay apart from what the reasoner derived, and the union (the default graph of the store, the flat
  Turtle/N-Triples files) holds both. Every inferred type is the full closure (all named superclasses), sorted, so
  output is deterministic and plain SPARQL (`?q a qi:Quote`) works without a reasoner at query time.
- When HermiT finds the graph inconsistent it cannot say why; `explain_inconsistency` looks for the usual causes
  (one node typed with two disjoint classes, two values of a functional property) to name the nodes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef
from rdflib.term import Node

from kg import iris
from kg.checks.reason_region import Region
from kg.checks.validate import Finding, source_line
from kg.iris import QID

INFERRED_GRAPH = iris.INFERRED_GRAPH
INPUT_ONTOLOGY = "https://w3id.org/qikg/reasoning-input"
T = TypeVar("T")
C1_ONLY_BELOW = 500_000  # triples; see hermit_command
_OWL_IMPORTS = f"<{OWL.imports}>".encode()


@dataclass
class ReasonResult:
    consistent: bool
    inferred: Graph
    findings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _input_graphs(ds: Dataset) -> Iterator[Graph]:
    return (ctx for ctx in ds.graphs() if ctx.identifier != INFERRED_GRAPH)


def _input_graph(ds: Dataset) -> Graph:
    """Every named graph (TBox, thesaurus, facts, minus earlier inferences) as one graph, without owl:imports."""
    g = Graph()
    for ctx in _input_graphs(ds):
        for s, p, o in ctx:
            if p != OWL.imports:
                g.add((s, p, o))
    return g


def input_ntriples(ds: Dataset, store: ox.Store | None = None) -> bytes:
    """HermiT's input: the triples of `_input_graph` as N-Triples (a triple held by two graphs may come twice).

    `store` is the dataset already loaded in Oxigraph with the default graph the merge of all graphs
    (`kg.checks.validate.quality_store`): dumping it takes milliseconds where rdflib takes a few hundred.
    """
    if store is not None and not any(len(ctx) for ctx in ds.graphs() if ctx.identifier == INFERRED_GRAPH):
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    else:
        data = b"".join(ctx.serialize(format="nt", encoding="utf-8") for ctx in _input_graphs(ds))
    return b"".join(
        line for line in data.splitlines(keepends=True) if line.strip() and line.split(b" ", 2)[1] != _OWL_IMPORTS
    )


def _superclasses(tbox: Graph) -> dict[Node, set[Node]]:
    """Named superclasses of every named class (reflexive, transitive), from subClassOf and equivalentClass."""
    direct: dict[Node, set[Node]] = {}
    for s, o in tbox.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct.setdefault(s, set()).add(o)
    for s, o in tbox.subject_objects(OWL.equivalentClass):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct.setdefault(s, set()).add(o)
            direct.setdefault(o, set()).add(s)
    return {start: _reachable(direct, start) for start in direct}


def _reachable(edges: Mapping[T, Iterable[T]], start: T) -> set[T]:
    """`start` and every node reachable from it along `edges` (cycles tolerated)."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _disjoint_pairs(tbox: Graph) -> set[frozenset[Node]]:
    pairs = {frozenset((a, b)) for a, b in tbox.subject_objects(OWL.disjointWith)}
    for group in tbox.subjects(RDF.type, OWL.AllDisjointClasses):
        members_list = tbox.value(group, OWL.members)
        if members_list is not None:
            members = list(tbox.items(members_list))
            pairs |= {frozenset(p) for p in combinations(members, 2)}
    return pairs


def explain_inconsistency(graph: Graph) -> list[Finding]:
    """Name the nodes behind an inconsistency: disjoint types on one node, two values of a functional property."""
    supers = _superclasses(graph)
    disjoint = _disjoint_pairs(graph)
    findings = []
    for node in sorted(set(graph.subjects(RDF.type, None)), key=str):
        if not isinstance(node, URIRef) or not str(node).startswith(str(QID)):
            continue
        types: set[Node] = set()
        for t in graph.objects(node, RDF.type):
            types |= supers.get(t, {t})
        for pair in disjoint:
            a, b = sorted(pair, key=str)
            if a in types and b in types:
                findings.append(
                    Finding(
                        "Violation",
                        str(node),
                        f"owl:disjointWith {graph.qname(str(a))} / {graph.qname(str(b))}",
                        "typed with two disjoint classes",
                        source_line(graph, node),
                        "reasoner",
                    )
                )
    for prop in sorted(set(graph.subjects(RDF.type, OWL.FunctionalProperty)), key=str):
        for node in sorted(set(graph.subjects(prop, None)), key=str):
            values = set(graph.objects(node, prop))
            if len(values) > 1 and all(not isinstance(v, URIRef) for v in values):
                findings.append(
                    Finding(
                        "Violation",
                        str(node),
                        f"owl:FunctionalProperty {graph.qname(str(prop))}",
                        f"{len(values)} different values",
                        source_line(graph, node),
                        "reasoner",
                    )
                )
    return findings


def hermit_classpath() -> str:
    """The HermiT jar bundled with owlready2 (and its directory, as owlready2 puts it on the class path)."""
    import owlready2

    here = Path(owlready2.__file__).resolve().parent / "hermit"
    return os.pathsep.join([str(here), str(here / "HermiT.jar")])


def hermit_command(input_path: Path, triples: int) -> list[str]:
    """The command owlready2's `sync_reasoner_hermit` runs (classify, realise; unsupported datatypes ignored).

    Below `C1_ONLY_BELOW` triples the JIT stops at C1: HermiT runs for a second or two, too short for C2's warm-up
    to pay (seed build, measured side by side: 2.1 s instead of 4.5 s wall, half the CPU).
    """
    import owlready2

    jvm = [owlready2.JAVA_EXE, f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M"]
    if triples < C1_ONLY_BELOW:
        jvm.append("-XX:TieredStopAtLevel=1")
    return [
        *jvm,
        "-cp",
        hermit_classpath(),
        "org.semanticweb.HermiT.cli.CommandLine",
        "-c",
        "-O",
        "-D",
        "-I",
        input_path.resolve().as_uri(),
        "--ignoreUnsupportedDatatypes",
    ]


_HERMIT_LINE = re.compile(r"^([A-Za-z]+)\( ((?:<[^>]+>\s*)+)\)$", re.MULTILINE)


def parse_hermit_output(text: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """HermiT's answer: named superclasses per class (SubClassOf, both ways for EquivalentClasses) and the types it
    found per individual (Type); axioms on properties or with anonymous parts are not needed here."""
    parents: dict[str, set[str]] = {}
    types: dict[str, set[str]] = {}
    for relation, iris_text in _HERMIT_LINE.findall(text):
        names = iris_text.strip()[1:-1].split("> <")
        if relation == "SubClassOf" and len(names) == 2:
            parents.setdefault(names[0], set()).add(names[1])
        elif relation == "EquivalentClasses":
            for a in names:
                parents.setdefault(a, set()).update(b for b in names if b != a)
        elif relation == "Type" and len(names) == 2:
            types.setdefault(names[0], set()).add(names[1])
    return parents, types


_NOT_INDIVIDUALS = {
    OWL.Class,
    RDFS.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
    OWL.Ontology,
}


def materialise(
    graphs: Iterable[Graph],
    parents: dict[str, set[str]],
    types: dict[str, set[str]],
    into: Graph | None = None,
    only: set[Node] | None = None,
) -> Graph:
    """Every named class of every individual of ours (asserted or inferred type, all its superclasses), minus
    owl:Thing and the asserted types: the full closure, so queries need no reasoner. `graphs` are HermiT's input,
    `parents` and `types` its answer (`parse_hermit_output`). `into`: the graph to add them to (else a new one);
    `only`: the individuals to materialise (else all)."""
    supers: dict[str, set[str]] = {}
    asserted: dict[Node, set[str]] = {}
    for graph in graphs:
        for s, o in graph.subject_objects(RDFS.subClassOf):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                supers.setdefault(str(s), set()).add(str(o))
        for s, o in graph.subject_objects(OWL.equivalentClass):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                supers.setdefault(str(s), set()).add(str(o))
                supers.setdefault(str(o), set()).add(str(s))
        for s, o in graph.subject_objects(RDF.type):
            if isinstance(o, URIRef):
                asserted.setdefault(s, set()).add(str(o))
    for cls, sups in parents.items():
        supers.setdefault(cls, set()).update(sups)
    closure: dict[str, set[str]] = {}

    def ancestors(cls: str) -> set[str]:
        if cls not in closure:
            closure[cls] = _reachable(supers, cls)
        return closure[cls]

    inferred = _empty_graph() if into is None else into
    qid, thing, not_individual = str(QID), str(OWL.Thing), {str(c) for c in _NOT_INDIVIDUALS}
    for node in sorted(asserted, key=str):
        if only is not None and node not in only:
            continue
        if not isinstance(node, URIRef) or not str(node).startswith(qid) or asserted[node] & not_individual:
            continue
        own = asserted[node]
        classes: set[str] = set()
        for cls in own | types.get(str(node), set()):
            classes |= ancestors(cls)
        for iri in sorted(classes - own - {thing}):
            inferred.add((node, RDF.type, URIRef(iri)))
    return inferred


class Reasoning:
    """A HermiT run in its own process (a JVM), started at once so it works while the caller does something else.

    `result()` waits for it and reads its answer; `close()` stops it. Use as a context manager so a failed build
    leaves no JVM behind. The dataset must not change until `result()` (the answer is read against it).
    """

    def __init__(
        self,
        ds: Dataset,
        store: ox.Store | None = None,
        region: Region | None = None,
        previous: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """`region` (`kg.checks.reason_region.changed_region`) with `previous` (the inferred types of the build
        before, node IRI -> class IRIs): HermiT runs over the region's input only; the region's nodes get its
        answer, every other node its types of before."""
        import owlready2

        self.ds = ds
        self.region, self.previous = region, previous
        if region is not None and previous is None:
            raise ValueError("reasoning over a region needs the inferred types of the build before")
        self.timings: dict[str, float] = {}
        self.process: subprocess.Popen | None = None
        self._result: ReasonResult | None = None
        self.folder: Path | None = None
        t0 = time.perf_counter()
        if shutil.which(owlready2.JAVA_EXE) is None:
            skipped = Finding("Warning", INPUT_ONTOLOGY, "reasoner", "java not found: HermiT skipped, no type inferred")
            self._result = ReasonResult(True, _empty_graph(), [skipped], self.timings)
            return
        if region is None:
            data = input_ntriples(ds, store)
        else:
            data = region.input.serialize(format="nt", encoding="utf-8")
        self.folder = Path(tempfile.mkdtemp(prefix="qikg-hermit-"))
        self.input = self.folder / "input.nt"
        self.input.write_bytes(data)
        self.timings["reason_load_s"] = round(time.perf_counter() - t0, 3)
        self.started = time.perf_counter()
        try:
            with (self.folder / "stdout").open("wb") as out, (self.folder / "stderr").open("wb") as err:
                # output goes to files, not pipes: a pipe nobody reads while pySHACL runs would fill, stalling the JVM
                self.process = subprocess.Popen(
                    hermit_command(self.input, data.count(b"\n")), stdout=out, stderr=err, stdin=subprocess.DEVNULL
                )
        except BaseException:
            self.close()
            raise
        self._ended = 0.0
        self._watcher = threading.Thread(target=self._watch, name="hermit-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        """Note when the JVM ends (its own wall time, while the caller is busy elsewhere)."""
        assert self.process is not None
        self.process.wait()
        self._ended = time.perf_counter()

    def result(self, into: Graph | None = None) -> ReasonResult:
        """HermiT's answer; the inferred types are added to `into` when given (the build's inferred graph: one
        insertion of each triple, not two), else to a new graph."""
        try:
            if self._result is None:
                self._result = self._finish(into)
        finally:
            self.close()
        return self._result

    def _finish(self, into: Graph | None = None) -> ReasonResult:
        assert self.process is not None and self.folder is not None
        self._watcher.join()
        code = self.process.returncode
        self.timings["reason_hermit_s"] = round(self._ended - self.started, 3)
        output = (self.folder / "stdout").read_bytes().decode("utf-8", "replace")
        errors = (self.folder / "stderr").read_bytes().decode("utf-8", "replace")
        if code != 0:
            if code == 1 and "Inconsistent ontology" in output + errors:
                explained = _input_graph(self.ds) if self.region is None else self.region.input
                findings = explain_inconsistency(explained) or [
                    Finding(
                        "Violation",
                        INPUT_ONTOLOGY,
                        "OWL consistency (HermiT)",
                        "the ontology with the data is inconsistent; no simple cause found",
                        None,
                        "reasoner",
                    )
                ]
                return ReasonResult(False, _empty_graph(), findings, self.timings)
            text = (errors + output).strip()
            message = text.splitlines()[-1][:300] if text else f"HermiT failed (exit code {code})"
            return ReasonResult(
                False,
                _empty_graph(),
                [Finding("Violation", INPUT_ONTOLOGY, "HermiT", message, None, "reasoner")],
                self.timings,
            )
        t = time.perf_counter()
        if self.region is None:
            inferred = materialise(_input_graphs(self.ds), *parse_hermit_output(output), into=into)
        else:
            inferred = self._merged(into)
            materialise([self.region.input], *parse_hermit_output(output), into=inferred, only=self.region.nodes)
        self.timings["reason_materialise_s"] = round(time.perf_counter() - t, 3)
        return ReasonResult(True, inferred, [], self.timings)

    def _merged(self, into: Graph | None) -> Graph:
        """The types of every node outside the region as in the build before (the region's come from HermiT)."""
        assert self.region is not None and self.previous is not None
        nodes = self.region.nodes
        inferred = _empty_graph() if into is None else into
        for node, classes in self.previous.items():
            subject = URIRef(node)
            if subject not in nodes:
                for cls in classes:
                    inferred.add((subject, RDF.type, URIRef(cls)))
        return inferred

    def close(self) -> None:
        """Stop HermiT if it still runs and remove its files."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Reasoning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _empty_graph() -> Graph:
    inferred = Graph()
    for prefix, ns in iris.PREFIXES.items():
        inferred.bind(prefix, ns)
    return inferred


def reason(
    ds: Dataset,
    store: ox.Store | None = None,
    region: Region | None = None,
    previous: Mapping[str, Iterable[str]] | None = None,
) -> ReasonResult:
    """Run HermiT over the whole dataset (or over `region`, `Reasoning`); return consistency, the inferred types
    graph and timings."""
    with Reasoning(ds, store, region, previous) as run:
        return run.result()


def inferred_types(graph: Graph) -> dict[str, list[str]]:
    """An inferred graph as the cache keeps it for the next build: node IRI -> its inferred classes, sorted."""
    found: dict[str, list[str]] = {}
    for s, _, o in graph.triples((None, RDF.type, None)):
        found.setdefault(str(s), []).append(str(o))
    return {s: sorted(found[s]) for s in sorted(found)}
