"""Time some of our API's routes over HTTP on a real uvicorn server holding one benchmark dataset."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench import data, machine, servers
from bench.latency import timed_loop


def settle(server: servers.Server, *, idle_ms: float = 100.0, max_s: float = 600.0) -> float:
    """Wait until the server's CPU time grows by less than `idle_ms` in a second (what it builds in the background
    after start-up, e.g. the networks, is done); the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < max_s:
        before = servers.cpu_ms(server.process.pid)
        time.sleep(1.0)
        if servers.cpu_ms(server.process.pid) - before < idle_ms:
            break
    return round(time.perf_counter() - started, 1)


def serve_and_time(
    ds: data.Dataset,
    routes: list[str],
    *,
    warm: list[str],
    requests: int,
    scratch_prefix: str,
    settled: bool = False,
) -> dict:
    """Start the API (embedded Oxigraph) on `ds`; time the first call of each `warm` path (what is built on first
    use), then `requests` sequential calls of each route (median, p99). With `settled`, the timed calls wait until
    the server has finished its background work (`settle`: the work would otherwise share the GIL with them)."""
    out: dict = {"first_s": {}}
    with (
        tempfile.TemporaryDirectory(dir=data.scratch_dir(scratch_prefix)) as scratch,
        servers.api_server(
            ds.trig_dir, "oxigraph", Path(scratch) / "api.log", store_dir=Path(scratch) / "store"
        ) as server,
        httpx.Client(base_url=server.base, timeout=600) as client,
    ):
        out["start_s"] = server.started_s
        for path in warm:
            started = time.perf_counter()
            response = client.get(path)
            out["first_s"][path] = {"s": round(time.perf_counter() - started, 3), "status": response.status_code}
        if settled:
            out["settled_after_s"] = settle(server)
        out["routes"] = {}
        for route in routes:
            before = servers.cpu_ms(server.process.pid)
            timing = timed_loop(lambda r=route: client.get(r), max_n=requests, max_s=60, warmup=3)
            # the server's own CPU per request (warm-up requests included): what other work on the machine does
            # not add to, unlike the wall-clock times
            timing["server_cpu_ms"] = round((servers.cpu_ms(server.process.pid) - before) / (timing["n"] + 3), 2)
            out["routes"][route] = timing
    return out


def run_sizes(
    name: str,
    doc: str,
    measure: Callable[[data.Dataset, int], dict],
    write: Callable[[dict, Path], None],
    argv: list[str] | None,
) -> int:
    """The command line of a per-size benchmark: `--sizes`, `--requests`, `--out`; results written after each size."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="seed,100k", help="comma-separated: seed, 100k, 1m")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per route")
    parser.add_argument("--out", type=Path, default=data.ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    results: dict = {
        "command": f"python -m bench.{name} " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine.info(),
        "sizes": {},
    }
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        ds = data.prepare(size, progress=lambda m: print(m, flush=True))
        print(f"{size}: {ds.quads:,} quads", flush=True)
        results["sizes"][size] = {"quads": ds.quads, **measure(ds, args.requests)}
        write(results, args.out)
        print(json.dumps(results["sizes"][size], indent=1)[:1500], flush=True)
    return 0


def report_head(results: dict, folder: Path, name: str, title: str, target: str) -> list[str]:
    """Write `<name>.json` to `folder`; the first lines of `<name>.md`: the title, the command, commit, date, cores
    and the target."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")
    info = results["machine"]
    return [
        f"# {title}",
        "",
        f"`{results['command']}` at commit {(info.get('git_commit') or '')[:7]}, "
        f"{info.get('date')}; {info.get('cores_logical')} cores. Target: {target}.",
        "",
    ]
