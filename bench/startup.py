"""API start-up at every size: the catalogue read from the store (before) against the indexes the build stored (after).

Since issue 17 the build writes `<build>/indexes/` (kg/indexes/stored.py: the catalogue as versioned JSON, the FTS5
index as a read-only SQLite file) and the server loads them; it reads the store by SPARQL only when they are absent
or of another build. For each size (bench/data.py) the store is loaded once under the build's key, then servers start
in turn on two folders holding the same qikg.trig: one without `indexes/` (before), one with (after); on the embedded
store (the build's own Oxigraph folder) and on a remote store (an Oxigraph server the bench loads once, as someone
else would). Start-up is the time from starting uvicorn to the first 200 from /health (which answers once the store
is open and the catalogue is in memory; the search index and the networks are warmed in the background after).

Also measured: what the build's step costs (reading the catalogue, writing both files), and the indexes' memory per
quad: on disk (the two files), and resident in a fresh process (Python heap by tracemalloc, and the process's RSS
growth, after loading the catalogue and running one search on the memory-mapped index).

    python -m bench.startup [--sizes seed,100k,1m] [--runs 3] [--backends embedded,remote]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import data, machine, servers
from kg.indexes import stored
from kg.pipeline.indexes import write_indexes
from kg.pipeline.manifest import build_key
from kg.store import OxigraphStore, file_key

RESULTS = data.ROOT / "bench" / "results"
ID_BASE = "https://w3id.org/qikg/id/"
RESIDENT = """
import gc, json, sys, time, tracemalloc, psutil
from pathlib import Path
from kg.indexes import stored
from kg.pipeline.manifest import build_key
folder, id_base = Path(sys.argv[1]), sys.argv[2]
key = build_key(folder)
proc = psutil.Process()
before = proc.memory_info().rss
t = time.perf_counter()
found = stored.load(folder, key, id_base)
load_s = time.perf_counter() - t
t = time.perf_counter()
hits = found.catalogue.search_index().search("improvement")[1]
open_s = time.perf_counter() - t
rss_growth = proc.memory_info().rss - before
del found
gc.collect()
tracemalloc.start()  # a second load, traced: its Python objects (tracing slows it, so it is not the one timed)
again = stored.load(folder, key, id_base)
heap = tracemalloc.get_traced_memory()[0]
again.catalogue.search_index()
heap_all = tracemalloc.get_traced_memory()[0]
print(json.dumps({"reason": again.reason, "load_s": round(load_s, 3), "open_search_s": round(open_s, 3),
                  "heap_catalogue": heap, "heap_with_search": heap_all, "hits": hits, "rss_growth": rss_growth}))
"""


def manifest_text(trig: Path) -> str:
    """A build's manifest naming only its TriG (by hash), as bench folders need it: its hash is the build key."""
    return json.dumps({"made_by": "bench/startup.py", "files": {"qikg.trig": file_key(trig)}}, indent=2)


def build_folder(target: Path, trig: Path, manifest: str) -> Path:
    """A build folder: the dataset's TriG (a hard link) and a manifest, whose hash is the build key as in a real
    build (without one the server would hash the whole TriG, 0.6 s at 1 M quads, at every start)."""
    target.mkdir(parents=True)
    os.link(trig, target / "qikg.trig")
    (target / "manifest.json").write_text(manifest, encoding="utf-8")
    return target


def starts(folders: dict[str, Path], runs: int, log_dir: Path, **server: object) -> dict:
    times: dict[str, list[float]] = {name: [] for name in folders}
    rss: dict[str, list[int]] = {name: [] for name in folders}
    for run in range(runs):
        for name, folder in folders.items():  # alternating, so drift on a shared machine hits both
            with servers.api_server(folder, log=log_dir / f"{name}-{run}.log", **server) as api:  # type: ignore[arg-type]
                times[name].append(api.started_s)
                rss[name].append(api.rss())
    return {
        name: {"runs": times[name], "median_s": statistics.median(times[name]), "rss_mb": round(max(rss[name]) / 2**20)}
        for name in folders
    }


