"""API start-up at every size: nothing stored, the catalogue stored, the catalogue and the networks stored.

Since issue 17 the build writes `<build>/indexes/` (kg/indexes/stored.py: the catalogue as versioned JSON, the FTS5
index as a read-only SQLite file, the networks' facts and measures as networks.json) and the server loads them; it
reads the store by SPARQL (and measures the networks with networkx) only when they are absent or of another build.
For each size (bench/data.py) the store is loaded once under the build's key, then servers start in turn on three
folders holding the same qikg.trig: one without `indexes/` (before), one with the catalogue and search index only
(as before the networks were stored), one with everything; on the embedded store (the build's own Oxigraph folder)
and on a remote store (an Oxigraph server the bench loads once, as someone else would). Start-up is the time from
starting uvicorn to the first 200 from /health (which answers once the store is open and the catalogue is in memory;
the search index and the networks are warmed in the background after); networks ready is the time to the first
answer of /api/network; the latency of a cheap request in between shows what the warming costs other requests.

Also measured: what the build's step costs (reading the catalogue, writing the files, measuring the networks), the
indexes' memory per quad: on disk (each file), and resident in a fresh process (Python heap by tracemalloc, and the
process's RSS growth, after loading the catalogue and running one search on the memory-mapped index; after loading
the networks and rebuilding the three of all chats), and the stored JSON files parsed by json, orjson and msgpack.

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
import threading
import time
from pathlib import Path

import httpx

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
again_reason = again.reason
tracemalloc.stop()
del again
gc.collect()
before = proc.memory_info().rss
t = time.perf_counter()
nets = stored.load_networks(folder, key)
built = [nets.networks.get(name) for name in ("people", "organisations", "themes")]
nets_s = time.perf_counter() - t
nets_rss = proc.memory_info().rss - before
del nets, built
gc.collect()
tracemalloc.start()
nets = stored.load_networks(folder, key)
built = [nets.networks.get(name) for name in ("people", "organisations", "themes")]
nets_heap = tracemalloc.get_traced_memory()[0]
print(json.dumps({"reason": again_reason, "load_s": round(load_s, 3), "open_search_s": round(open_s, 3),
                  "heap_catalogue": heap, "heap_with_search": heap_all, "hits": hits, "rss_growth": rss_growth,
                  "networks_reason": nets.reason, "networks_load_s": round(nets_s, 3),
                  "networks_heap": nets_heap, "networks_rss_growth": nets_rss}))
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


FOLDERS = ("before: nothing stored", "catalogue stored, networks computed", "after: catalogue and networks stored")
BUSY_REQUESTS = 200  # requests timed right after /health while /api/network waits for the networks (at most)
BUSY_PATH = (
    "/api/themes"  # a typical request that reads the catalogue (12 ms at 1 M quads when idle; /api/stats queries)
)


def starts(folders: dict[str, Path], runs: int, log_dir: Path, **server: object) -> dict:
    """Each folder's server started `runs` times, alternating: time to the first /health, the median latency of
    /api/stats just after it (while the networks are warmed), time to the first /api/network answer (the three
    networks of all chats built and measured), the server's CPU seconds and RSS then."""
    found: dict[str, dict[str, list]] = {
        name: {"health_s": [], "busy_ms": [], "networks_s": [], "cpu_s": [], "rss": []} for name in folders
    }
    for run in range(runs):
        for name, folder in folders.items():  # alternating, so drift on a shared machine hits both
            with servers.api_server(folder, log=log_dir / f"{name[:6]}-{run}.log", **server) as api:  # type: ignore[arg-type]
                started = time.perf_counter() - api.started_s
                ready: list[float] = []

                def networks(base: str = api.base, ready: list[float] = ready, started: float = started) -> None:
                    with httpx.Client(base_url=base, timeout=3600) as client:
                        client.get("/api/network").raise_for_status()
                    ready.append(time.perf_counter() - started)

                waiting = threading.Thread(target=networks)
                waiting.start()
                busy: list[float] = []  # meanwhile: a cheap request, again and again (at least 5 times)
                with httpx.Client(base_url=api.base, timeout=3600) as client:
                    while len(busy) < 5 or (waiting.is_alive() and len(busy) < BUSY_REQUESTS):
                        t = time.perf_counter()
                        client.get(BUSY_PATH).raise_for_status()
                        busy.append((time.perf_counter() - t) * 1000)
                        time.sleep(0.05)
                waiting.join()
                if not ready:
                    raise RuntimeError(f"/api/network failed on {name}: see {log_dir}")
                r = found[name]
                r["health_s"].append(api.started_s)
                r["busy_ms"].append(round(statistics.median(busy), 1))
                r["networks_s"].append(round(ready[0], 2))
                r["cpu_s"].append(round(servers.cpu_ms(api.process.pid) / 1000, 2))
                r["rss"].append(api.rss())
    return {
        name: {
            "runs": r["health_s"],
            "median_s": statistics.median(r["health_s"]),
            "busy_ms": statistics.median(r["busy_ms"]),
            "networks_runs": r["networks_s"],
            "networks_s": statistics.median(r["networks_s"]),
            "cpu_s": statistics.median(r["cpu_s"]),
            "rss_mb": round(max(r["rss"]) / 2**20),
        }
        for name, r in found.items()
    }


