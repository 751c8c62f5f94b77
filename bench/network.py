"""Who connects whom at every size: the cost of computing the networks once, and of serving /api/network after.

    python -m bench.network [--sizes seed,100k,1m] [--requests 200]

For each size (the datasets of bench/data.py): in this process, the facts query on an embedded Oxigraph store and
building each network with its measures (what the API does once per loaded store); then a real uvicorn server on
127.0.0.1 with that data: the first /api/network call (which builds the people network) and the latency of the
network routes after it (sequential requests, median and p99). Writes bench/results/network.json and network.md.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench import data
from bench.routes import report_head, run_sizes, serve_and_time

RESULTS = data.ROOT / "bench" / "results"
ROUTES = [
    "/api/network/people/nodes?limit=20",
    "/api/network/people/bridges?limit=10",
    "/api/network/organisations/links?limit=10",
    "/api/network/compare",
    "/api/network/themes/nodes?limit=20&kind=theme",
]


def compute(ds: data.Dataset) -> dict:
    """Facts query and each network's build, timed in this process on an in-memory Oxigraph store."""
    from kg.indexes.network import Networks
    from kg.store import open_store

    store = open_store("oxigraph")
    started = time.perf_counter()
    store.load(ds.nquads)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    networks = Networks(lambda sparql: store.query(sparql).rows)
    out: dict = {
        "load_s": round(loaded, 2),
        "facts": len(networks.facts),
        "read_facts_s": round(time.perf_counter() - started, 3),
        "networks": {},
    }
    for name in ("people", "organisations", "themes"):
        started = time.perf_counter()
        network = networks.get(name)  # type: ignore[arg-type]
        out["networks"][name] = {
            "build_s": round(time.perf_counter() - started, 3),
            "nodes": network.graph.number_of_nodes(),
            "edges": network.graph.number_of_edges(),
            "communities": len(network.communities),
            "sampled": network.betweenness_sampled,
        }
    store.close()
    return out


def serve(ds: data.Dataset, requests: int) -> dict:
    """The network routes over HTTP on our API (embedded Oxigraph), after the networks are built."""
    out = serve_and_time(
        ds,
        ROUTES,
        warm=["/api/network/people/nodes?limit=1", "/api/network/organisations", "/api/network/themes"],
        requests=requests,
        scratch_prefix="network-",
    )
    out["first_request_s"] = out["first_s"]["/api/network/people/nodes?limit=1"]["s"]
    return out


def write(results: dict, folder: Path) -> None:
    lines = report_head(
        results,
        folder,
        "network",
        "Who connects whom: computing the networks and serving /api/network",
        "computed once per load, `/api/network` median ≤ 10 ms at 1 M quads",
    )
    lines += [
        "| size | quads | facts | read facts | people (nodes / build) | organisations | themes | first request "
        "| routes: median / p99 (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in results["sizes"].items():
        c, s = r["compute"], r["serve"]
        nets = c["networks"]
        routes = "; ".join(
            f"`{route.split('?')[0].removeprefix('/api/network/')}` {v['median_ms']} / {v['p99_ms']}"
            for route, v in s["routes"].items()
        )
        lines.append(
            f"| {size} | {r['quads']:,} | {c['facts']:,} | {c['read_facts_s']} s | "
            f"{nets['people']['nodes']:,} / {nets['people']['build_s']} s | "
            f"{nets['organisations']['nodes']:,} / {nets['organisations']['build_s']} s | "
            f"{nets['themes']['nodes']:,} / {nets['themes']['build_s']} s | {s['first_request_s']} s | "
            f"{routes} |"
        )
    (folder / "network.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    return run_sizes(
        "network", __doc__ or "", lambda ds, n: {"compute": compute(ds), "serve": serve(ds, n)}, write, argv
    )


if __name__ == "__main__":
    raise SystemExit(main())
