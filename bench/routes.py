"""Time some of our API's routes over HTTP on a real uvicorn server holding one benchmark dataset."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx

from bench import data, servers
from bench.latency import timed_loop


def serve_and_time(ds: data.Dataset, routes: list[str], *, warm: list[str], requests: int,
                   scratch_prefix: str) -> dict:
    """Start the API (embedded Oxigraph) on `ds`; time the first call of each `warm` path (what is built on first
    use), then `requests` sequential calls of each route (median, p99)."""
    out: dict = {"first_s": {}}
    with tempfile.TemporaryDirectory(dir=data.scratch_dir(scratch_prefix)) as scratch, \
            servers.api_server(ds.trig_dir, "oxigraph", Path(scratch) / "api.log",
                               store_dir=Path(scratch) / "store") as server, \
            httpx.Client(base_url=server.base, timeout=600) as client:
        out["start_s"] = server.started_s
        for path in warm:
            started = time.perf_counter()
            response = client.get(path)
            out["first_s"][path] = {"s": round(time.perf_counter() - started, 3), "status": response.status_code}
        out["routes"] = {route: timed_loop(lambda r=route: client.get(r), max_n=requests, max_s=60, warmup=3)
                         for route in routes}
    return out