def networks_on_add(build: Path, store_dir: Path) -> dict:
    """What the networks step costs `qikg add` / `remove` on a build whose store is loaded: the facts read again by
    SPARQL, then `Networks.stored` with the build's own networks.json as the previous one (every chat's facts
    unchanged, as for all but the added chat: those keep their measures; the all-chats networks are measured)."""
    from kg.indexes.network import Networks

    store = OxigraphStore(store_dir)
    try:
        if store.loaded_key() != build_key(build):
            raise RuntimeError(f"the store in {store_dir} does not hold the build in {build}")
        started = time.perf_counter()
        networks = Networks(lambda sparql: store.query(sparql).rows)
        read_s = time.perf_counter() - started
    finally:
        store.close()
    previous = stored.previous_networks(build)
    if previous is None:
        raise RuntimeError(f"{build} has no networks.json of this format")
    chats = [c for c in dict.fromkeys(chat for _, chat, _ in previous.measures) if c is not None]
    started = time.perf_counter()
    found = networks.stored([None, *chats], previous)
    kept = sum(1 for k, m in found.measures.items() if previous.measures.get(k) is m)
    return {
        "read_s": round(read_s, 2),
        "measure_s": round(time.perf_counter() - started, 2),
        "kept": kept,
        "networks": len(found.measures),
    }


def formats(folder: Path, runs: int = 3) -> dict:
    """The stored JSON files parsed side by side by the standard library, orjson and msgpack (the same data
    re-encoded), with their sizes, raw and gzipped: the figures the choice of format rests on (best of `runs`)."""
    import gzip
    import importlib

    out: dict = {}
    for name in (stored.CATALOGUE_FILE, stored.NETWORKS_FILE):
        raw = (folder / name).read_bytes()
        data = json.loads(raw)
        row: dict = {"json_bytes": len(raw), "json_gzip_bytes": len(gzip.compress(raw, 6))}
        parsers = {
            "json": (json.loads, raw),
            "json+gzip": (lambda b: json.loads(gzip.decompress(b)), gzip.compress(raw, 6)),
        }
        for module, encode in (("orjson", "dumps"), ("msgpack", "packb")):
            try:
                lib = importlib.import_module(module)
            except ImportError:
                continue
            packed = getattr(lib, encode)(data)
            parsers[module] = (lib.loads if module == "orjson" else lib.unpackb, packed)
            row[f"{module}_bytes"] = len(packed)
        for parser, (parse, blob) in parsers.items():
            best = min(_timed(parse, blob) for _ in range(runs))
            row[f"{parser}_parse_s"] = round(best, 3)
        started = time.perf_counter()
        if name == stored.CATALOGUE_FILE:
            from kg.indexes.catalogue import Catalogue

            Catalogue.from_data(data["data"])
        else:
            stored.networks_from_data(data["data"])
        row["objects_s"] = round(time.perf_counter() - started, 3)
        out[name] = row
    return out


def _timed(parse, blob: bytes) -> float:  # noqa: ANN001 - any loads
    started = time.perf_counter()
    parse(blob)
    return time.perf_counter() - started


