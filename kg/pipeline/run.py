"""The whole build: report text -> records -> RDF -> checks -> reasoning -> files, swapped in atomically.

The new build is written into a temporary directory next to `out_dir` and only replaces the previous build once every
file is complete, so a failed build (a SHACL violation, an inconsistent ontology, a crash) leaves the last good build
in place. Outputs are deterministic: the same inputs give byte-identical RDF files (the manifest's timings differ).
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from kg import iris
from kg.checks.reason import inferred_types
from kg.checks.validate import Finding
from kg.pipeline.cache import BuildState, cache_dir, code_digest, forget_state, load_state, save_state
from kg.pipeline.indexes import write_indexes
from kg.pipeline.inputs import default_sources, input_hashes, registry_digest
from kg.pipeline.manifest import MANIFEST, build_key, class_counts, recorded, triple_counts
from kg.publish.dumps import sorted_dataset_with_digests, union_of, write_dumps
from kg.publish.gexf import _write_gexf
from kg.publish.ontology_docs import render_ontology_html
from kg.rdf.assemble import assemble
from kg.records import ChatRecords
from kg.sources.registry import SEED_REGISTRY, SourceError, check_across, load_records

# entry-point group: callables (graph, build folder) run after the dumps; the graph is the merge of every named graph
# (what the store's default graph holds), inserted in sorted order
PUBLISHERS = "qikg.publishers"
Publisher = Callable[[Graph, Path], None]
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
    load_store_s: float | None = None  # the last step, loading out_dir/store (not in the manifest: its hash is the key)
    indexes: dict[str, float | int | str] | None = None  # writing out_dir/indexes/ (kg/pipeline/indexes.py): times,
    # sizes, and how the search index was made (`search`: built whole, and why, or patched)
    log: list[str] = field(default_factory=list)  # how the build went otherwise than usual, and why (`SeedBuild.log`)


def publishers() -> list[tuple[str, Publisher]]:
    """The installed publishers (entry points of PUBLISHERS), by name: the graph view is one, and the pipeline
    calls it without importing it, so the build never depends on the view's code."""
    return sorted(((ep.name, ep.load()) for ep in entry_points(group=PUBLISHERS)), key=lambda item: item[0])


