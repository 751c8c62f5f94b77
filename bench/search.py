"""Full-text search at every size: building the FTS5 index once per load, and /api/search after it.

    python -m bench.search [--sizes seed,100k,1m] [--requests 200]

For each size (bench/data.py): in this process, the catalogue read from an in-memory Oxigraph store and the search
index built from it (what the build's step kg/pipeline/indexes.py does, and the API when a build has no stored
indexes), both stored in the dataset's folder as a build stores them (`<build>/indexes/`) and loaded back; then a
real uvicorn server on 127.0.0.1, which loads those stored indexes: the first search, then, once the server has
finished what it builds in the background after start-up (the networks: a minute of CPU at 1 M quads, which would
share the GIL with the timed requests), sequential searches of a word, a common word, a phrase, a prefix, a synonym
and a filtered query (median and p99).
Target (issue 15): median ≤ 10 ms at 1 M quads. Writes bench/results/search.json and .md.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench import data
from bench.routes import report_head, run_sizes, serve_and_time

RESULTS = data.ROOT / "bench" / "results"
QUERIES = {
    "a word": "q=nemawashi",
    "a common word": "q=improvement",
    "a phrase": "q=%22golden+thread%22",
    "a prefix": "q=coach*",
    "a synonym": "q=gemba",
    "filtered": "q=leaders&kind=quote&question=Q3",
}


def build(ds: data.Dataset) -> dict:
    """The catalogue and the index, timed in this process; the same queries in-process for comparison."""
    from kg.indexes.catalogue import Catalogue
    from kg.store import open_store

    store = open_store("oxigraph")
    store.load(ds.nquads)
    started = time.perf_counter()
    catalogue = Catalogue.read(store, "https://w3id.org/qikg/id/")
    out: dict = {"catalogue_s": round(time.perf_counter() - started, 2)}
    started = time.perf_counter()
    index = catalogue.search_index()
    out |= {"index_s": round(time.perf_counter() - started, 3), "documents": len(index.documents)}
    from kg.indexes import stored
    from kg.pipeline.manifest import build_key

    key = build_key(ds.trig_dir)  # the key the server's store is loaded under: it then uses these files
    out["stored"] = stored.write(ds.trig_dir, catalogue, key)
    started = time.perf_counter()
    found = stored.load(ds.trig_dir, key, catalogue.id_base)
    assert found.catalogue is not None, found.reason
    out["stored"]["load_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    index = found.catalogue.search_index()  # the in-process searches below run on the stored, memory-mapped file
    out["stored"]["open_search_s"] = round(time.perf_counter() - started, 3)
    from urllib.parse import parse_qs

    inproc = {}
    for name, query in QUERIES.items():
        params = {k: v[0] for k, v in parse_qs(query).items()}
        text = params.pop("q")
        if "question" in params:
            params["questions"] = [q["id"] for q in catalogue.questions if f"Q{q['number']}" == params["question"]]
            del params["question"]
        times, hits = [], []
        for _ in range(20):
            t = time.perf_counter()
            _, total, hits = index.search(text, limit=50, **params)  # the API's page: 50 (api/deps.Page)
            times.append((time.perf_counter() - t) * 1000)
        inproc[name] = {"median_ms": round(statistics.median(times), 2), "hits": total}
    out["in_process"] = inproc
    store.close()
    return out


def write(results: dict, folder: Path) -> None:
    lines = report_head(
        results,
        folder,
        "search",
        "Full-text search: the index and /api/search",
        "`/api/search` median ≤ 10 ms at 1 M quads",
    )
    lines += [
        "| size | quads | documents | catalogue read | index built | stored: load / open index | first search | "
        + " | ".join(QUERIES)
        + " |",
        "|---" * (7 + len(QUERIES)) + "|",
    ]
    for size, r in results["sizes"].items():
        b, s = r["build"], r["serve"]
        cells = []
        for name, query in QUERIES.items():
            timing = s["routes"][f"/api/search?{query}"]
            cpu = f", CPU {timing['server_cpu_ms']} ms" if "server_cpu_ms" in timing else ""
            cells.append(f"{timing['median_ms']} / {timing['p99_ms']} ms{cpu} ({b['in_process'][name]['hits']} hits)")
        lines.append(
            f"| {size} | {r['quads']:,} | {b['documents']:,} | {b['catalogue_s']} s | {b['index_s']} s | "
            f"{b['stored']['load_s']} s / {b['stored']['open_search_s']} s | "
            f"{s['first_s']['/api/search?q=genba']['s']} s | " + " | ".join(cells) + " |"
        )
    lines += [
        "",
        "Each query cell: median / p99 over HTTP (sequential requests), the server's CPU time per request (what other "
        "work on the machine does not inflate), and the number of hits. The server serves the "
        "stored indexes (catalogue.json and the memory-mapped search.sqlite); catalogue read and index built are "
        "what the build's step pays (in this process, on an in-memory store).",
    ]
    for size, r in results["sizes"].items():
        b, s = r["build"], r["serve"]
        inproc = ", ".join(f"{name} {b['in_process'][name]['median_ms']} ms" for name in QUERIES)
        settled = s.get("settled_after_s")
        lines += [
            "",
            f"{size}: timed {settled} s after the first search, once the server's background work was done"
            if settled is not None
            else f"{size}: timed right after the first search",
            f"(in this process, the index's own search of a page of 50: {inproc}).",
        ]
    (folder / "search.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    def measure(ds: data.Dataset, requests: int) -> dict:
        return {
            "build": build(ds),
            "serve": serve_and_time(
                ds,
                [f"/api/search?{q}" for q in QUERIES.values()],
                warm=["/api/search?q=genba"],
                requests=requests,
                scratch_prefix="search-",
                settled=True,
            ),
        }

    return run_sizes("search", __doc__ or "", measure, write, argv)


if __name__ == "__main__":
    raise SystemExit(main())
