"""API start-up on the seed: a build whose store the build loaded, against one the server must load itself.

Since issue 11 the pipeline's last step loads `<build>/store` under the build's key, so the server opens a loaded
store; before, every start after a build loaded the TriG first (as it still does for a remote store or an older
build). Start-up is the time from starting uvicorn to the first 200 from /health (which answers once the store is
open and the catalogue built). Runs alternate between the two folders; each "self-loading" run gets a fresh copy of
the build's files without store/.

    python -m bench.startup [--runs 5] [--out bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.machine import info
from bench.servers import api_server
from kg.pipeline.run import build

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / "startup.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qikg-startup-") as tmp:
        base = Path(tmp)
        loaded = base / "loaded" / "build"
        result = build(loaded)  # the seed, with HermiT, store loaded as the last step
        times: dict[str, list[float]] = {"store loaded by the build": [], "server loads the store": []}
        for run in range(args.runs):
            with api_server(loaded, "oxigraph", base / f"loaded-{run}.log") as server:
                times["store loaded by the build"].append(server.started_s)
            fresh = base / f"self-{run}" / "build"
            fresh.mkdir(parents=True)
            for path in loaded.iterdir():
                if path.is_file():
                    shutil.copy2(path, fresh / path.name)
            with api_server(fresh, "oxigraph", base / f"self-{run}.log") as server:
                times["server loads the store"].append(server.started_s)
    report = {
        "command": f"python -m bench.startup --runs {args.runs}",
        "machine": info(),
        "build_load_store_s": result.load_store_s,
        "startup_s": {name: {"runs": runs, "median": statistics.median(runs)} for name, runs in times.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name, runs in times.items():
        print(f"{name}: median {statistics.median(runs):.2f} s over {len(runs)} runs {runs}")
    print(f"the build's own store load: {result.load_store_s} s")


if __name__ == "__main__":
    main()
