"""Our `/sparql` beside Oxigraph's own server on the very same store files, in one run (ratios; machines are noisy).

    python -m bench.sparql_side DATA_DIR [--rounds N] [--max-s S] [--out FILE.json] [--baseline-tree DIR]

Starts our API on the embedded store (it loads DATA_DIR/qikg.trig into a scratch folder at start-up), then
`oxigraph serve-read-only` on the generation our API serves, so both answer from the same RocksDB files and only
what lies around the engine differs: the HTTP layer, the sandboxed worker, the policy check, conversion and
serialisation. Each query (the theme query with the theme written into the text, as bench.run sends it, and every
competency query) is sent to both servers in alternation, `--rounds` times each after one warm-up, so load on the
machine falls on both alike. Medians per query, their ratio (ours / engine), and the geometric means of the CQs.
Beside the HTTP figures it times the same queries in-process on a read-only store (the engine alone, no HTTP), and
through `OxigraphStore.query` (with the conversion to rdflib terms), so the split of the overhead is visible.
With `--baseline-tree` (a checkout of another commit, `git worktree add --detach DIR COMMIT`), that commit's API is
started too, on its own copy of the data, and takes its turn in the same alternation ("base"): before and after
in one run, beside the same engine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from bench import data, latency, machine, servers
from bench.run import ID_BASE, THEME_QUERY, bind_literal


def _geo(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return round(math.exp(sum(map(math.log, values)) / len(values)), 2) if values else None


def _commit(tree: Path) -> str | None:
    """The commit a checkout is at (None when git cannot say)."""
    try:
        out = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    except OSError:
        return None
    return out.stdout.strip() or None


def _post(client: httpx.Client, url: str, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post(url, data={"query": query}, headers={"Accept": latency.SPARQL_JSON})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
    return elapsed * 1000, len(response.content)


def side_by_side(
    queries: list[tuple[str, str]],
    urls: dict[str, str],
    pids: dict[str, int],
    rounds: int,
    max_s: float,
    timeout_s: float = 120.0,
) -> dict:
    """Per query: each server's median wall ms and median CPU ms (its processes) over alternating requests (one
    warm-up each, then up to `rounds`; `timeout_s`: the client's wait for one answer)."""
    out: dict = {}
    with httpx.Client(timeout=timeout_s) as client:
        for name, text in queries:
            times: dict[str, list[float]] = {k: [] for k in urls}
            cpu: dict[str, list[float]] = {k: [] for k in urls}
            sizes: dict[str, int] = {}
            for url in urls.values():
                _post(client, url, text)
            deadline = time.perf_counter() + max_s
            for _ in range(rounds):
                for key, url in urls.items():
                    before = servers.cpu_ms(pids[key])
                    ms, sizes[key] = _post(client, url, text)
                    cpu[key].append(servers.cpu_ms(pids[key]) - before)
                    times[key].append(ms)
                if time.perf_counter() > deadline:
                    break
            out[name] = {k: round(statistics.median(v), 2) for k, v in times.items()}
            out[name] |= {f"{k}_cpu": round(statistics.median(v), 2) for k, v in cpu.items()}
            out[name]["n"] = len(times[next(iter(urls))])
            out[name]["bytes"] = sizes
    return out


def in_process(location: Path, queries: list[tuple[str, str]], rounds: int, max_s: float) -> dict:
    """The engine alone in this process (read-only store, rows iterated), and our store's query (with conversion)."""
    from kg.store import OxigraphStore

    raw = ox.Store.read_only(str(location))
    ours = OxigraphStore(location.parent)  # opens the CURRENT generation read-only, as a worker does
    out: dict = {}
    for name, text in queries:
        engine: list[float] = []
        store: list[float] = []
        deadline = time.perf_counter() + max_s
        for _ in range(rounds + 1):
            started = time.perf_counter()
            result = raw.query(text)
            if isinstance(result, ox.QuerySolutions):
                for _row in result:
                    pass
            elif not isinstance(result, ox.QueryBoolean):
                list(result)
            engine.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            ours.query(text)
            store.append((time.perf_counter() - started) * 1000)
            if time.perf_counter() > deadline:
                break
        out[name] = {
            "engine_ms": round(statistics.median(engine[1:] or engine), 2),
            "store_query_ms": round(statistics.median(store[1:] or store), 2),
        }
    ours.close()
    return out


