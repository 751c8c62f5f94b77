"""Load rate and resident memory per quad, each back-end measured in a fresh process so numbers never mix.

    python -m bench.loadrate BACKEND FILE [STORE_DIR]   (prints one JSON object)

Back-ends: `oxigraph` (kg.store.OxigraphStore persisted under STORE_DIR, the API's default), `oxigraph-memory`
(OxigraphStore in memory), `rdflib` (kg.store.RdflibStore). RSS is read with psutil before and after the load,
after a garbage collection; the store object is still alive when measured. Oxigraph server is measured by
`server_load` from the parent: the quads are POSTed to its Graph Store Protocol endpoint.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

BACKENDS = ("oxigraph", "oxigraph-memory", "rdflib")


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure_here(backend: str, data: Path, store_dir: Path | None) -> dict:
    """Load `data` into a new store of `backend` in this process and report time and memory."""
    from kg.store import OxigraphStore, RdflibStore

    proc = psutil.Process()
    gc.collect()
    before = proc.memory_info().rss
    if backend == "oxigraph":
        store = OxigraphStore(store_dir)
    elif backend == "oxigraph-memory":
        store = OxigraphStore(None)
    elif backend == "rdflib":
        store = RdflibStore()
    else:
        raise ValueError(f"unknown back-end {backend!r}")
    started = time.perf_counter()
    store.load(data, key="bench")
    seconds = time.perf_counter() - started
    quads = store.triple_count()
    gc.collect()
    after = proc.memory_info().rss
    out = {"backend": backend, "quads": quads, "seconds": round(seconds, 3),
           "quads_per_s": round(quads / seconds) if seconds else None,
           "rss_before": before, "rss_after": after,
           "bytes_per_quad": round((after - before) / quads, 1) if quads else None}
    if store_dir is not None and backend == "oxigraph":
        out["disk_bytes"] = _dir_bytes(store_dir)
        out["disk_bytes_per_quad"] = round(out["disk_bytes"] / quads, 1) if quads else None
    store.close()
    return out


def measure(backend: str, data: Path, store_dir: Path | None = None, timeout: float = 900.0) -> dict:
    """`measure_here` in a fresh interpreter (so one back-end's memory never shows in another's)."""
    cmd = [sys.executable, "-m", "bench.loadrate", backend, str(data)] + ([str(store_dir)] if store_dir else [])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=Path(__file__).parents[1])
    if done.returncode != 0:
        return {"backend": backend, "error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def server_load(server, data: Path, timeout: float = 900.0) -> dict:
    """POST the N-Quads file to Oxigraph server's /store (Graph Store Protocol), then make its default graph the merge
    of the named graphs with one SPARQL update, as our stores hold the data; the server's RSS is read around it."""
    before = server.rss()
    started = time.perf_counter()
    with httpx.Client(timeout=timeout) as client, data.open("rb") as body:
        response = client.post(server.base + "/store", content=body,
                               headers={"Content-Type": "application/n-quads"})
    seconds = time.perf_counter() - started
    if response.status_code >= 300:
        return {"backend": "oxigraph-server", "error": f"HTTP {response.status_code}: {response.text[:200]}"}
    started = time.perf_counter()
    with httpx.Client(timeout=timeout) as client:
        merged = client.post(server.base + "/update",
                             data={"update": "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"})
    merge_s = time.perf_counter() - started
    if merged.status_code >= 300:
        return {"backend": "oxigraph-server", "error": f"merge: HTTP {merged.status_code}: {merged.text[:200]}"}
    with httpx.Client(timeout=120) as client:
        count = client.post(server.sparql_url, data={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                            headers={"Accept": "application/sparql-results+json"}).json()
    quads = int(count["results"]["bindings"][0]["n"]["value"])
    time.sleep(0.5)
    after = server.rss()
    return {"backend": "oxigraph-server", "quads": quads, "seconds": round(seconds + merge_s, 3),
            "load_s": round(seconds, 3), "merge_s": round(merge_s, 3),
            "quads_per_s": round(quads / (seconds + merge_s)) if seconds else None, "rss_before": before,
            "rss_after": after, "bytes_per_quad": round((after - before) / quads, 1) if quads else None,
            "via": "POST /store (GSP), then one SPARQL update merging the graphs into the default graph"}


if __name__ == "__main__":
    name, path = sys.argv[1], Path(sys.argv[2])
    folder = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    print(json.dumps(measure_here(name, path, folder)))
