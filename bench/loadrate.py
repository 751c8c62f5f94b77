"""Load rate and resident memory per quad, each back-end measured in a fresh process so numbers never mix.

    python -m bench.loadrate BACKEND FILE [STORE_DIR [KEY]] (prints one JSON object; KEY: the load's key)
    python -m bench.loadrate --native FILE                (Oxigraph's own `oxigraph load`, one JSON object)
    python -m bench.loadrate --same-content FILE [STORE]  (FILE.same-content.nq: what our store holds, see below)
    python -m bench.loadrate --compare FILE [ROUNDS [V1,V2]] (variants below, side by side, ROUNDS times; a table;
                                                          `oxigraph-cli` among them runs `oxigraph load` in turn)

Back-ends: `oxigraph` (kg.store.OxigraphStore persisted under STORE_DIR, the API's default), `oxigraph-memory`
(OxigraphStore in memory), `rdflib` (kg.store.RdflibStore). RSS is read with psutil before and after the load,
after a garbage collection; the store object is still alive when measured. Oxigraph server is measured by
`server_load` from the parent: the quads are POSTed to its Graph Store Protocol endpoint. `native_load` runs
Oxigraph's own command-line bulk loader (`oxigraph load`, Rust, no Python) on the same file: the engine's own rate on
this machine, the reference for ours (it writes the named graphs only, not our merged default graph).

`quads` is `triple_count()`, the quads of the named graphs; `seconds` is the whole `load()`: parsing, the merged
default graph (`kg.store.load_with_union`), the atomic switch, reopening read-only. `phases` splits it (seconds
from the start of the load at which each step ended; on disk the two passes run side by side, so they overlap),
`cpu_s` is the process's CPU time during the load (above `seconds` when both cores worked) and `stored_quads` counts
the default graph's copies too.

Variants (`BACKEND/VARIANT`, for `--compare`) load through the same `OxigraphStore.load` with one step swapped:
`old` is the loader before (strict parse; on disk the merge read back from the store through Python; no trim of the
allocator), `sequential` runs the two disk passes one after the other, `update` merges on disk by one SPARQL update,
`no-trim` skips handing freed memory back to the system, `no-optimize` skips compacting the store after the load
(`python -m bench.optimize FILE` shows what compaction gains for queries).

The engine's own loader in the same rounds: `oxigraph-cli` (`oxigraph load` of FILE: the named graphs only, 6 index
entries per quad against our 6 + 3 per distinct triple), `oxigraph-cli/optimize` (then `oxigraph optimize`, the
compaction our load ends with), `oxigraph-cli/content` and `oxigraph-cli/content+optimize`: `oxigraph load` of a file
holding exactly what our store holds (the named graphs and their merge as the default graph, dumped from our store
once, `same_content`), the fair baseline for the work our layout asks; its rate is per quad of FILE's named graphs,
as ours.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox

BACKENDS = ("oxigraph", "oxigraph-memory", "rdflib")
VARIANTS = (
    "oxigraph",
    "oxigraph/no-optimize",
    "oxigraph/sequential",
    "oxigraph/update",
    "oxigraph/no-trim",
    "oxigraph/old",
    "oxigraph-memory",
    "oxigraph-memory/no-trim",
    "oxigraph-memory/old",
)


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _swap_step(variant: str) -> None:
    """Replace one step of `OxigraphStore.load` in this process (see the module's docstring)."""
    import kg.store.oxigraph as ks

    if variant in ("old", "no-trim"):
        ks._release_free_memory = lambda: None  # type: ignore[attr-defined]
    if variant == "sequential":
        ks.load_with_union = partial(ks.load_with_union, side_by_side=False)  # type: ignore[assignment]
    elif variant in ("old", "update"):

        def load(store, source, fmt, *, on_disk, timings, **_):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            store.bulk_load(path=str(source), format=fmt, lenient=variant != "old")
            if on_disk:
                store.flush()
            timings["bulk_load_s"] = round(time.perf_counter() - started, 3)
            count = len(store)
            if variant == "update":
                store.update(ks._UNION_UPDATE)  # type: ignore[attr-defined]
            else:
                ks.merge_into_default_graph(store, on_disk=on_disk)
            if on_disk:
                store.flush()
            timings["union_s"] = round(time.perf_counter() - started, 3)
            return count

        ks.load_with_union = load  # type: ignore[assignment]
    elif variant not in ("", "no-trim", "no-optimize"):
        raise ValueError(f"unknown variant {variant!r}")


def measure_here(backend: str, data: Path, store_dir: Path | None, key: str = "bench") -> dict:
    """Load `data` into a new store of `backend` in this process and report time and memory. `key`: what the store
    records it holds (a build's key, so an API started on the store opens it without loading it again)."""
    backend, _, variant = backend.partition("/")
    _swap_step(variant)
    from kg.store import OxigraphStore, RdflibStore

    proc = psutil.Process()
    gc.collect()
    before = proc.memory_info().rss
    if backend == "oxigraph":
        store = OxigraphStore(store_dir, optimize=variant != "no-optimize")
    elif backend == "oxigraph-memory":
        store = OxigraphStore(None)
    elif backend == "rdflib":
        store = RdflibStore()
    else:
        raise ValueError(f"unknown back-end {backend!r}")
    cpu = _cpu()
    started = time.perf_counter()
    store.load(data, key=key)
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu
    quads = store.triple_count()
    gc.collect()
    after = proc.memory_info().rss
    out = {
        "backend": backend,
        "quads": quads,
        "seconds": round(seconds, 3),
        "quads_per_s": round(quads / seconds) if seconds else None,
        "rss_before": before,
        "rss_after": after,
        "bytes_per_quad": round((after - before) / quads, 1) if quads else None,
        "variant": variant or None,
        "format": data.suffix.lstrip("."),
        "cpu_s": round(cpu, 2),
        "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    if isinstance(store, OxigraphStore):
        out["phases"] = dict(store.last_load)
        reader = store._require()
        out["stored_quads"] = len(reader)
    if store_dir is not None and backend == "oxigraph":
        out["disk_bytes"] = _dir_bytes(store_dir)
        out["disk_bytes_per_quad"] = round(out["disk_bytes"] / quads, 1) if quads else None
    store.close()
    return out


def measure(
    backend: str, data: Path, store_dir: Path | None = None, timeout: float = 900.0, key: str = "bench"
) -> dict:
    """`measure_here` in a fresh interpreter (so one back-end's memory never shows in another's)."""
    cmd = [sys.executable, "-m", "bench.loadrate", backend, str(data)] + ([str(store_dir), key] if store_dir else [])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=Path(__file__).parents[1])
    if done.returncode != 0:
        return {"backend": backend, "error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(data: Path, rounds: int = 3, variants: tuple[str, ...] = VARIANTS) -> list[dict]:
    """Every variant in a fresh process, interleaved round by round (the machine's load hits all alike)."""
    results: list[dict] = []
    for round_ in range(rounds):
        for variant in variants:
            if variant.startswith("oxigraph-cli"):  # the engine's own loader, in the same rounds
                kind = variant.partition("/")[2]
                if kind not in ("", "optimize", "content", "content+optimize"):
                    raise ValueError(f"unknown variant {variant!r}")
                source, quads = same_content(data) if kind.startswith("content") else (data, None)
                result = native_load(source, optimize=kind.endswith("optimize"), quads=quads)
                result.update(name=variant, round=round_)
                results.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
                continue
            on_disk = variant.partition("/")[0] == "oxigraph"
            folder = Path(tempfile.mkdtemp(prefix="loadrate-")) if on_disk else None
            try:
                result = measure(variant, data, folder / "store" if folder else None)
            finally:
                if folder:
                    shutil.rmtree(folder, ignore_errors=True)
            result.update(name=variant, round=round_)
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    return results


def table(results: list[dict]) -> str:
    """Median and best of each variant: seconds, CPU seconds, quads/s, resident and disk bytes per quad."""
    lines = [
        "| variant | seconds (median, best) | CPU s | quads/s (median) | RSS B/quad | peak MB | disk B/quad |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["name"] for r in results):
        runs = [r for r in results if r["name"] == name and "error" not in r]
        if not runs:
            lines.append(f"| {name} | failed | | | | | |")
            continue

        def med(key: str, runs: list[dict] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        disk = f"{med('disk_bytes_per_quad'):.0f}" if "disk_bytes_per_quad" in runs[0] else "-"
        if "disk_bytes_per_quad" not in runs[0] and "disk_bytes" in runs[0] and runs[0].get("quads"):
            disk = f"{med('disk_bytes') / runs[0]['quads']:.0f}"
        rss = f"{med('bytes_per_quad'):.0f}" if "bytes_per_quad" in runs[0] else "-"
        lines.append(
            f"| {name} | {med('seconds'):.2f} ({min(r['seconds'] for r in runs):.2f}) | {med('cpu_s'):.1f} "
            f"| {med('quads_per_s'):,.0f} | {rss} | "
            f"{med('rss_peak') / 2**20:.0f} | {disk} |"
        )
    return "\n".join(lines)


def _run_timed(cmd: list[str], log, timeout: float) -> tuple[int, float, float, int]:
    """One command: exit status, wall seconds, CPU seconds and peak RSS of that process (from `os.wait4`)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    return status, time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def native_load(data: Path, timeout: float = 900.0, *, optimize: bool = False, quads: int | None = None) -> dict:
    """`oxigraph load --lenient` into a new folder, as `oxigraph` ships it beside pyoxigraph: wall time, CPU time and
    peak RSS of that one process (from `os.wait4`). With `optimize`, `oxigraph optimize` follows and is counted in
    (the compaction our load ends with). `quads` is what the rate is per (default: what the engine stored)."""
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if binary is None:
        return {"backend": "oxigraph-cli", "error": "no `oxigraph` command (pip install oxigraph)"}
    folder = Path(tempfile.mkdtemp(prefix="loadrate-cli-"))
    store = str(folder / "store")
    try:
        with (folder / "log").open("w+b") as log:
            status, seconds, cpu, peak = _run_timed(
                [binary, "load", "--location", store, "--file", str(data), "--lenient"], log, timeout
            )
            optimize_s = None
            if optimize and os.waitstatus_to_exitcode(status) == 0:
                status, optimize_s, more_cpu, more_peak = _run_timed(
                    [binary, "optimize", "--location", store], log, timeout
                )
                seconds, cpu, peak = seconds + optimize_s, cpu + more_cpu, max(peak, more_peak)
            log.seek(0)
            output = log.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            return {"backend": "oxigraph-cli", "error": output.strip().splitlines()[-1:] or ["failed"]}
        stored = len(ox.Store.read_only(store))  # what it stored; it prints no count for small files
        data_is_named = quads is None
        quads = quads or stored
        out = {
            "backend": "oxigraph-cli",
            "quads": quads,
            "stored_quads": stored,
            "seconds": round(seconds, 3),
            "quads_per_s": round(quads / seconds) if quads and seconds else None,
            "cpu_s": round(cpu, 2),
            "rss_peak": peak,
            "disk_bytes": _dir_bytes(folder / "store"),
            "via": f"`oxigraph load`{' + `oxigraph optimize`' if optimize else ''} (native bulk loader; "
            + ("named graphs only, no merged default graph)" if data_is_named else "the same content as ours)"),
        }
        if optimize_s is not None:
            out["optimize_s"] = round(optimize_s, 3)
            out["load_s"] = round(seconds - optimize_s, 3)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def same_content(data: Path, loaded: Path | None = None) -> tuple[Path, int]:
    """An N-Quads file of exactly what our store holds after loading `data` (its named graphs and their merge as the
    default graph), dumped from our store (`loaded`, an `OxigraphStore` folder that holds `data`, or one loaded for
    the purpose and removed), cached beside `data`; and the quads of `data`'s named graphs. The fair input for the
    engine's own loader: the same content as ours, and rates per the same quads. Written in a child process: a
    parent that grew while loading would hand its peak RSS on to every later child (Linux copies the high-water mark
    at fork), and the engine's peak would read as ours."""
    target = data.with_name(f"{data.stem}.same-content.nq")
    meta = target.with_suffix(".json")
    if not (target.is_file() and meta.is_file() and target.stat().st_mtime >= data.stat().st_mtime):
        cmd = [sys.executable, "-m", "bench.loadrate", "--same-content", str(data), *([str(loaded)] if loaded else [])]
        subprocess.run(cmd, check=True, cwd=Path(__file__).parents[1], timeout=3600)
    return target, json.loads(meta.read_text())["quads"]


def _write_same_content(data: Path, loaded: Path | None) -> None:
    from kg.store import OxigraphStore

    target = data.with_name(f"{data.stem}.same-content.nq")
    folder = Path(tempfile.mkdtemp(prefix="loadrate-content-", dir=data.parent))
    try:
        store = OxigraphStore(loaded or folder / "store", optimize=False)
        if loaded is None:
            store.load(data, key="content")
        quads = store.triple_count()
        tmp = target.with_name(f".{target.name}.tmp")
        store._require().dump(output=str(tmp), format=ox.RdfFormat.N_QUADS)
        store.close()
        os.replace(tmp, target)
        target.with_suffix(".json").write_text(json.dumps({"quads": quads}))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def server_load(server, data: Path, timeout: float = 900.0) -> dict:
    """POST the N-Quads file to Oxigraph server's /store (Graph Store Protocol), then make its default graph the merge
    of the named graphs with one SPARQL update, as our stores hold the data; the server's RSS is read around it."""
    before = server.rss()
    started = time.perf_counter()
    with httpx.Client(timeout=timeout) as client, data.open("rb") as body:
        response = client.post(server.base + "/store", content=body, headers={"Content-Type": "application/n-quads"})
    seconds = time.perf_counter() - started
    if response.status_code >= 300:
        return {"backend": "oxigraph-server", "error": f"HTTP {response.status_code}: {response.text[:200]}"}
    started = time.perf_counter()
    with httpx.Client(timeout=timeout) as client:
        merged = client.post(
            server.base + "/update", data={"update": "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"}
        )
    merge_s = time.perf_counter() - started
    if merged.status_code >= 300:
        return {"backend": "oxigraph-server", "error": f"merge: HTTP {merged.status_code}: {merged.text[:200]}"}
    with httpx.Client(timeout=120) as client:
        count = client.post(
            server.sparql_url,
            data={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        ).json()
    quads = int(count["results"]["bindings"][0]["n"]["value"])
    time.sleep(0.5)
    after = server.rss()
    return {
        "backend": "oxigraph-server",
        "quads": quads,
        "seconds": round(seconds + merge_s, 3),
        "load_s": round(seconds, 3),
        "merge_s": round(merge_s, 3),
        "quads_per_s": round(quads / (seconds + merge_s)) if seconds else None,
        "rss_before": before,
        "rss_after": after,
        "bytes_per_quad": round((after - before) / quads, 1) if quads else None,
        "via": "POST /store (GSP), then one SPARQL update merging the graphs into the default graph",
    }


if __name__ == "__main__":
    if sys.argv[1] == "--native":
        print(json.dumps(native_load(Path(sys.argv[2]))))
    elif sys.argv[1] == "--same-content":
        _write_same_content(Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    elif sys.argv[1] == "--compare":
        chosen = tuple(sys.argv[4].split(",")) if len(sys.argv) > 4 else VARIANTS
        print(table(compare(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 3, chosen)))
    else:
        name, path = sys.argv[1], Path(sys.argv[2])
        folder = Path(sys.argv[3]) if len(sys.argv) > 3 else None
        print(json.dumps(measure_here(name, path, folder, sys.argv[4] if len(sys.argv) > 4 else "bench")))
