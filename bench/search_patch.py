"""The search index of an added chat: patched from the previous build's (what `qikg add` does now) or built whole
(what it did before), in this process, side by side.

    python -m bench.search_patch [--sizes seed,1m] [--repeat 5]

seed: real builds (no reasoner) of the seed report and the invented January chat, then of those and the invented
February chat (tests/kg/extract/fixtures, TEST DATA), which shares people with the seed; the index of the first is
patched into the second's, or the second's built whole. 1m: the catalogue of bench/work/data-1m (bench/data.py;
read from its stored catalogue.json, which a build of any format version wrote) without its last chat (its
questions and quotes), patched into the whole catalogue's index, or that built whole; the synthetic chats' people
keep their words, so this diff is the chat's own documents and the shifted catalogue places only.

Both ways write `search.sqlite` as the build's step does (kg/indexes/stored.py: the file copied and patched, or the
index built in memory and saved); the catalogue, read from the store in both cases, is not timed. Each way is
timed `--repeat` times, alternately; the median counts. Writes bench/results/search_patch.json and a section of
bench/results/search.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import data, machine

RESULTS = data.ROOT / "bench" / "results"
FIXTURES = data.ROOT / "tests" / "kg" / "extract" / "fixtures"
SEED = data.ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"


def _catalogues_seed(work: Path) -> tuple:
    """The catalogues before the add and after it, from real builds."""
    from kg.indexes.catalogue import Catalogue
    from kg.pipeline.run import build

    catalogues = []
    for name, reports in (("before", [SEED, FIXTURES / "leadingqi-2023-01-31-report.txt"]),
                          ("after", [SEED, FIXTURES / "leadingqi-2023-01-31-report.txt",
                                     FIXTURES / "leadingqi-2023-02-28-report.txt"])):  # fmt: skip
        out = work / name
        build(out, reports, reasoner=False, load_store=False)
        text = json.loads((out / "indexes" / "catalogue.json").read_text(encoding="utf-8"))
        catalogues.append(Catalogue.from_data(text["data"]))
    return catalogues[0], catalogues[1]


def _catalogues_1m() -> tuple:
    from kg.indexes.catalogue import Catalogue

    path = data.WORK / "data-1m" / "indexes" / "catalogue.json"
    if not path.is_file():  # a worktree without its own datasets: the main tree's, read only
        path = Path("/work/main/bench/work/data-1m/indexes/catalogue.json")
    whole = json.loads(path.read_text(encoding="utf-8"))["data"]
    last = whole["chats"][-1]["id"]
    before = {
        **whole,
        "chats": whole["chats"][:-1],
        "questions": [q for q in whole["questions"] if q["chat"] != last],
        "quotes": [q for q in whole["quotes"] if q["chat"] != last],
    }
    return Catalogue.from_data(before), Catalogue.from_data(whole)


def measure(before, after, work: Path, repeat: int) -> dict:
    """The index step's search part both ways (`stored._patched`, and what `stored.write` does without a previous
    index), `repeat` times each, alternately."""
    from kg.indexes import stored
    from kg.indexes.search import SearchIndex

    previous = work / "previous.sqlite"
    SearchIndex(before.documents(), before.synonyms()).save(previous, stored._search_header("bench", before.id_base))
    (work / "patched").mkdir()
    patched, whole, done = [], [], None
    for _ in range(repeat):
        started = time.perf_counter()
        done = stored._patched(previous, work / "patched", after, "bench")
        patched.append(time.perf_counter() - started)
        assert done.startswith("patched"), done
        started = time.perf_counter()
        SearchIndex(after.documents(), after.synonyms()).save(work / "whole.sqlite", {})
        whole.append(time.perf_counter() - started)
    return {
        "documents_before": len(before.documents()),
        "documents": len(after.documents()),
        "patch": str(done),
        "patched_s": round(statistics.median(patched), 3),
        "whole_s": round(statistics.median(whole), 3),
        "speed_up": round(statistics.median(whole) / statistics.median(patched), 1),
        "patched_runs_s": [round(t, 3) for t in patched],
        "whole_runs_s": [round(t, 3) for t in whole],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="seed,1m", help="seed and/or 1m, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each way (the median counts)")
    args = parser.parse_args()
    results = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine.info(), "sizes": {}}
    for size in args.sizes.split(","):
        data.WORK.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="search-patch-", dir=data.WORK) as scratch:
            work = Path(scratch)
            before, after = _catalogues_seed(work) if size == "seed" else _catalogues_1m()
            results["sizes"][size] = measure(before, after, work, args.repeat)
            print(size, json.dumps(results["sizes"][size]), flush=True)
    (RESULTS / "search_patch.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
