"""A short run at a size past 1 M quads: load (ours beside `oxigraph load`), memory, disk and a few queries.

    python -m bench.scale SIZE [--queries theme,six_lessons,...] [--same-content] [--out FILE.json]

For when the whole `bench.run` at that size would not finish (rdflib and the remote loads take hours at 10 M):
generates (or reuses) the dataset, loads its N-Quads into our embedded store on disk in a fresh process (time,
resident memory, disk bytes) and, in turn, with Oxigraph's own `oxigraph load` followed by `oxigraph optimize` (both
figures kept; with `--same-content` also on a dump of our loaded store, the same content), then runs each chosen
query on our store (kept for the purpose) through a query worker of the sandbox beside the engine called in-process on
the same files (wall and CPU time, rows): what the worker adds at that size. Every process and folder it starts is
removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from bench import data, latency, loadrate, machine
from bench.run import ID_BASE, THEME_QUERY, bind_literal

DEFAULT_QUERIES = "theme,six_lessons,announced_chats,panel_members,tweets_after_the_chat"


def queries_here(location: Path, queries: list[tuple[str, str]], rounds: int) -> dict:
    """Each query through a sandbox worker (JSON, as /sparql asks for it) and on the engine in this process."""
    from kg.sparql.formats import JSON
    from kg.sparql.sandbox import QuerySandbox, WorkerLimits
    from kg.store.base import StoreSpec

    raw = ox.Store.read_only(str(location))
    spec = StoreSpec("oxigraph", str(location))
    graphs = sorted(g.value for g in raw.named_graphs() if isinstance(g, ox.NamedNode))
    box = QuerySandbox(lambda: spec, workers=1, limits=WorkerLimits("best-effort", 2 << 30, 16 << 20))
    out: dict = {}
    try:
        box.run("ASK {}", timeout=600, row_limit=1, allowed_graphs=graphs)  # the worker's start is not a query's
        for name, text in queries:
            engine, worker = [], []
            rows = None
            for _ in range(rounds):
                started = time.perf_counter()
                rows = sum(1 for _ in raw.query(text))
                engine.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                box.run(text, timeout=600, row_limit=10**7, allowed_graphs=graphs, wanted={"SELECT": JSON})
                worker.append((time.perf_counter() - started) * 1000)
            out[name] = {  # the worker's first run of a text also parses it for the policy check (then cached)
                "rows": rows,
                "engine_ms": round(statistics.median(engine), 1),
                "worker_ms": round(statistics.median(worker), 1),
                "engine_runs_ms": [round(t, 1) for t in engine],
                "worker_runs_ms": [round(t, 1) for t in worker],
            }
            print(name, out[name], file=sys.stderr, flush=True)
    finally:
        box.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("size", help="10m, 5m, or a number of quads")
    parser.add_argument("--queries", default=DEFAULT_QUERIES)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--same-content",
        action="store_true",
        help="also time `oxigraph load` + optimize on a dump of our loaded store (named graphs + merged default)",
    )
    args = parser.parse_args(argv)
    ds = data.prepare(args.size)
    result: dict = {"machine": machine.info(), "dataset": ds.summary(), "load_avg_start": list(os.getloadavg())}
    folder = data.scratch_dir("scale-")
    try:
        result["load"] = {"oxigraph": loadrate.measure("oxigraph", ds.nquads, folder / "store", timeout=3600)}
        print(json.dumps(result["load"]["oxigraph"]), file=sys.stderr, flush=True)
        # `oxigraph load` then `oxigraph optimize`: the load alone and the load with the compaction ours ends with
        result["load"]["oxigraph-cli"] = loadrate.native_load(ds.nquads, timeout=3600, optimize=True)
        print(json.dumps(result["load"]["oxigraph-cli"]), file=sys.stderr, flush=True)
        ours, native = result["load"]["oxigraph"], result["load"]["oxigraph-cli"]
        if ours.get("seconds") and native.get("seconds"):
            result["load_ratio"] = round(native["load_s"] / ours["seconds"], 3)  # rate ours / rate engine
            result["load_ratio_with_optimize"] = round(native["seconds"] / ours["seconds"], 3)
            result["cpu_ratio"] = round(ours["cpu_s"] / native["cpu_s"], 3)  # CPU ours / CPU engine (+ optimize)
        # the measuring process loaded the store under folder/store and left it there: query that generation
        pointer = json.loads((folder / "store" / "CURRENT.json").read_text())
        if args.same_content:  # the engine's loader on what our store holds: the fair baseline of our layout's work
            content, quads = loadrate.same_content(ds.nquads, loaded=folder / "store")
            result["load"]["oxigraph-cli/content"] = loadrate.native_load(
                content, timeout=3600, optimize=True, quads=quads
            )
            print(json.dumps(result["load"]["oxigraph-cli/content"]), file=sys.stderr, flush=True)
            content.unlink()
            same = result["load"]["oxigraph-cli/content"]
            if same.get("seconds"):
                result["load_ratio_same_content"] = round(same["seconds"] / ours["seconds"], 3)
                result["cpu_ratio_same_content"] = round(ours["cpu_s"] / same["cpu_s"], 3)
        theme = bind_literal(THEME_QUERY.read_text(encoding="utf-8"), "root", ID_BASE + "theme/golden-thread")
        wanted = {n.strip() for n in args.queries.split(",")}
        chosen = [(n, q) for n, q in [("theme", theme), *latency.cq_queries()] if n in wanted]
        result["queries"] = queries_here(folder / "store" / pointer["generation"], chosen, args.rounds)
        result["load_avg_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