def write_outputs(
    ds: Dataset,
    out: Path,
    progress: Progress | None = None,
    cache: Path | None = None,
    digests: dict[str, str] | None = None,
) -> dict[str, float]:
    """qikg.trig/ttl/nt/jsonld, qikg.gexf, ontology.html, and what each installed publisher writes (graph.html).

    `cache`: where the dumps keep each graph's text for the next build (`kg.publish.dumps.write_dumps`). `ds` keeps
    its triples; a graph of it with blank nodes (the TBox's OWL lists) gets their canonical labels. `digests` gets
    each graph's digest (what its texts are cached under)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    made = sorted_dataset_with_digests(ds, in_place=True)
    if digests is not None:
        digests.update(made.digests)
    ordered, flat = made.ds, union_of(made)
    write_dumps(made, out, cache, flat)
    _write_gexf(ordered, out / "qikg.gexf", flat)
    timings["write_rdf_s"] = round(time.perf_counter() - t, 3)
    for name, publish in publishers():
        t = time.perf_counter()
        if progress:
            progress(name.replace("_", " "))
        publish(flat, out)
        timings[f"write_{name}_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    if progress:
        progress("ontology page")
    render_ontology_html(out / "ontology.html")
    timings["write_ontology_html_s"] = round(time.perf_counter() - t, 3)
    return timings


def extract_all(sources: list[Path], cache: Path | None = None) -> list[ChatRecords]:
    """Records of every source: reports through the extractor, records files validated (`kg.sources.registry`).

    With `cache` (`kg.pipeline.cache`), an unchanged source's records are read back instead of extracted again.
    """
    from kg.pipeline.cache import cached_records, keep_records, source_key

    out = []
    for path in sources:
        key = source_key(path) if cache is not None and path.is_file() else None
        records = cached_records(cache, key) if cache is not None and key is not None else None
        if records is None:
            try:
                records = load_records(path)
            except SourceError as error:
                raise BuildError(f"cannot read a chat source; the previous build is kept\n{error}") from None
            if cache is not None and key is not None:
                keep_records(cache, key, records)
        out.append(records)
    problems = check_across(list(zip(sources, out, strict=True)))
    if problems:
        raise BuildError(
            "the chat sources disagree about shared nodes; the previous build is kept\n"
            + "\n".join(f"  {p}" for p in problems)
        ) from SourceError("chat sources disagree", problems)
    return out


@dataclass
class SeedBuild:
    """The graph before any file is written: extracted, built, validated and reasoned over."""

    ds: Dataset
    findings: list[Finding]
    warnings: list[str]
    timings: dict[str, float]
    graphs: dict[str, str] = field(default_factory=dict)  # source graph IRI -> kg.pipeline.cache.source_key
    shacl: list[Finding] = field(default_factory=list)  # the SHACL part of `findings` (what the cache keeps)
    log: list[str] = field(default_factory=list)  # what the build did otherwise than usual, and why (not a warning)


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


def seed_build(
    sources: list[Path],
    *,
    say: Progress,
    reasoner: bool = True,
    where: str = "",
    cache: Path | None = None,
    previous: BuildState | None = None,
) -> SeedBuild:
    """Extract, build RDF, validate (SHACL + quality checks) and reason; raise `BuildError` on any violation.

    HermiT runs in its own process (a JVM) while pySHACL and the quality checks run here, so both cores work.
    Timings: `reason_hermit_s` is the JVM's own wall time (it overlaps `validate_s`); `reason_s` is what reasoning
    adds to the build (writing HermiT's input, waiting for it after validation, reading its answer), so
    extract_s + build_s + validate_s + reason_s = `seed_build_s`, the wall time of all this.
    """
    with fewer_gc_passes():
        return _seed_build(sources, say=say, reasoner=reasoner, where=where, cache=cache, previous=previous)


def _seed_build(
    sources: list[Path],
    *,
    say: Progress,
    reasoner: bool,
    where: str,
    cache: Path | None = None,
    previous: BuildState | None = None,
) -> SeedBuild:
    from kg.checks.validate import qc_findings, quality_store, validate_dataset

    kept = f"; the previous build in {where} is kept" if where else ""
    timings: dict[str, float] = {}
    warnings: list[str] = []
    log: list[str] = []
    t_all = time.perf_counter()

    say("extracting records")
    t = time.perf_counter()
    all_records = extract_all(sources, cache)
    graphs = _graph_keys(sources, all_records) if cache is not None else {}
    timings["extract_s"] = round(time.perf_counter() - t, 3)

    say("building RDF")
    t = time.perf_counter()
    try:
        ds = assemble(all_records, warnings)
    except SourceError as error:
        raise BuildError(f"{error}{kept}") from None
    timings["build_s"] = round(time.perf_counter() - t, 3)

    say("validating (SHACL + quality checks)" + (" and reasoning (HermiT, alongside)" if reasoner else ""))
    t = time.perf_counter()
    store = quality_store(ds)  # the quality checks query it; HermiT's input is dumped from it
    validate_s = time.perf_counter() - t
    added = _added_graphs(graphs, all_records, previous)
    reasoning = None
    reason_s = 0.0
    if reasoner:
        from kg.checks.reason import Reasoning

        t = time.perf_counter()
        region = _reasoning_region(ds, all_records, graphs, added, previous, cache, log)
        reasoning = Reasoning(ds, store, region, previous.inferred if region is not None and previous else None)
        reason_s = time.perf_counter() - t
        timings["reason_region_s" if region is not None else "reason_whole_s"] = round(reason_s, 3)
    try:
        t = time.perf_counter()
        if added is None or previous is None:  # the whole graph
            findings = validate_dataset(ds, store=store)
            shacl = [f for f in findings if f.origin == "shacl"]
        else:
            shacl = _region_shacl(ds, added, previous, timings)
            findings = shacl + qc_findings(ds, store=store)
        timings["validate_s"] = round(validate_s + time.perf_counter() - t, 3)
        violations = [f for f in findings if f.is_violation]
        if violations:
            raise BuildError(f"{len(violations)} violation(s){kept}", violations)
        if reasoning is not None:
            say("reasoning (HermiT)")
            t = time.perf_counter()
            result = reasoning.result(into=ds.graph(iris.INFERRED_GRAPH))
            timings.update(result.timings)
            timings["reason_s"] = round(reason_s + time.perf_counter() - t, 3)
            findings += result.findings
            if not result.consistent:
                raise BuildError(f"the graph is inconsistent{kept}", result.findings)
    finally:
        if reasoning is not None:
            reasoning.close()
    timings["seed_build_s"] = round(time.perf_counter() - t_all, 3)
    return SeedBuild(ds, findings, warnings, timings, graphs, shacl, log)


def _graph_keys(sources: list[Path], all_records: list[ChatRecords]) -> dict[str, str]:
    from kg.pipeline.cache import source_key

    return {str(iris.source_graph(r.source_slug)): source_key(p) for p, r in zip(sources, all_records, strict=True)}


def _region_shacl(ds: Dataset, added: list[str], previous: BuildState, timings: dict[str, float]) -> list[Finding]:
    """The SHACL findings of the whole graph when this build only adds the graphs `added` to the previous one: the
    changed region over its subset, the thesaurus over the region's subset with the theme links that tie to it
    (over everything when that would not be exact), the rest as before (`kg.checks.region`).
    `timings["shacl_region_s"]` says it ran; `shacl_thesaurus_region_s` or `shacl_thesaurus_s` which way the
    thesaurus was checked."""
    from kg.checks.region import changed_region, merged_findings, split_shapes, thesaurus_exact
    from kg.checks.validate import shacl_findings, shacl_graph_findings
    from kg.rdf import ontology

    shapes, tbox = ontology.shapes(), ds.graph(iris.ONTOLOGY_GRAPH)
    t = time.perf_counter()
    region = changed_region(ds, [URIRef(g) for g in added])
    local, of_thesaurus = split_shapes(shapes, region.thesaurus_classes)
    recomputed = shacl_graph_findings(region.subset, local, tbox)
    timings["shacl_region_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    if region.thesaurus_subset is not None and thesaurus_exact(of_thesaurus):
        thesaurus = shacl_graph_findings(region.thesaurus_subset, of_thesaurus, tbox)
        timings["shacl_thesaurus_region_s"] = round(time.perf_counter() - t, 3)
    else:  # the premises of `kg.checks.region.thesaurus_subset` do not hold: over everything
        thesaurus = shacl_findings(ds, of_thesaurus, tbox)
        timings["shacl_thesaurus_s"] = round(time.perf_counter() - t, 3)
    nodes = set(ds.graph(iris.THEMES_GRAPH).subjects())
    return merged_findings(region, recomputed, thesaurus, previous.shacl, nodes)


def _reasoning_region(
    ds: Dataset,
    all_records: list[ChatRecords],
    graphs: dict[str, str],
    added: list[str] | None,
    previous: BuildState | None,
    cache: Path | None,
    log: list[str],
):
    """What HermiT runs over when this build only adds graphs to the previous one, or only removes some from it
    (`kg.checks.reason_region`); None: over everything (no previous build with its inferred types, other changes,
    or a premise of the region argument fails, which `log` then says)."""
    from kg.checks.reason_region import changed_region, mentioned, premises

    if previous is None or cache is None or not graphs:
        return None
    if previous.inferred is None:
        log.append("reasoned over everything: the build before kept no inferred types (built without the reasoner)")
        return None
    if added is not None:
        seeds: set[Node] = set()
        for g in added:
            seeds |= mentioned(ds.graph(URIRef(g)))
    else:
        removed = _removed_mentions(all_records, graphs, previous, cache)
        if removed is None:
            return None
        seeds = removed
    failed = premises(ds)
    if failed:
        log.append("reasoned over everything, not the changed region: " + "; ".join(failed))
        return None
    region = changed_region(ds, seeds)
    log.append(f"reasoned over the changed region: {len(region.nodes)} nodes, {len(region.input)} triples")
    return region


def _removed_mentions(
    all_records: list[ChatRecords], graphs: dict[str, str], previous: BuildState, cache: Path
) -> set | None:
    """The nodes the graphs a build removes mentioned, when removing them is all it does (None: not so, or the
    removed graphs' texts are not in the cache). The remaining graphs are as before when they have the same source
    keys and their handles resolve as they did with the removed chats there (`kg.rdf.assemble.same_accounts`)."""
    from kg.checks.reason_region import mentioned_in_ntriples
    from kg.pipeline.cache import cached_records
    from kg.publish.dumps import cached_text
    from kg.rdf.assemble import same_accounts

    removed = [g for g in previous.graphs if g not in graphs]
    if not removed or any(previous.graphs.get(g) != key for g, key in graphs.items()) or previous.digests is None:
        return None
    gone = [cached_records(cache, previous.graphs[g]) for g in removed]
    if any(r is None for r in gone) or not same_accounts(all_records, all_records + [r for r in gone if r]):
        return None
    seeds: set = set()
    for g in removed:
        digest = previous.digests.get(g)
        text = cached_text(cache / "graphs" / code_digest()[:16], digest) if digest else None
        found = mentioned_in_ntriples(text.nt) if text is not None else None
        if found is None:
            return None
        seeds |= found
    return seeds


def _added_graphs(
    graphs: dict[str, str], all_records: list[ChatRecords], previous: BuildState | None
) -> list[str] | None:
    """The graphs this build adds to the previous one, when that is all it does (None: validate everything).

    Every graph of the previous build must be here from the same source key (same file, curation and code), and its
    handles must resolve as they did (`kg.rdf.assemble.same_accounts`): then its triples are what they were."""
    from kg.rdf.assemble import same_accounts

    if previous is None or not graphs:
        return None
    if any(graphs.get(g) != key for g, key in previous.graphs.items()):
        return None
    before = [r for r in all_records if str(iris.source_graph(r.source_slug)) in previous.graphs]
    if not same_accounts(before, all_records):
        return None
    return sorted(g for g in graphs if g not in previous.graphs)


def build(
    out_dir: Path,
    sources: list[Path] | None = None,
    *,
    progress: Progress | None = None,
    reasoner: bool = True,
    registry: Path | None = None,
    registry_as: Path | None = None,
    home: Path | None = None,
    load_store: bool = True,
    store_optimize: bool = True,
    incremental: bool = False,
) -> BuildResult:
    """Run everything and swap the finished build into `out_dir`; raise `BuildError` on any violation.

    `registry`: the chat registry (None: the packaged seed); `home`: the data directory the manifest names the
    user's files relative to (None: `kg.settings.Settings().home`). The last step (`load_store`) loads the build
    into `out_dir/store`, the embedded Oxigraph store a server of `out_dir` opens, under the build's key, so the
    server starts without loading. What crashed builds of `out_dir` left behind is removed first.

    Unchanged sources are not extracted again (`kg.pipeline.cache`, beside `out_dir`). `incremental` (`qikg add`,
    `qikg remove`): SHACL (when the build only adds chats; `kg.checks.region`) and HermiT (`kg.checks.reason_region`)
    run over what the change touches, only the changed graphs are written into the store, and the search index is
    patched from the one in `out_dir` (kg/pipeline/indexes.py); the files and answers are a full build's.
    """
    from kg.pipeline.swap import STORE, build_lock, clean_leftovers, temp_name

    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    clean_leftovers(out_dir)
    sources = [Path(s) for s in (sources or default_sources(registry))]
    t_all = time.perf_counter()
    cache = cache_dir(out_dir)
    previous = _previous_build(out_dir, cache) if incremental else None
    made = seed_build(sources, say=say, reasoner=reasoner, where=str(out_dir), cache=cache, previous=previous)
    ds, findings, warnings, timings = made.ds, made.findings, made.warnings, made.timings
    load_store_s: float | None = None

    say("writing files")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        digests: dict[str, str] = {}
        timings.update(write_outputs(ds, tmp, say, cache / "graphs" / code_digest()[:16], digests))
        counts, triples = class_counts(ds), triple_counts(ds)
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp.iterdir()) if p.is_file()}
        timings["total_s"] = round(time.perf_counter() - t_all, 3)
        notes = sorted(set(warnings)) + [str(f) for f in sorted(set(findings)) if not f.is_violation]
        manifest = {
            "inputs": input_hashes(sources, registry, registry_as=registry_as, home=home),
            "registry_sha256": registry_digest(registry),
            "registry": recorded(Path(registry_as or registry or SEED_REGISTRY), home),
            "sources": [recorded(s, home) for s in sources],
            "counts": counts,
            "triples": triples,
            "files": files,
            "warnings": notes,
            "timings": timings,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        inferred = inferred_types(ds.graph(iris.INFERRED_GRAPH)) if reasoner else None
        state = BuildState(
            build_key(tmp), made.graphs, [f for f in made.shacl if not f.is_violation], inferred, digests
        )
        forget_state(cache)  # the state describes the build in out_dir: none while that changes
        with build_lock(out_dir):  # the swap's and the server's loads' lock: none writes out_dir/store meanwhile
            if load_store:
                say("loading the store")
                changes = _store_changes(previous, digests)
                load_store_s, how = _load_store(tmp, out_dir, optimize=store_optimize, changes=changes)
                made.log.extend([how] if how else [])
            say("storing the API's indexes")
            patch_from = out_dir if incremental else None
            indexes = write_indexes(tmp, tmp / STORE if load_store else None, previous=patch_from)
            _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    save_state(cache, state)
    return BuildResult(out_dir, counts, triples, notes, findings, timings, files, load_store_s, indexes, made.log)


def _previous_build(out_dir: Path, cache: Path) -> BuildState | None:
    """The cached state of the build now in `out_dir` (None: none kept, or it describes another build)."""
    state = load_state(cache)
    manifest = Path(out_dir) / MANIFEST
    return state if state is not None and manifest.is_file() and state.build_key == build_key(out_dir) else None


def _store_changes(previous: BuildState | None, digests: dict[str, str]) -> tuple[set[str], set[str], str] | None:
    """(graphs changed or added, graphs removed, the previous build's key) against the build in the folder, by the
    graphs' digests; None when the previous build's digests are not known (a full load then)."""
    if previous is None or previous.digests is None or not digests:
        return None
    changed = {g for g, d in digests.items() if previous.digests.get(g) != d}
    return changed, set(previous.digests) - set(digests), previous.build_key


def _load_store(
    new: Path, out_dir: Path, *, optimize: bool = True, changes: tuple[set[str], set[str], str] | None = None
) -> tuple[float, str]:
    """Load the new build into `new/store` under its key (the manifest's hash), before the swap; (seconds, how).

    `out_dir/store` is carried into `new/store` first (hard links, as the swap does): the generation a running server
    of `out_dir` answers from keeps its files, and the new build becomes the current generation. With `changes`
    (`_store_changes`), only the graphs that changed are written into a copy of the current generation when that is
    the previous build's (`OxigraphStore.load_changes`), else everything is loaded. The caller holds
    `build_lock(out_dir)`.
    """
    from kg.pipeline.swap import STORE, link_tree
    from kg.store import OxigraphStore

    t = time.perf_counter()
    if (out_dir / STORE).is_dir():
        link_tree(out_dir / STORE, new / STORE)
    store = OxigraphStore(new / STORE, optimize=optimize)
    how = ""
    try:
        done = False
        if changes is not None:
            changed, removed, previous_key = changes
            done = store.load_changes(
                new / "qikg.trig", build_key(new), changed=changed, removed=removed, previous_key=previous_key
            )
            if done:
                how = f"loaded the {len(changed) + len(removed)} changed graph(s) into the store"
        if not done:
            store.load(new / "qikg.trig", build_key(new))
    finally:
        store.close()
    return round(time.perf_counter() - t, 3), how


def _swap(new: Path, out_dir: Path) -> None:
    """Put the complete new build in place; the old one is only removed once the new one is there."""
    from kg.pipeline.swap import swap_in

    swap_in(new, out_dir)


def load_build(out_dir: Path) -> Dataset:
    """The dataset of a finished build (its TriG file)."""
    path = Path(out_dir) / "qikg.trig"
    if not path.is_file():
        raise FileNotFoundError(f"no build in {out_dir}: run `qikg build --out {out_dir}` first")
    ds = Dataset()
    ds.parse(path, format="trig")
    return ds
