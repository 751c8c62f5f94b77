"""What compacting a persisted store after its load (`OxigraphStore(optimize=True)`, the default) costs and gains.

    .venv/bin/python -m bench.optimize FILE [REPEATS]

Loads FILE into two persisted stores, one compacted and one not, then runs every competency query on both in turn
(REPEATS times each, alternating, so the machine's noise hits both alike) and prints a markdown table: load and
compaction seconds, each query's median on both, and their ratio.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import latency
from kg.store import OxigraphStore


def _timed(store: OxigraphStore, text: str) -> float:
    started = time.perf_counter()
    store.query(text, timeout=600)
    return time.perf_counter() - started


def compare(source: Path, repeats: int = 5) -> str:
    folder = Path(tempfile.mkdtemp(prefix="bench-optimize-"))
    try:
        stores = {
            "optimized": OxigraphStore(folder / "optimized"),
            "plain": OxigraphStore(folder / "plain", optimize=False),
        }
        lines = []
        for name, store in stores.items():
            store.load(source, key="bench")
            load = store.last_load
            lines.append(f"- {name}: load {load['total_s']} s, of which compaction {load.get('optimize_s', 0)} s")
        lines += ["", "| query | plain ms | optimized ms | optimized / plain |", "|---|---|---|---|"]
        ratios = []
        for name, text in latency.cq_queries():
            times: dict[str, list[float]] = {n: [] for n in stores}
            for _ in range(repeats):
                for n, store in stores.items():
                    times[n].append(_timed(store, text))
            plain, optimized = (statistics.median(times[n]) for n in ("plain", "optimized"))
            ratios.append(optimized / plain)
            lines.append(f"| {name} | {plain * 1000:.1f} | {optimized * 1000:.1f} | {optimized / plain:.2f} |")
        lines.append(
            f"\nGeometric mean of the ratios: {statistics.geometric_mean(ratios):.2f} "
            f"({len(ratios)} queries x {repeats}, {source.name})"
        )
        for store in stores.values():
            store.close()
        return "\n".join(lines)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    print(compare(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5))
