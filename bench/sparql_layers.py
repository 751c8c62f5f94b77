"""Where a `/sparql` request's CPU goes, layer by layer: the HTTP server, the middlewares, FastAPI, the route, the
hop to the worker and the worker itself (issue 17: the fixed cost per request that sets small queries' ratio).

    python -m bench.sparql_layers DATA_DIR [--n 300] [--query NAME] [--out FILE.json]

In one process, on DATA_DIR's graph (loaded into a scratch store), the same small query is sent `--n` times to each
layer of the app called directly as ASGI (no socket): the whole app, the app without its outer middlewares (one by
one), the router alone, the sandbox's `run_async`, and its `run`. Each figure is CPU ms per request of this process
(`time.process_time`: every thread) and of the query workers (their scheduler counters), so one layer's own cost is
the difference to the next. Then the same request over HTTP to our app under uvicorn (server CPU, workers included),
and to a bare ASGI app under the same uvicorn that answers fixed bytes: the floor of any Python server here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psutil

from bench import data, latency, machine, servers

Asgi = Any  # an ASGI app or middleware (Starlette's types differ in detail between layers)


def _workers_cpu_ms() -> float:
    """CPU ms of this process's children (the query workers), from the scheduler's counters."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        total += servers.cpu_ms(child.pid)
    return total


def _scope(body: bytes, app: object) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", latency.SPARQL_JSON.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
        "app": app,  # what FastAPI.__call__ adds, for the inner layers called directly
    }


async def _call(app: Asgi, body: bytes, root: object) -> tuple[int, int]:
    """One request through `app`; (status, body bytes)."""
    sent = False
    status, size = 0, 0

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(_scope(body, root), receive, send)
    return status, size


async def _time(name: str, once: Callable[[], Awaitable[object]], n: int) -> dict:
    for _ in range(3):
        await once()
    cpu0, work0, wall0 = time.process_time(), _workers_cpu_ms(), time.perf_counter()
    for _ in range(n):
        await once()
    cpu = (time.process_time() - cpu0) * 1000 / n
    workers = (_workers_cpu_ms() - work0) / n
    wall = (time.perf_counter() - wall0) * 1000 / n
    row = {"layer": name, "server_cpu_ms": round(cpu, 3), "worker_cpu_ms": round(workers, 3), "wall_ms": round(wall, 3)}
    print(json.dumps(row), file=sys.stderr)
    return row


def _without_outer(app: Any, k: int) -> list[str]:
    """Rebuild `app`'s middleware stack without its `k` outermost middlewares of ours; their names."""
    removed = [m.cls.__name__ for m in app.user_middleware[:k]]
    app.user_middleware = app.user_middleware[k:]
    app.middleware_stack = None  # Starlette builds it again on the next request
    return removed


async def in_process(data_dir: Path, store_dir: Path, query: str, n: int, profile: Path | None = None) -> list[dict]:
    from api.main import create_app
    from kg.settings import Settings

    settings = Settings(data_dir=data_dir, store_dir=store_dir)
    app = create_app(settings)
    body = urlencode({"query": query}).encode()
    rows: list[dict] = []
    async with app.router.lifespan_context(app):
        status, _ = await _call(app, body, app)  # builds the middleware stack, starts a worker
        assert status == 200, status
        rows.append(await _time("whole app (ASGI, no socket)", lambda: _call(app, body, app), n))
        if profile is not None:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(n):
                await _call(app, body, app)
            profiler.disable()
            profiler.dump_stats(profile)
        while app.user_middleware:
            gone = _without_outer(app, 1)
            rows.append(await _time(f"app without {gone[0]} and the ones above", lambda: _call(app, body, app), n))
        service = app.state.service
        text = query  # the base IRI goes to the engine beside the text (the sandbox's base_iri)
        wanted = {"SELECT": latency.SPARQL_JSON, "ASK": latency.SPARQL_JSON}

        async def run_async() -> object:
            return await service.sandbox.run_async(
                text,
                client="probe",
                timeout=settings.query_timeout,
                row_limit=settings.row_limit,
                allowed_graphs=service.store.named_graphs(),
                encode=lambda checked, result: result,
                wanted=wanted,
            )

        async def run() -> object:
            return service.sandbox.run(
                text,
                timeout=settings.query_timeout,
                row_limit=settings.row_limit,
                allowed_graphs=service.store.named_graphs(),
                wanted=wanted,
            )

        rows.append(await _time("sandbox.run_async (turns, the reply read on the loop)", run_async, n))
        rows.append(await _time("sandbox.run (pipe to the worker)", run, n))
    return rows


BARE = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/sparql-results+json")]})
    await send({"type": "http.response.body", "body": body})
"""


def over_http(data_dir: Path, store_dir: Path, query: str, n: int, logs: Path) -> list[dict]:
    """Server CPU per request (workers included) over keep-alive HTTP: our app, then a bare ASGI app."""
    rows = []

    def measure(name: str, pid: int, url: str) -> dict:
        with httpx.Client(timeout=60) as client:

            def post() -> httpx.Response:
                return client.post(url, data={"query": query}, headers={"Accept": latency.SPARQL_JSON})

            for _ in range(5):
                assert post().status_code == 200
            before, wall0 = servers.cpu_ms(pid), time.perf_counter()
            for _ in range(n):
                post()
            row = {
                "layer": name,
                "server_cpu_ms": round((servers.cpu_ms(pid) - before) / n, 3),
                "wall_ms": round((time.perf_counter() - wall0) * 1000 / n, 3),
            }
        print(json.dumps(row), file=sys.stderr)
        return row

    with servers.api_server(data_dir, "oxigraph", logs / "layers-api.log", store_dir=store_dir) as api:
        servers.wait_quiet(api)
        rows.append(measure("our app under uvicorn (HTTP, workers included)", api.process.pid, api.sparql_url))
    bare_dir = data.scratch_dir("bare-")
    try:
        (bare_dir / "bare_asgi.py").write_text(BARE, encoding="utf-8")
        port = servers.free_port()
        cmd = [
            str(servers.BIN / "python"),
            "-m",
            "uvicorn",
            "--app-dir",
            str(bare_dir),
            "bare_asgi:app",
            "--host",
            servers.HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with servers._running("bare-asgi", cmd, port, "/", "/", logs / "layers-bare.log") as bare:
            rows.append(measure("bare ASGI app under uvicorn (the floor)", bare.process.pid, bare.sparql_url))
    finally:
        shutil.rmtree(bare_dir, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sparql_layers", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="a build folder holding qikg.trig (bench/work/data-seed, say)")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--query", default="people_took_part", help="a competency query's name (its file stem)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the whole app (the loop's thread) here")
    args = parser.parse_args(argv)
    query = dict(latency.cq_queries())[args.query]
    result: dict = {"machine": machine.info(), "data_dir": str(args.data_dir), "query": args.query, "n": args.n}
    store_dir = data.scratch_dir("layers-")
    try:
        result["in_process"] = asyncio.run(in_process(args.data_dir, store_dir / "a", query, args.n, args.profile))
        if not args.no_http:
            result["http"] = over_http(args.data_dir, store_dir / "b", query, args.n, data.WORK / "logs")
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
    result["load_avg"] = list(os.getloadavg())
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    for row in result["in_process"] + result.get("http", []):
        print(f"{row['layer']:55} server {row['server_cpu_ms']:7.3f}  worker {row.get('worker_cpu_ms', 0):7.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
