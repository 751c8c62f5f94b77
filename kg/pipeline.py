"""The whole build: report text -> records -> RDF -> checks -> reasoning -> files, swapped in atomically.

The new build is written into a temporary directory next to `out_dir` and only replaces the previous build once every
file is complete, so a failed build (a SHACL violation, an inconsistent ontology, a crash) leaves the last good build
in place. Outputs are deterministic: the same inputs give byte-identical RDF files (the manifest's timings differ).
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import io
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, PROV
from rdflib.plugins.serializers.trig import TrigSerializer

from kg import iris
from kg.build import _handle_occurrences, build_dataset
from kg.iris import QI, QID, SCHEMA
from kg.records import ChatRecords
from kg.validate import Finding

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "kg" / "sources"
INPUT_GLOBS = (
    "kg/sources/*.txt",
    "kg/data/*.yaml",
    "ontology/*.ttl",
    "ontology/imports/*.ttl",
    "ontology/queries/qc/*.rq",
    "kg/*.py",
    "kg/extract/*.py",
    "visualizations/*.py",  # the build writes graph.html: a fix to the view must reach it
    "visualizations/static/*",
    "visualizations/templates/*",
    "visualizations/queries/*.rq",
)
RDF_FILES = ("qikg.trig", "qikg.ttl", "qikg.nt", "qikg.jsonld")
MANIFEST = "manifest.json"
Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The build stopped; `findings` name node, rule and source line. The previous build is untouched."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        self.findings = findings or []
        details = "\n".join(f"  {f}" for f in self.findings[:50])
        more = f"\n  ... and {len(self.findings) - 50} more" if len(self.findings) > 50 else ""
        super().__init__(f"{message}\n{details}{more}" if details else message)


@dataclass
class BuildResult:
    out_dir: Path
    counts: dict[str, int]
    triples: dict[str, int]
    warnings: list[str]
    findings: list[Finding]
    timings: dict[str, float]
    files: dict[str, str] = field(default_factory=dict)


def default_sources(registry: Path | None = None) -> list[Path]:
    """The chat sources of the registry (`kg.chats`): the seed report and every chat added with `qikg add`."""
    from kg.chats import Registry

    return Registry.load(registry).sources()


def _input_name(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix() if path.resolve().is_relative_to(ROOT) else str(path)


def input_hashes(sources: list[Path] | None = None, registry: Path | None = None, *,
                 registry_as: Path | None = None) -> dict[str, str]:
    """sha256 of every input that shapes the build (texts, registry, curation, ontology, checks, pipeline code).

    `registry_as`: the registry file the content of `registry` is recorded under (`qikg add` builds from the next
    registry, staged beside the current one, before that becomes the registry).
    """
    from kg.chats import registry_path

    paths: set[Path] = set(sources or [])
    registry = Path(registry or registry_path())
    for pattern in INPUT_GLOBS:
        paths |= set(ROOT.glob(pattern))
    named = {_input_name(path): path for path in paths}
    if registry.is_file():
        named[_input_name(Path(registry_as or registry))] = registry
    return {name: hashlib.sha256(named[name].read_bytes()).hexdigest() for name in sorted(named)}


def _default_registry() -> Path:
    from kg.chats import registry_path

    return Path(registry_path())


def registry_digest(registry: Path | None = None) -> str | None:
    """sha256 of the registry file (None when there is none): the manifest records the one a build was made from."""
    from kg.chats import registry_path

    path = Path(registry or registry_path())
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def built_registry_digest(out_dir: Path) -> str | None:
    """The registry digest the build in `out_dir` was made from (None: no build, or one made before it was kept)."""
    try:
        return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")).get("registry_sha256")
    except (OSError, ValueError, AttributeError):
        return None


def built_registry(out_dir: Path) -> Path | None:
    """The registry file the build in `out_dir` was made from, when it still exists (None: unknown or gone)."""
    try:
        recorded = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")).get("registry")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(recorded, str) or not recorded:
        return None
    path = Path(recorded) if Path(recorded).is_absolute() else ROOT / recorded
    return path if path.is_file() else None


def is_stale(out_dir: Path = Path("build"), sources: list[Path] | None = None, registry: Path | None = None) -> bool:
    """True when there is no complete build in `out_dir` or any input changed since it was made."""
    manifest = Path(out_dir) / MANIFEST
    if not manifest.is_file() or not all((Path(out_dir) / name).is_file() for name in RDF_FILES):
        return True
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8")).get("inputs", {})
    except (OSError, json.JSONDecodeError):
        return True
    try:
        current = input_hashes(sources or default_sources(registry), registry)
    except (OSError, ValueError):
        return True
    return recorded != current


# -- deterministic serialisation ------------------------------------------------------------------------------------


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


def gexf_graph(ds: Dataset) -> nx.MultiDiGraph:
    """The chat's facts as a property graph for Gephi: typed nodes (label, type, line) and object-property edges."""
    facts = Graph()
    for ctx in ds.graphs():
        if ctx.identifier not in (iris.ONTOLOGY_GRAPH,):
            for t in ctx:
                facts.add(t)
    for prefix, ns in iris.PREFIXES.items():
        facts.bind(prefix, ns)
    g = nx.MultiDiGraph()
    skip_types = {QI.ThemeAssignment, QI.EngagementCount}
    nodes = sorted({s for s in facts.subjects(RDF.type, None)
                    if isinstance(s, URIRef) and str(s).startswith(str(QID))
                    and not set(facts.objects(s, RDF.type)) & skip_types}, key=str)
    keep = set(nodes)
    for n in nodes:
        types = sorted(facts.qname(t) for t in facts.objects(n, RDF.type) if isinstance(t, URIRef))
        # a node built from several records may carry several labels or lines: pick one by rule, not by chance
        lines = sorted(int(x) for x in facts.objects(n, QI.sourceLine))
        labels = sorted(str(x) for x in facts.objects(n, RDFS.label))
        g.add_node(str(n), label=labels[0] if labels else str(n), types=" ".join(types),
                   sourceLine=lines[0] if lines else -1)
    for s in nodes:
        for p, o in sorted(facts.predicate_objects(s), key=lambda po: (str(po[0]), str(po[1]))):
            if o in keep and p not in (RDF.type, PROV.wasDerivedFrom):
                g.add_edge(str(s), str(o), key=facts.qname(p), label=facts.qname(p))
    return g


