"""Start and stop a local Oxigraph SPARQL server (`oxigraph serve`), for the remote-store tests and benchmarks.

The server binds a free loopback port and runs until `stop_oxigraph`; callers stop it in a `finally`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from kg.store.remote import RemoteSettings

OXIGRAPH = Path(sys.executable).with_name("oxigraph")  # installed next to the interpreter by `pip install oxigraph`


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OxigraphServer:
    """A running `oxigraph serve` on a loopback port; its process is always killed when the fixture ends."""

    url: str
    process: subprocess.Popen

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    def settings(self, **overrides: object) -> RemoteSettings:
        """Settings for a RemoteStore on this server (Graph Store Protocol and update endpoints included)."""
        values: dict = {
            "query_url": self.query_url,
            "update_url": f"{self.url}/update",
            "gsp_url": f"{self.url}/store",
            "timeout": 30.0,
        }
        values.update(overrides)
        return RemoteSettings(**values)

    def clear(self) -> None:
        """Empty the server (every graph), so tests do not see each other's data."""
        httpx.post(f"{self.url}/update", data={"update": "DROP ALL"}, timeout=60).raise_for_status()


def start_oxigraph(location: Path, *extra: str) -> OxigraphServer:
    """Start `oxigraph serve` on a free port and wait until it answers."""
    executable = OXIGRAPH if OXIGRAPH.exists() else shutil.which("oxigraph")
    if executable is None:
        raise FileNotFoundError("the oxigraph server is not installed (pip install oxigraph)")
    for _attempt in range(3):  # another process may take the port between choosing and binding it
        port = free_port()
        process = subprocess.Popen(
            [str(executable), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    return OxigraphServer(url, process)
            except httpx.HTTPError:
                time.sleep(0.1)
        process.kill()
        process.wait(10)
    raise RuntimeError("the oxigraph server did not start")


def stop_oxigraph(server: OxigraphServer) -> None:
    server.process.kill()
    server.process.wait(10)
    if server.process.stderr is not None:
        server.process.stderr.close()
