"""Rebuilding the folder a server serves: requests answered and their latency during the builds, and how long after
a build ends the server answers from it (`python -m bench.reload [--rounds N] [--no-reason]`).

A seed build goes into a scratch folder, `qikg serve --data` serves it (store inside the folder, as by default), a
thread sends /sparql, /health and /api/themes in a loop, and `qikg build --out` rebuilds the folder N times. The
lag is from the new build's manifest appearing in the folder to the server's store pointer naming a new generation
(its load of the new build done). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
QUERY = "SELECT ?t WHERE { ?t a <https://w3id.org/qikg/ontology#Theme> } LIMIT 5"


def _qikg(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=ROOT, check=True, capture_output=True)


def _generation(out: Path) -> str | None:
    try:
        return json.loads((out / "store" / "CURRENT.json").read_text())["generation"]
    except (OSError, ValueError, KeyError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-reason", action="store_true", help="rebuild without HermiT")
    args = parser.parse_args()
    reason = ["--no-reason"] if args.no_reason else []
    scratch = Path(tempfile.mkdtemp(prefix="qikg-reload-"))
    out = scratch / "build"
    _qikg("build", "--out", str(out), *reason)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "QIKG_STORE_DIR"}
    server = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--data", str(out), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    samples: list[tuple[bool, float]] = []  # (during a build, seconds)
    failures: list[str] = []
    building = threading.Event()
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while not stop.is_set():
                for path, params in (("/sparql", {"query": QUERY}), ("/health", None), ("/api/themes", None)):
                    during = building.is_set()
                    t = time.perf_counter()
                    try:
                        response = http.get(path, params=params, headers={"Accept": "application/json"})
                        if response.status_code != 200:
                            failures.append(f"{path} {response.status_code}")
                    except httpx.HTTPError as error:
                        failures.append(f"{path} {error!r}")
                    samples.append((during, time.perf_counter() - t))

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        thread = threading.Thread(target=traffic, daemon=True)
        thread.start()
        time.sleep(3)
        lags = []
        for _ in range(args.rounds):
            before, manifest = _generation(out), (out / "manifest.json").stat().st_ino
            building.set()
            builder = subprocess.Popen(
                [sys.executable, "-m", "kg.cli", "build", "--out", str(out), *reason],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            swapped = None
            limit = time.perf_counter() + 600
            while _generation(out) == before and time.perf_counter() < limit:
                if swapped is None and (out / "manifest.json").stat().st_ino != manifest:
                    swapped = time.perf_counter()  # the new build is in the folder
                time.sleep(0.01)
            loaded = time.perf_counter()
            lags.append(round(loaded - (swapped or loaded), 2))
            if builder.wait(600) != 0:
                raise RuntimeError("the build failed")
            time.sleep(2)  # the catalogue and the workers settle on the new generation
            building.clear()
            time.sleep(2)
        stop.set()
        thread.join(60)
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(scratch, ignore_errors=True)

    def summary(values: list[float]) -> dict:
        values = sorted(values)
        return (
            {
                "n": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "max_ms": round(values[-1] * 1000, 1),
            }
            if values
            else {"n": 0}
        )

    print(
        json.dumps(
            {
                "rounds": args.rounds,
                "reasoner": not args.no_reason,
                "failures": failures,
                "reload_lag_s": lags,
                "requests_idle": summary([s for d, s in samples if not d]),
                "requests_during_builds": summary([s for d, s in samples if d]),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