def measure(size: str, runs: int, backends: list[str]) -> dict:
    ds = data.prepare(size, progress=lambda m: print(m, flush=True))
    print(f"{size}: {ds.quads:,} quads", flush=True)
    scratch = data.scratch_dir(f"startup-{size}-")
    try:
        trig = ds.trig_dir / "qikg.trig"
        manifest = manifest_text(trig)
        after = build_folder(scratch / "after", trig, manifest)
        before = build_folder(scratch / "before", trig, manifest)
        key = build_key(after)
        assert key == build_key(before)
        out: dict = {"quads": ds.quads}
        store_dir = scratch / "store"
        t = time.perf_counter()
        store = OxigraphStore(store_dir)
        store.load(after / "qikg.trig", key)
        store.close()
        out["load_store_s"] = round(time.perf_counter() - t, 2)
        out["build_step"] = write_indexes(after, store_dir, ID_BASE)  # what the pipeline pays at each build
        assert stored.load(after, key, ID_BASE).reason == "loaded"
        assert stored.load(before, key, ID_BASE).catalogue is None
        folder = after / stored.FOLDER
        disk = {
            "catalogue_bytes": (folder / stored.CATALOGUE_FILE).stat().st_size,
            "search_bytes": (folder / stored.SEARCH_FILE).stat().st_size,
        }
        resident = json.loads(
            subprocess.run(
                [sys.executable, "-c", RESIDENT, str(after), ID_BASE], check=True, capture_output=True, text=True
            ).stdout
        )
        out["memory"] = {
            **disk,
            "disk_bytes_per_quad": round(sum(disk.values()) / ds.quads, 1),
            **resident,
            "heap_bytes_per_quad": round(resident["heap_with_search"] / ds.quads, 1),
            "rss_bytes_per_quad": round(resident["rss_growth"] / ds.quads, 1),
        }
        folders = {"before: read from the store": before, "after: stored indexes": after}
        out["startup"] = {}
        if "embedded" in backends:
            out["startup"]["embedded"] = starts(
                folders, runs, scratch / "logs", backend="oxigraph", store_dir=store_dir
            )
            print(json.dumps(out["startup"]["embedded"]), flush=True)
        if "remote" in backends:
            with servers.oxigraph_server(scratch / "oxigraph", scratch / "logs" / "oxigraph.log") as oxigraph:
                from kg.settings import Settings

                remote = Settings(
                    store_backend="remote",
                    remote_query_url=oxigraph.base + "/query",
                    remote_update_url=oxigraph.base + "/update",
                    remote_gsp_url=oxigraph.base + "/store",
                ).open_store()
                t = time.perf_counter()
                remote.load(after / "qikg.trig", key)  # loaded by someone else: the servers below find it loaded
                remote.close()
                out["load_remote_s"] = round(time.perf_counter() - t, 2)
                out["startup"]["remote"] = starts(folders, runs, scratch / "logs", backend="remote", remote=oxigraph)
                print(json.dumps(out["startup"]["remote"]), flush=True)
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "startup.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# API start-up: the catalogue read from the store against the build's stored indexes",
        "",
        f"`{results['command']}` at commit {results['machine'].get('git_commit', '?')}, "
        f"{results['machine'].get('date', '')}; {results['machine'].get('cores_logical', '?')} cores. "
        "Target (issue 17): start-up at 1 M quads ≤ 3 s on the embedded store, ≤ 10 s on a remote store.",
        "",
        "Start-up: uvicorn started → first 200 from /health (store open, catalogue in memory); median of the runs.",
        "",
        "| size | quads | store | before: read from the store | after: stored indexes | speed-up "
        "| RSS before / after |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        for where, s in r["startup"].items():
            b, a = s["before: read from the store"], s["after: stored indexes"]
            lines.append(
                f"| {size} | {r['quads']:,} | {where} | {b['median_s']:.2f} s | {a['median_s']:.2f} s | "
                f"{b['median_s'] / a['median_s']:.1f}x | {b['rss_mb']} / {a['rss_mb']} MB |"
            )
    lines += [
        "",
        "What the build's step costs (kg/pipeline/indexes.py: the catalogue read from the build's store by SPARQL, "
        "then both files written) and what the indexes take:",
        "",
        "| size | read catalogue | write catalogue.json | build + write search.sqlite | catalogue.json | search.sqlite "
        "| on disk per quad | load at start | heap per quad | RSS growth per quad |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        b, m = r["build_step"], r["memory"]
        lines.append(
            f"| {size} | {b['read_s']} s | {b['catalogue_s']} s | {b['search_s']} s | "
            f"{m['catalogue_bytes'] / 2**20:.1f} MiB | {m['search_bytes'] / 2**20:.1f} MiB | "
            f"{m['disk_bytes_per_quad']} B | {m['load_s']} s (+{m['open_search_s']} s search) | "
            f"{m['heap_bytes_per_quad']} B | {m['rss_bytes_per_quad']} B |"
        )
    lines += [
        "",
        "Heap: Python objects of the loaded catalogue and the opened search index (tracemalloc, in a fresh process); "
        "RSS growth: the same process's resident memory after loading and one search (the SQLite file is "
        "memory-mapped, so its pages count only once read, and are shared with the page cache).",
    ]
    (folder / "startup.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="seed,100k")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="embedded,remote")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results: dict = {
        "command": "python -m bench.startup " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine.info(),
        "sizes": {},
    }
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        results["sizes"][size] = measure(size, args.runs, backends)
        write(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