def _write_gexf(ds: Dataset, path: Path) -> None:
    text = "\n".join(nx.generate_gexf(gexf_graph(ds)))
    # networkx stamps today's date into <meta>; drop it so the file depends on the inputs only.
    import re

    text = re.sub(r' lastmodifieddate="[^"]*"', "", text)
    path.write_text(text + "\n", encoding="utf-8")


def write_outputs(ds: Dataset, out: Path, progress: Progress | None = None) -> dict[str, float]:
    """qikg.trig/ttl/nt/jsonld, qikg.gexf, graph.html and ontology.html (when their modules are present)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    ordered = sorted_dataset(ds)
    flat = union_graph(ordered)
    (out / "qikg.trig").write_bytes(_trig(ordered))
    (out / "qikg.ttl").write_bytes(flat.serialize(format="turtle", encoding="utf-8"))
    (out / "qikg.nt").write_bytes(_nt_sorted(flat))
    (out / "qikg.jsonld").write_bytes(_jsonld(ordered))
    _write_gexf(ordered, out / "qikg.gexf")
    timings["write_rdf_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    try:
        from visualizations.render import write_graph_html
    except ImportError:
        write_graph_html = None  # the graph view is optional for the build
    if write_graph_html is not None:
        if progress:
            progress("graph view")
        write_graph_html(ordered, out / "graph.html", mode="full")
    timings["write_graph_html_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    try:
        from kg.docs import render_ontology_html
    except ImportError:
        render_ontology_html = None
    if render_ontology_html is not None:
        if progress:
            progress("ontology page")
        params = inspect.signature(render_ontology_html).parameters
        if params:
            render_ontology_html(out / "ontology.html")
        else:
            (out / "ontology.html").write_text(render_ontology_html(), encoding="utf-8")
    timings["write_ontology_html_s"] = round(time.perf_counter() - t, 3)
    return timings


# -- counts -----------------------------------------------------------------------------------------------------------


def class_counts(ds: Dataset) -> dict[str, int]:
    """Distinct nodes per class over all graphs but the TBox (inferred types included)."""
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    seen: set[tuple] = set()
    for ctx in ds.graphs():
        if ctx.identifier == iris.ONTOLOGY_GRAPH:
            continue
        seen |= {(s, o) for s, o in ctx.subject_objects(RDF.type)}
    counts = Counter(g.qname(o) for _, o in seen if isinstance(o, URIRef))
    return dict(sorted(counts.items()))


def triple_counts(ds: Dataset) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)) if len(g)}


# -- the build --------------------------------------------------------------------------------------------------------


def extract_all(sources: list[Path]) -> list[ChatRecords]:
    """Records of every source: reports through the extractor, records files validated (`kg.chats`)."""
    from kg.chats import SourceError, check_across, load_records

    out = []
    for path in sources:
        try:
            out.append(load_records(path))
        except SourceError as error:
            raise BuildError(f"cannot read a chat source; the previous build is kept\n{error}") from None
    problems = check_across(list(zip(sources, out, strict=True)))
    if problems:
        raise BuildError("the chat sources disagree about shared nodes; the previous build is kept\n"
                         + "\n".join(f"  {p}" for p in problems)) from SourceError("chat sources disagree", problems)
    return out


def check_sources(all_records: list[ChatRecords]) -> None:
    """Refuse what would corrupt the real graph: synthetic chats, and two sources claiming one chat or one graph."""
    from kg.synth import is_synthetic

    synthetic = [r.source_slug for r in all_records if is_synthetic(r)]
    if synthetic:
        raise BuildError(f"synthetic chats are never built into the real graph: {', '.join(synthetic)} "
                         "(use `qikg synth --out FILE` for scale work)")
    for key, what in ((lambda r: r.source_slug, "source"), (lambda r: r.chat.slug, "chat")):
        counts = Counter(key(r) for r in all_records)
        twice = sorted(k for k, n in counts.items() if n > 1)
        if twice:
            raise BuildError(f"two sources give the same {what}: {', '.join(twice)}")


def alias_warnings(all_records: list[ChatRecords], aliases) -> list[str]:
    """Handles across all chats that look like one account but are not listed as one (review kg/data/aliases.yaml)."""
    from kg.aliases import suggest_variants

    handles = [h for r in all_records for _, h in _handle_occurrences(r)]
    names: dict[str, str] = {}
    for records in all_records:
        for account in records.accounts:
            if account.display_name:
                names.setdefault(account.handle, account.display_name)
    chats_of: dict[str, set[str]] = {}
    for records in all_records:
        for _, handle in _handle_occurrences(records):
            chats_of.setdefault(aliases.canonical(handle), set()).add(records.chat.slug)
    out = []
    for finding in suggest_variants(handles, names, table=aliases):
        where = sorted(chats_of.get(finding.variant, set()) | chats_of.get(finding.canonical, set()))
        out.append(f"possible alias: @{finding.variant} looks like @{finding.canonical} ({finding.reason}; "
                   f"chats {', '.join(where)}): list it in kg/data/aliases.yaml if they are one account")
    return out


def assemble(all_records: list[ChatRecords], warnings: list[str]) -> Dataset:
    """One dataset for every source: shared TBox and thesaurus graphs, one facts graph per source.

    People, organisations, themes and resources have IRIs minted from handles and slugs, so the same person in two
    chats is one node; each chat states its own triples about that node in its own graph.
    """
    from kg import ontology
    from kg.aliases import AliasTable

    check_sources(all_records)
    aliases = AliasTable.load()
    aliases.observe(h for r in all_records for _, h in _handle_occurrences(r))
    warnings.extend(alias_warnings(all_records, aliases))
    tbox, thesaurus = ontology.tbox(), ontology.thesaurus()
    merged: Dataset | None = None
    for records in all_records:
        ds = build_dataset(records, aliases, tbox=tbox, thesaurus=thesaurus, warnings=warnings)
        if merged is None:  # the first chat's dataset (TBox, thesaurus, its facts) is the start: no copy
            merged = ds
            continue
        for ctx in ds.graphs():
            target = merged.graph(ctx.identifier)
            for t in ctx:
                target.add(t)
    if merged is None:
        merged = Dataset()
        for prefix, ns in iris.PREFIXES.items():
            merged.bind(prefix, ns)
    supersede_announcements(merged, all_records)
    return merged


ANNOUNCED_SCHEDULE = (QI.status, QI.timeZone, SCHEMA.startDate, SCHEMA.endDate, DCTERMS.date, RDFS.label)


def supersede_announcements(ds: Dataset, all_records: list[ChatRecords]) -> None:
    """A follow-up chat one report announced and another report describes: the chat's own report has the say.

    The announcing graph keeps that the chat was announced there (`qi:announcedIn`, type, provenance) but drops its
    schedule and the status "announced", which the held chat's own graph states (one status, one start and end).
    """
    held = {r.chat.slug for r in all_records}
    for records in all_records:
        graph = ds.graph(iris.source_graph(records.source_slug))
        for follow_up in records.follow_ups:
            slug = follow_up.date.isoformat()
            if slug in held and slug != records.chat.slug:
                node = iris.chat(slug)
                for predicate in ANNOUNCED_SCHEDULE:
                    graph.remove((node, predicate, None))


@dataclass
class SeedBuild:
    """The graph before any file is written: extracted, built, validated and reasoned over."""

    ds: Dataset
    findings: list[Finding]
    warnings: list[str]
    timings: dict[str, float]


@contextmanager
def fewer_gc_passes(young: int = 50_000) -> Iterator[None]:
    """Let the cyclic garbage collector wait for `young` new objects instead of 700 (restored afterwards).

    Building graphs allocates millions of objects and frees few cycles: with the default the collector ran ~330 times
    in a seed build (0.2-0.4 s, measured with `gc.callbacks`), with 50,000 four times (0.06-0.1 s).
    """
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def seed_build(sources: list[Path], *, say: Progress, reasoner: bool = True, where: str = "") -> SeedBuild:
    """Extract, build RDF, validate (SHACL + quality checks) and reason; raise `BuildError` on any violation.

    HermiT runs in its own process (a JVM) while pySHACL and the quality checks run here, so both cores work.
    Timings: `reason_hermit_s` is the JVM's own wall time (it overlaps `validate_s`); `reason_s` is what reasoning
    adds to the build (writing HermiT's input, waiting for it after validation, reading its answer), so
    extract_s + build_s + validate_s + reason_s = `seed_build_s`, the wall time of all this.
    """
    with fewer_gc_passes():
        return _seed_build(sources, say=say, reasoner=reasoner, where=where)


def _seed_build(sources: list[Path], *, say: Progress, reasoner: bool, where: str) -> SeedBuild:
    from kg.validate import quality_store, validate_dataset

    kept = f"; the previous build in {where} is kept" if where else ""
    timings: dict[str, float] = {}
    warnings: list[str] = []
    t_all = time.perf_counter()

    say("extracting records")
    t = time.perf_counter()
    all_records = extract_all(sources)
    timings["extract_s"] = round(time.perf_counter() - t, 3)

    say("building RDF")
    t = time.perf_counter()
    ds = assemble(all_records, warnings)
    timings["build_s"] = round(time.perf_counter() - t, 3)

    say("validating (SHACL + quality checks)" + (" and reasoning (HermiT, alongside)" if reasoner else ""))
    t = time.perf_counter()
    store = quality_store(ds)  # the quality checks query it; HermiT's input is dumped from it
    validate_s = time.perf_counter() - t
    reasoning = None
    reason_s = 0.0
    if reasoner:
        from kg.reason import Reasoning

        t = time.perf_counter()
        reasoning = Reasoning(ds, store)
        reason_s = time.perf_counter() - t
    try:
        t = time.perf_counter()
        findings = validate_dataset(ds, store=store)
        timings["validate_s"] = round(validate_s + time.perf_counter() - t, 3)
        violations = [f for f in findings if f.is_violation]
        if violations:
            raise BuildError(f"{len(violations)} violation(s){kept}", violations)
        if reasoning is not None:
            say("reasoning (HermiT)")
            t = time.perf_counter()
            result = reasoning.result()
            timings.update(result.timings)
            timings["reason_s"] = round(reason_s + time.perf_counter() - t, 3)
            findings += result.findings
            if not result.consistent:
                raise BuildError(f"the graph is inconsistent{kept}", result.findings)
            inferred = ds.graph(iris.INFERRED_GRAPH)
            for triple in result.inferred:
                inferred.add(triple)
    finally:
        if reasoning is not None:
            reasoning.close()
    timings["seed_build_s"] = round(time.perf_counter() - t_all, 3)
    return SeedBuild(ds, findings, warnings, timings)


def build(out_dir: Path = Path("build"), sources: list[Path] | None = None, *,
          progress: Progress | None = None, reasoner: bool = True, registry: Path | None = None,
          registry_as: Path | None = None) -> BuildResult:
    """Run everything and swap the finished build into `out_dir`; raise `BuildError` on any violation.

    What crashed builds of `out_dir` left behind (temporary folders of dead processes) is removed first.
    """
    from kg.swap import clean_leftovers, temp_name

    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    clean_leftovers(out_dir)
    sources = [Path(s) for s in (sources or default_sources(registry))]
    t_all = time.perf_counter()
    made = seed_build(sources, say=say, reasoner=reasoner, where=str(out_dir))
    ds, findings, warnings, timings = made.ds, made.findings, made.warnings, made.timings

    say("writing files")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        timings.update(write_outputs(ds, tmp, say))
        counts, triples = class_counts(ds), triple_counts(ds)
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp.iterdir()) if p.is_file()}
        timings["total_s"] = round(time.perf_counter() - t_all, 3)
        notes = sorted(set(warnings)) + [str(f) for f in sorted(set(findings)) if not f.is_violation]
        manifest = {
            "inputs": input_hashes(sources, registry, registry_as=registry_as),
            "registry_sha256": registry_digest(registry),
            "registry": _input_name(Path(registry_as or registry or _default_registry())),
            "sources": [s.resolve().relative_to(ROOT).as_posix() if s.resolve().is_relative_to(ROOT) else str(s)
                        for s in sources],
            "counts": counts,
            "triples": triples,
            "files": files,
            "warnings": notes,
            "timings": timings,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out_dir, counts, triples, notes, findings, timings, files)


def _swap(new: Path, out_dir: Path) -> None:
    """Put the complete new build in place; the old one is only removed once the new one is there (`kg.swap`)."""
    from kg.swap import swap_in

    swap_in(new, out_dir)


def load_build(out_dir: Path = Path("build")) -> Dataset:
    """The dataset of a finished build (its TriG file)."""
    path = Path(out_dir) / "qikg.trig"
    if not path.is_file():
        raise FileNotFoundError(f"no build in {out_dir}: run `qikg build --out {out_dir}` first")
    ds = Dataset()
    ds.parse(path, format="trig")
    return ds
