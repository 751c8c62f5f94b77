"""The seed build's time (extract, RDF, SHACL + quality checks, HermiT; no file writing), in fresh processes.

    .venv/bin/python -m bench.seed_build [--runs 5] [--against DIR]

Each run is a new Python process, as `qikg build` is (parsed ontology and compiled patterns are not reused). With
`--against DIR` (another checkout of the project, e.g. `git worktree add /tmp/before HEAD~1`) the two are run
alternately, so both see the same load on the machine: compare the ratio, not seconds measured at different times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("extract_s", "build_s", "validate_s", "reason_s", "reason_hermit_s", "seed_build_s")

# The same phases for a checkout from before `kg.pipeline.seed_build` existed (validation, then reasoning).
_CHILD = """
import json, time
from pathlib import Path
try:  # the package layout of issue 11
    from kg.pipeline.inputs import default_sources
    from kg.pipeline.run import seed_build
except ImportError:  # a checkout from before it (one kg/pipeline.py)
    from kg import pipeline
    default_sources, seed_build = pipeline.default_sources, getattr(pipeline, "seed_build", None)
sources = [Path(s) for s in default_sources()]
if seed_build is not None:
    timings = seed_build(sources, say=lambda _m: None).timings
else:
    from kg.reason import reason
    from kg.validate import validate_dataset
    timings, t_all = {}, time.perf_counter()
    t = time.perf_counter()
    records = pipeline.extract_all(sources)
    timings["extract_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    ds = pipeline.assemble(records, [])
    timings["build_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    validate_dataset(ds)
    timings["validate_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    timings.update(reason(ds).timings)
    timings["reason_s"] = round(time.perf_counter() - t, 3)
    timings["seed_build_s"] = round(time.perf_counter() - t_all, 3)
print(json.dumps(timings))
"""


def one_run(checkout: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], cwd=checkout, env=env, capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_build", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout to run alternately (the baseline)")
    args = parser.parse_args(argv)
    checkouts = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for i in range(args.runs):
        for name, checkout in checkouts.items():
            timings = one_run(checkout)
            runs[name].append(timings)
            print(
                f"run {i + 1} {name:8s} "
                + "  ".join(f"{k.removesuffix('_s')} {timings[k]:.2f}" for k in KEYS if k in timings),
                flush=True,
            )
    medians = {
        name: {k: statistics.median(t[k] for t in ts) for k in KEYS if all(k in t for t in ts)}
        for name, ts in runs.items()
    }
    for name, m in medians.items():
        print(f"median   {name:8s} " + "  ".join(f"{k.removesuffix('_s')} {v:.2f}" for k, v in m.items()))
    if args.against:
        ratios = [a["seed_build_s"] / b["seed_build_s"] for a, b in zip(runs["this"], runs["against"], strict=True)]
        print(
            "seed build this/against per run: "
            + " ".join(f"{r:.2f}" for r in ratios)
            + f"  (median {statistics.median(ratios):.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
