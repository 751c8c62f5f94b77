"""What `qikg add REPORT.txt` costs as the graph grows: one chat added into graphs of 1, 7 and 50 chats.

The graph of N chats is the seed report plus N-1 records files made for this benchmark only from the invented
28 February report (tests/kg/extract/fixtures, TEST DATA) with their dates moved a week apart (bench-only
registries in a temporary folder; synthetic-typed chats would be refused by the build). The chat added is the
invented 31 January report. Each `qikg add` runs in its own process (`--no-reason`, as a host would for a quick
add; HermiT excluded; `--reason` runs HermiT in every build and add), after an untimed build of the N chats (which
leaves the cache an incremental add starts from: cached records, the SHACL state, each graph's dump text and its
share of the TriG order), and is timed from outside, with its stage timings and
the load average after it (1, 5, 15 minutes).

    .venv/bin/python -m bench.add_chat --sizes 1 --sizes 7 --sizes 50 --rounds 3 --out bench/results/add_chat.json
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
ADDED = FIXTURES / "leadingqi-2023-01-31-report.txt"
TEMPLATE = FIXTURES / "leadingqi-2023-02-28-report.txt"
ADDED_CHAT = "2023-01-31"


def _qikg(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ}
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"qikg {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return took, done.stdout + done.stderr


def make_world(folder: Path, chats: int) -> Path:
    """A registry of `chats` chats in `folder`: the seed and chats-1 dated copies of the February records."""
    from kg.extract.report import extract
    from kg.sources.registry import Registry

    folder.mkdir(parents=True)
    shutil.copyfile(SEED, folder / SEED.name)
    shutil.copyfile(SEED.with_name(f"{SEED.stem}.curation.yaml"), folder / f"{SEED.stem}.curation.yaml")
    registry = Registry(folder / "registry.yaml", [])
    registry.save()
    registry.add(folder / SEED.name)
    template = extract(TEMPLATE)
    for i in range(chats - 1):
        date = dt.date(2024, 1, 2) + dt.timedelta(weeks=i)
        chat = template.chat.model_copy(update={"date": date, "slug": date.isoformat()})
        records = template.model_copy(update={"chat": chat, "source_slug": f"bench-{date.isoformat()}", "warnings": []})
        path = folder / f"bench-{date.isoformat()}.json"
        path.write_text(records.model_dump_json(indent=1), encoding="utf-8")
        registry.add(path)
    return registry.path


def _stages(output: str) -> dict[str, float]:
    """The build's own stage timings ('extract 0.16s, build 0.76s, ...') from its output."""
    import re

    text = " ".join(output.split())
    return {m[1]: float(m[2]) for m in re.finditer(r"\b([a-z_]+) (\d+\.\d+)s\b", text)}


def main(
    sizes: Annotated[list[int], typer.Option(help="Graph sizes (chats) to add one chat into.")] = [1, 7, 50],  # noqa: B006
    rounds: Annotated[int, typer.Option(help="Adds per size; sizes take turns in each round.")] = 1,
    out: Annotated[Path, typer.Option(help="Where the results go (JSON).")] = ROOT / "bench/results/add_chat.json",
    reason: Annotated[bool, typer.Option(help="Run HermiT in every build and add (default: --no-reason).")] = False,
) -> None:
    """Build every size once, then in each round add the chat to each size in turn (and remove it again, which
    rebuilds, untimed): on a shared machine the sizes then see the same load, and the ratio uses each size's
    fastest add."""
    flag = "--reason" if reason else "--no-reason"
    with tempfile.TemporaryDirectory(prefix="qikg-add-bench-") as tmp:
        worlds = {}
        for n in sizes:
            registry = make_world(Path(tmp) / f"chats-{n}", n)
            build = Path(tmp) / f"build-{n}"
            base, _ = _qikg("build", "--out", str(build), flag, "--registry", str(registry))
            worlds[n] = (registry, build, base)
        runs: dict[int, list[dict]] = {n: [] for n in sizes}
        for i in range(rounds):
            for n in sizes:
                registry, build, _ = worlds[n]
                took, output = _qikg("add", str(ADDED), "--out", str(build), flag, "--registry", str(registry))
                run = {"round": i + 1, "add_seconds": round(took, 2), "load_average": list(os.getloadavg())}
                run["add_stages"] = _stages(output)
                runs[n].append(run)
                print(json.dumps({"chats_before": n, **run}), flush=True)
                _qikg("remove", ADDED_CHAT, "--out", str(build), flag, "--registry", str(registry))
    results = []
    for n in sizes:
        best = min(runs[n], key=lambda r: r["add_seconds"])
        results.append(
            {
                "chats_before": n,
                "build_seconds": round(worlds[n][2], 2),
                "add_seconds": best["add_seconds"],
                "add_seconds_all": [r["add_seconds"] for r in runs[n]],
                "incremental": all("shacl_region" in r["add_stages"] for r in runs[n]),
                "reasoned_over_region": all("reason_region" in r["add_stages"] for r in runs[n]) if reason else None,
                "add_stages": best["add_stages"],
                "load_average": [round(x, 2) for x in best["load_average"]],
            }
        )
    one = next((r["add_seconds"] for r in results if r["chats_before"] == 1), None)
    for r in results:
        r["vs_one_chat"] = round(r["add_seconds"] / one, 2) if one else None
    command = "python -m bench.add_chat " + " ".join(f"--sizes {n}" for n in sizes) + f" --rounds {rounds}"
    command += " --reason" if reason else ""
    largest, smallest = runs[sizes[-1]], runs[sizes[0]]  # each round's ratio, largest size to smallest
    rounds_ratio = [round(largest[i]["add_seconds"] / smallest[i]["add_seconds"], 2) for i in range(rounds)]
    meta = {"command": command, "cpus": os.cpu_count(), "reason": reason, "ratio_per_round": rounds_ratio}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    typer.run(main)
