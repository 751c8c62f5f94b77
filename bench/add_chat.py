"""What `qikg add REPORT.txt` costs as the graph grows: one chat added into graphs of 1, 7 and 50 chats.

The graph of N chats is the seed report plus N-1 records files made for this benchmark only from the invented
28 February report (tests/kg/extract/fixtures, TEST DATA) with their dates moved a week apart (bench-only
registries in a temporary folder; synthetic-typed chats would be refused by the build). The chat added is the
invented 31 January report. Each `qikg add` runs in its own process (`--no-reason`, as a host would for a quick
add; HermiT excluded), after an untimed build of the N chats, and is timed from outside, with its stage timings.

    .venv/bin/python -m bench.add_chat --sizes 1 7 50 --out bench/results/add_chat.json
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
    out: Annotated[Path, typer.Option(help="Where the results go (JSON).")] = ROOT / "bench/results/add_chat.json",
) -> None:
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="qikg-add-bench-") as tmp:
            registry = make_world(Path(tmp) / "chats", n)
            build = Path(tmp) / "build"
            base, _ = _qikg("build", "--out", str(build), "--no-reason", "--registry", str(registry))
            took, output = _qikg("add", str(ADDED), "--out", str(build), "--no-reason", "--registry", str(registry))
            row = {"chats_before": n, "build_seconds": round(base, 2), "add_seconds": round(took, 2)}
            row["add_stages"] = _stages(output)
            results.append(row)
            print(json.dumps(row), flush=True)
    one = next((r["add_seconds"] for r in results if r["chats_before"] == 1), None)
    for r in results:
        r["vs_one_chat"] = round(r["add_seconds"] / one, 2) if one else None
    meta = {"command": "python -m bench.add_chat --sizes " + " ".join(map(str, sizes)), "cpus": os.cpu_count()}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    typer.run(main)