def against_engine(
    api: servers.Server,
    generation: Path,
    queries: list[tuple[str, str]],
    rounds: int,
    max_s: float,
    logs: Path,
    *,
    timeout_s: float = 60.0,
    others: dict[str, servers.Server] | None = None,
) -> dict:
    """`oxigraph serve-read-only` on `generation` (the store files `api` serves), then every query to both (and to
    `others`) in alternation: {"http": per query, "load_avg", "rss" (ours: the server and its workers),
    "store_disk_bytes"}. `timeout_s`: the engine's time limit per query (give our API the same, QIKG_QUERY_TIMEOUT)."""
    port = servers.free_port()
    cmd = [
        str(servers.BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(generation),
        "--bind",
        f"{servers.HOST}:{port}",
        "--timeout-s",
        f"{timeout_s:g}",
    ]
    out: dict = {}
    with servers._running(
        "oxigraph-read-only", cmd, port, "/query?query=ASK%7B%7D", "/query", logs / "side-ox.log"
    ) as engine:
        urls = {"ours": api.sparql_url, "engine": engine.sparql_url}
        pids = {"ours": api.process.pid, "engine": engine.process.pid}
        for name, other in (others or {}).items():
            urls[name], pids[name] = other.sparql_url, other.process.pid
        out["http"] = side_by_side(queries, urls, pids, rounds, max_s, timeout_s=timeout_s * 2)
        out["load_avg"] = list(os.getloadavg())
        out["rss"] = {"ours": api.rss(), "engine": engine.rss()}
        out["store_disk_bytes"] = sum(p.stat().st_size for p in generation.rglob("*") if p.is_file())
    return out


def summarise(result: dict, names: list[str]) -> dict | None:
    """The theme query's medians and the competency queries' geometric means, ours against the engine (wall and
    CPU); None unless both the theme query and some CQ were run."""
    http = result["http"]
    cq = [n for n in names if n != "theme"]
    if "theme" not in http or not cq:
        return None
    s = {
        "theme_ours_ms": http["theme"]["ours"],
        "theme_engine_ms": http["theme"]["engine"],
        "theme_ratio": round(http["theme"]["ours"] / http["theme"]["engine"], 3),
        "cq_geo_ours_ms": _geo([http[n]["ours"] for n in cq]),
        "cq_geo_engine_ms": _geo([http[n]["engine"] for n in cq]),
        "theme_ours_cpu_ms": http["theme"]["ours_cpu"],
        "theme_engine_cpu_ms": http["theme"]["engine_cpu"],
        "theme_cpu_ratio": round(http["theme"]["ours_cpu"] / http["theme"]["engine_cpu"], 3),
        "cq_geo_ours_cpu_ms": _geo([http[n]["ours_cpu"] for n in cq]),
        "cq_geo_engine_cpu_ms": _geo([http[n]["engine_cpu"] for n in cq]),
    }
    s["cq_geo_ratio"] = round(s["cq_geo_ours_ms"] / s["cq_geo_engine_ms"], 3)
    s["cq_geo_cpu_ratio"] = round(s["cq_geo_ours_cpu_ms"] / s["cq_geo_engine_cpu_ms"], 3)
    if "base" in http["theme"]:
        s["theme_base_cpu_ratio"] = round(http["theme"]["base_cpu"] / http["theme"]["engine_cpu"], 3)
        s["cq_geo_base_cpu_ms"] = _geo([http[n]["base_cpu"] for n in cq])
        s["cq_geo_base_ms"] = _geo([http[n]["base"] for n in cq])
        s["cq_geo_base_cpu_ratio"] = round(s["cq_geo_base_cpu_ms"] / s["cq_geo_engine_cpu_ms"], 3)
        s["cq_geo_base_ratio"] = round(s["cq_geo_base_ms"] / s["cq_geo_engine_ms"], 3)
    s["load_avg"] = result.get("load_avg")
    if "in_process" in result:
        s["cq_geo_in_process_engine_ms"] = _geo([result["in_process"][n]["engine_ms"] for n in cq])
        s["cq_geo_in_process_store_ms"] = _geo([result["in_process"][n]["store_query_ms"] for n in cq])
        s["theme_in_process_engine_ms"] = result["in_process"]["theme"]["engine_ms"]
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sparql_side", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="a build folder holding qikg.trig (bench/work/data-1m, say)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-s", type=float, default=20.0, help="stop a query's rounds after this many seconds")
    parser.add_argument("--theme", default="golden-thread")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-in-process", action="store_true")
    parser.add_argument("--only", help="comma-separated query names (theme, CQ file stems): a shorter run at scale")
    parser.add_argument("--baseline-tree", type=Path, help="another commit's checkout, timed in the same run")
    args = parser.parse_args(argv)
    # the same time limit on both sides (Oxigraph server's --timeout-s 60), so a slow query is timed, not cut off
    os.environ.setdefault("QIKG_QUERY_TIMEOUT", "60")
    theme_sparql = bind_literal(THEME_QUERY.read_text(encoding="utf-8"), "root", ID_BASE + "theme/" + args.theme)
    queries = [("theme", theme_sparql), *latency.cq_queries()]
    if args.only:
        keep = {n.strip() for n in args.only.split(",")}
        queries = [(n, q) for n, q in queries if n in keep]
    logs = data.WORK / "logs"
    store_dir = data.scratch_dir("side-")
    base_dir = data.scratch_dir("side-base-") if args.baseline_tree else None
    result: dict = {"machine": machine.info(), "data_dir": str(args.data_dir), "rounds": args.rounds}
    try:
        with contextlib.ExitStack() as stack:
            api = stack.enter_context(
                servers.api_server(args.data_dir, "oxigraph", logs / "side-api.log", store_dir=store_dir)
            )
            result["api_start_s"] = api.started_s
            result["api_quiet_after_s"] = servers.wait_quiet(api)  # its background index build is over
            base = None
            if args.baseline_tree and base_dir is not None:
                base = stack.enter_context(
                    servers.api_server(
                        args.data_dir,
                        "oxigraph",
                        logs / "side-base.log",
                        store_dir=base_dir,
                        tree=args.baseline_tree.resolve(),
                    )
                )
                result["baseline_tree"] = str(args.baseline_tree)
                result["baseline_commit"] = _commit(args.baseline_tree)
                servers.wait_quiet(base)
                servers.wait_quiet(api)  # the base's start-up may have woken nothing here, but look again
            result["commit"] = _commit(servers.ROOT)
            generation = store_dir / json.loads((store_dir / "CURRENT.json").read_text())["generation"]
            others = {"base": base} if base is not None else {}
            result |= against_engine(api, generation, queries, args.rounds, args.max_s, logs, others=others)
            if not args.no_in_process:
                result["in_process"] = in_process(generation, queries, args.rounds, args.max_s)
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
        if base_dir is not None:
            shutil.rmtree(base_dir, ignore_errors=True)
    http = result["http"]
    summary = summarise(result, [n for n, _ in queries])
    if summary is None:
        print(json.dumps({k: v for k, v in result.items() if k != "machine"}))
        if args.out:
            args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        return 0
    result["summary"] = summary
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps(result["summary"]))
    for name in http:
        row = http[name]
        extra = result.get("in_process", {}).get(name, {})
        print(
            f"{name:26} ours {row['ours']:>9.2f} ({row['ours_cpu']:>8.2f} cpu)  "
            f"engine {row['engine']:>9.2f} ({row['engine_cpu']:>8.2f} cpu)  "
            + (f"base {row['base']:>9.2f} ({row['base_cpu']:>8.2f} cpu)  " if "base" in row else "")
            + f"{extra}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
