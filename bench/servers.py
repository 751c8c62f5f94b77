"""Start and always stop the servers the benchmark talks to, each in its own process on 127.0.0.1.

- our API (uvicorn serving `api.main:app`, the back-end and data chosen by QIKG_ settings),
- rdflib-endpoint serving the same data from rdflib's memory store (bench/rdflib_endpoint_app.py),
- Oxigraph server (`oxigraph serve`), its default graph made the merge of the named graphs, as in our stores.

Every start waits for readiness with a deadline, and every server is stopped in a `finally` (terminate, then kill).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


class ServerFailed(RuntimeError):
    """A server did not come up in time (its log tail is in the message)."""


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen
    sparql_path: str
    started_s: float
    log: Path

    def rss(self, children: bool = True) -> int:
        """Resident memory of the server process (and its children, e.g. the API's query workers)."""
        try:
            proc = psutil.Process(self.process.pid)
            total = proc.memory_info().rss
            if children:
                total += sum(c.memory_info().rss for c in proc.children(recursive=True))
            return total
        except psutil.Error:
            return 0

    @property
    def sparql_url(self) -> str:
        return self.base + self.sparql_path


def cpu_ms(pid: int) -> float:
    """CPU time of a process, its threads and its children (the API's query workers), in ms, from the scheduler's
    nanosecond counters (/proc/PID/task/TID/schedstat): on a machine shared with other work, wall time measures
    the other work too, CPU time what the server itself spent."""
    total = 0
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return 0.0
    for proc in procs:
        try:
            tasks = list(Path(f"/proc/{proc.pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e6


def wait_quiet(server: Server, *, window_s: float = 2.0, busy_share: float = 0.05, timeout_s: float = 600.0) -> float:
    """Wait until `server` (with its children) stops working on its own: our API builds its search index and
    networks in the background after it answers /health, and a query timed meanwhile shares the CPU with that.
    Returns the seconds waited (bounded by `timeout_s`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        before = cpu_ms(server.process.pid)
        time.sleep(window_s)
        if cpu_ms(server.process.pid) - before < busy_share * window_s * 1000:
            break
    return round(time.monotonic() - started, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    for child in children:  # the API's query workers die with it; make sure
        try:
            child.kill()
        except psutil.Error:
            pass


@contextmanager
def _running(
    name: str,
    cmd: list[str],
    port: int,
    ready_path: str,
    sparql_path: str,
    log: Path,
    env: dict[str, str] | None = None,
    start_timeout: float = 300.0,
    cwd: Path = ROOT,
) -> Iterator[Server]:
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env={**os.environ, **(env or {})}
        )
    try:
        base = f"http://{HOST}:{port}"
        deadline = time.monotonic() + start_timeout
        with httpx.Client(timeout=5.0) as client:
            while True:
                if process.poll() is not None:
                    raise ServerFailed(f"{name} exited with code {process.returncode}:\n{_tail(log)}")
                try:
                    if client.get(base + ready_path).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise ServerFailed(f"{name} was not ready after {start_timeout:g} s:\n{_tail(log)}")
                time.sleep(0.2)
        yield Server(name, base, process, sparql_path, round(time.perf_counter() - started, 2), log)
    finally:
        _stop(process)


def api_server(
    data_dir: Path,
    backend: str,
    log: Path,
    *,
    store_dir: Path | None = None,
    remote: Server | None = None,
    start_timeout: float = 600.0,
    tree: Path = ROOT,
) -> AbstractContextManager[Server]:
    """Our app under uvicorn, serving `data_dir/qikg.trig` from `backend`; no build at start-up. With `remote` (an
    Oxigraph server) as its SPARQL 1.1 store, the app loads the data there itself (Graph Store Protocol). `tree`:
    the checkout whose `api` and `kg` it runs (another commit's, to time it side by side with this one)."""
    port = free_port()
    env = {
        "QIKG_DATA_DIR": str(data_dir),
        "QIKG_STORE_BACKEND": backend,
        "QIKG_HOST": HOST,
        "QIKG_PORT": str(port),
    }
    if store_dir is not None:
        env["QIKG_STORE_DIR"] = str(store_dir)
    if remote is not None:
        env |= {
            "QIKG_REMOTE_QUERY_URL": remote.base + "/query",
            "QIKG_REMOTE_UPDATE_URL": remote.base + "/update",
            "QIKG_REMOTE_GSP_URL": remote.base + "/store",
        }
    cmd = [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        "api.main:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return _running(f"api-{backend}", cmd, port, "/health", "/sparql", log, env, start_timeout, cwd=tree)


def rdflib_endpoint(data: Path, log: Path, *, start_timeout: float = 600.0) -> AbstractContextManager[Server]:
    port = free_port()
    cmd = [str(BIN / "python"), "-m", "bench.rdflib_endpoint_app", str(data), str(port)]
    return _running("rdflib-endpoint", cmd, port, "/health", "/sparql", log, start_timeout=start_timeout)


def oxigraph_server(location: Path, log: Path, *, start_timeout: float = 60.0) -> AbstractContextManager[Server]:
    """Without `--union-default-graph` (it returns a triple once per graph holding it): the bench merges the graphs
    into the default graph after loading, and our API as a remote client names its dataset per query."""
    port = free_port()
    cmd = [str(BIN / "oxigraph"), "serve", "--location", str(location), "--bind", f"{HOST}:{port}", "--timeout-s", "60"]
    return _running("oxigraph-server", cmd, port, "/query?query=ASK%7B%7D", "/query", log, start_timeout=start_timeout)
