"""Where reading the catalogue from the store goes (what the build's step and the API's fallback pay).

For each size (bench/data.py) the dataset is loaded into an on-disk embedded store as the build loads it, then each
of the catalogue's queries (kg/indexes/queries/) is timed twice: the engine alone (pyoxigraph's rows iterated,
nothing converted) and through the store's interface (rows converted to rdflib terms, as the catalogue reads them);
then `Catalogue.read` as a whole, under cProfile, with its top functions.

    python -m bench.profile_catalogue [--sizes 100k,1m]   # writes bench/results/catalogue_profile.md
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import time

import pyoxigraph as ox

from bench import data, machine
from kg.indexes.catalogue import Catalogue
from kg.indexes.catalogue.values import load
from kg.store import OxigraphStore

QUERIES = ["chats", "questions", "participants", "organisations", "quotes", "resources", "resource_reasons"]
QUERIES += ["theme_labels", "tagged_items", "item_kinds"]
RESULTS = data.ROOT / "bench" / "results"


def profile(size: str) -> list[str]:
    ds = data.prepare(size, progress=lambda m: print(m, flush=True))
    scratch = data.scratch_dir(f"profile-catalogue-{size}-")
    try:
        store = OxigraphStore(scratch / "store")
        store.load(ds.trig_dir / "qikg.trig", "profile")
        raw: ox.Store = store._store  # type: ignore[assignment]  # the engine itself, for the engine-only timing
        lines = [
            f"## {size}: {ds.quads:,} quads",
            "",
            "| query | rows | engine alone | through the store (converted) |",
        ]
        lines.append("|---|---|---|---|")
        for name in QUERIES:
            started = time.perf_counter()
            rows = sum(1 for _ in raw.query(load(name)))
            engine = time.perf_counter() - started
            started = time.perf_counter()
            store.query(load(name))
            whole = time.perf_counter() - started
            lines.append(f"| {name} | {rows:,} | {engine:.3f} s | {whole:.3f} s |")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        Catalogue.read(store, "https://w3id.org/qikg/id/")
        profiler.disable()
        total = time.perf_counter() - started
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        store.close()
        top = [ln for ln in out.getvalue().splitlines() if ln.strip()][-13:]
        head = f"`Catalogue.read` (under cProfile, which slows Python code): {total:.2f} s; top functions by own time:"
        return [*lines, "", head, "", "```", *top, "```", ""]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k")
    args = parser.parse_args(argv)
    info = machine.info()
    lines = [
        "# Reading the catalogue from the store: where the time goes",
        "",
        f"`python -m bench.profile_catalogue {' '.join(argv if argv is not None else sys.argv[1:])}` at commit "
        f"{info.get('git_commit', '?')}, {info.get('date', '')}; {info.get('cores_logical', '?')} cores (shared).",
        "",
    ]
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        lines += profile(size)
        (RESULTS / "catalogue_profile.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
