"""Peak memory of building and measuring each all-chats network, on a cached benchmark dataset (a lead for the
10 M out-of-memory of session 10: bench/results/ENGINE.md).

    python -m bench.network_peak 1m     # after `make bench` (or data.prepare) made bench/work/data-1m
"""

import sys
import time
from pathlib import Path

from kg.indexes import network as N
from kg.store import OxigraphStore

WORK = Path(__file__).resolve().parent / "work"


def mem() -> tuple[int, int]:
    """(resident, high-water mark) in MB."""
    d = {
        line.split(":")[0]: int(line.split()[1]) // 1024
        for line in open("/proc/self/status")
        if line.startswith(("VmRSS", "VmHWM"))
    }
    return d["VmRSS"], d["VmHWM"]


def main(size: str) -> None:
    store = OxigraphStore(None)
    store.load(WORK / f"data-{size}" / "qikg.trig", "k")
    net = N.Networks(lambda q: store.query(q).rows)
    facts = net.facts
    for name in N.NETWORKS:
        r0, h0 = mem()
        t = time.perf_counter()
        built = N.build(facts, name, None)
        g = built.graph
        r1, h1 = mem()
        print(
            size,
            name,
            "nodes",
            g.number_of_nodes(),
            "edges",
            g.number_of_edges(),
            "max degree",
            max((d for _, d in g.degree()), default=0),
            "s",
            round(time.perf_counter() - t, 1),
            "rss",
            r0,
            "->",
            r1,
            "hwm",
            h0,
            "->",
            h1,
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1])