def measure(size: str, runs: int, backends: list[str]) -> dict:
    ds = data.prepare(size, progress=lambda m: print(m, flush=True))
    print(f"{size}: {ds.quads:,} quads", flush=True)
    scratch = data.scratch_dir(f"startup-{size}-")
    try:
        trig = ds.trig_dir / "qikg.trig"
        manifest = manifest_text(trig)
        after = build_folder(scratch / "after", trig, manifest)
        before = build_folder(scratch / "before", trig, manifest)
        middle = build_folder(scratch / "middle", trig, manifest)
        key = build_key(after)
        assert key == build_key(before) == build_key(middle)
        out: dict = {"quads": ds.quads}
        store_dir = scratch / "store"
        t = time.perf_counter()
        store = OxigraphStore(store_dir)
        store.load(after / "qikg.trig", key)
        store.close()
        out["load_store_s"] = round(time.perf_counter() - t, 2)
        out["build_step"] = write_indexes(after, store_dir, ID_BASE)  # what the pipeline pays at each build
        assert stored.load(after, key, ID_BASE).reason == "loaded"
        assert stored.load_networks(after, key).reason == "loaded"
        assert stored.load(before, key, ID_BASE).catalogue is None
        folder = after / stored.FOLDER
        (middle / stored.FOLDER).mkdir()  # the catalogue and search index only: as before the networks were stored
        for name in (stored.CATALOGUE_FILE, stored.SEARCH_FILE):
            os.link(folder / name, middle / stored.FOLDER / name)
        disk = {
            "catalogue_bytes": (folder / stored.CATALOGUE_FILE).stat().st_size,
            "search_bytes": (folder / stored.SEARCH_FILE).stat().st_size,
            "networks_bytes": (folder / stored.NETWORKS_FILE).stat().st_size,
        }
        out["formats"] = formats(folder)
        resident = json.loads(
            subprocess.run(
                [sys.executable, "-c", RESIDENT, str(after), ID_BASE], check=True, capture_output=True, text=True
            ).stdout
        )
        out["memory"] = {
            **disk,
            "disk_bytes_per_quad": round(sum(disk.values()) / ds.quads, 1),
            **{k.replace("_bytes", "_bytes_per_quad"): round(v / ds.quads, 1) for k, v in disk.items()},
            **resident,
            "heap_bytes_per_quad": round(resident["heap_with_search"] / ds.quads, 1),
            "rss_bytes_per_quad": round(resident["rss_growth"] / ds.quads, 1),
            "networks_heap_bytes_per_quad": round(resident["networks_heap"] / ds.quads, 1),
            "networks_rss_bytes_per_quad": round(resident["networks_rss_growth"] / ds.quads, 1),
        }
        folders = dict(zip(FOLDERS, (before, middle, after), strict=True))
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
        "# API start-up: nothing stored, the catalogue stored, the catalogue and the networks stored",
        "",
        f"`{results['command']}` at commit {results['machine'].get('git_commit', '?')}, "
        f"{results['machine'].get('date', '')}; {results['machine'].get('cores_logical', '?')} cores. "
        "Target (issue 17): start-up at 1 M quads ≤ 3 s on the embedded store, ≤ 10 s on a remote store.",
        "",
        "Per server, median of the runs (alternating): **health**: uvicorn started → first 200 from /health (store "
        "open, catalogue in memory); **networks**: uvicorn started → first answer of /api/network (the three "
        "networks of all chats built and measured), asked right after /health; **busy**: the median latency of "
        f"{BUSY_PATH} asked every 50 ms meanwhile (at least 5 times; what the networks' making, which holds the GIL, "
        "costs other requests); **CPU**: the server's CPU seconds then; **RSS** then (max of the runs).",
        "",
        "| size | quads | store | what the build stored | health | busy | networks | CPU | RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        for where, found in r["startup"].items():
            for name, s in found.items():
                lines.append(
                    f"| {size} | {r['quads']:,} | {where} | {name} | {s['median_s']:.2f} s | {s['busy_ms']:.1f} ms | "
                    f"{s['networks_s']:.2f} s | {s['cpu_s']:.1f} s | {s['rss_mb']} MB |"
                )
    lines += [
        "",
        "What the build's step costs (kg/pipeline/indexes.py: the catalogue read from the build's store by SPARQL, "
        "the files written; the networks read and measured, all chats and each chat) and what the indexes take:",
        "",
        "| size | read catalogue | write catalogue.json | build + write search.sqlite | measure networks "
        "| write networks.json | networks stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        b = r["build_step"]
        lines.append(
            f"| {size} | {b['read_s']} s | {b['catalogue_s']} s | {b['search_s']} s | {b['networks_s']} s | "
            f"{b['networks_write_s']} s | {b['networks_stored']} |"
        )
    lines += [
        "",
        "| size | catalogue.json | search.sqlite | networks.json | on disk per quad (each) | catalogue load "
        "| heap per quad (catalogue + search) | RSS growth per quad | networks load + 3 graphs "
        "| networks heap per quad | networks RSS growth per quad |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        m = r["memory"]
        lines.append(
            f"| {size} | {m['catalogue_bytes'] / 2**20:.1f} MiB | {m['search_bytes'] / 2**20:.1f} MiB | "
            f"{m['networks_bytes'] / 2**20:.1f} MiB | {m['disk_bytes_per_quad']} B ({m['catalogue_bytes_per_quad']} + "
            f"{m['search_bytes_per_quad']} + {m['networks_bytes_per_quad']}) | {m['load_s']} s "
            f"(+{m['open_search_s']} s first search) | {m['heap_bytes_per_quad']} B | {m['rss_bytes_per_quad']} B | "
            f"{m['networks_load_s']} s | {m['networks_heap_bytes_per_quad']} B | {m['networks_rss_bytes_per_quad']} B |"
        )
    lines += [
        "",
        "Heap: Python objects (tracemalloc, in a fresh process); RSS growth: the same process's resident memory after "
        "loading (the SQLite file is memory-mapped, so its pages count only once read, and are shared with the page "
        "cache). The networks: networks.json parsed, its facts made objects, and the three networks of all chats "
        "rebuilt from them with their stored measures (what a server does before it answers /api/network).",
        "",
        "The formats, side by side (best of 3 parses of the same data; orjson and msgpack re-encode it):",
        "",
        "| size | file | JSON | gzip | msgpack | json.loads | json+gzip | orjson.loads | msgpack.unpackb | objects |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        for name, f in r.get("formats", {}).items():
            lines.append(
                f"| {size} | {name} | {f['json_bytes'] / 2**20:.2f} MiB | {f['json_gzip_bytes'] / 2**20:.2f} MiB | "
                f"{f.get('msgpack_bytes', 0) / 2**20:.2f} MiB | {f['json_parse_s']} s | {f['json+gzip_parse_s']} s | "
                f"{f.get('orjson_parse_s', '-')} s | {f.get('msgpack_parse_s', '-')} s | {f['objects_s']} s |"
            )
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
