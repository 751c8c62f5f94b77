"""The search index of an added chat: patched from the previous build's (what `qikg add` does now) or built whole
(what it did before), in this process, side by side.

    python -m bench.search_patch [--sizes seed,1m] [--repeat 5]

seed: real builds (no reasoner) of the seed report and the invented January chat, then of those and the invented
February chat (tests/kg/extract/fixtures, TEST DATA), which shares people with the seed; the index of the first is
patched into the second's, or the second's built whole. 1m: the catalogue of bench/work/data-1m (bench/data.py;
read from its stored catalogue.json, which a build of any format version wrote) without its last chat (its
questions and quotes), patched into the whole catalogue's index, or that built whole; the synthetic chats' people
keep their words, so this diff is the chat's own documents and the shifted catalogue places only.

`--upkeep N`: N patches in a row, each of a copy of the file before it (as `qikg add` / `qikg remove` do), the
last chat added and removed in turn, with the upkeep of kg/indexes/search_patch.py (merge past MAX_SEGMENTS FTS5
segments, vacuum past MAX_FREE free pages) and without it: FTS5's segments and free pages after each patch, the
file's size against a build's, the patch's time with its upkeep. Writes bench/results/search_upkeep.json.

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
from typing import Any

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


def upkeep(before, after, work: Path, patches: int) -> dict:
    """`patches` patches in a row (after, before, after, ...), with the upkeep and without it, alternately patch by
    patch so that both see the same load; what FTS5 and the file hold after each."""
    import shutil
    import sqlite3

    from kg.indexes import search_patch
    from kg.indexes.search import SearchIndex

    docs = [before.documents(), after.documents()]
    start = work / "start.sqlite"
    SearchIndex(docs[0], before.synonyms()).save(start, {})
    whole = {}
    for n, documents in enumerate(docs):
        SearchIndex(documents, after.synonyms()).save(work / f"whole-{n}.sqlite", {})
        whole[n] = (work / f"whole-{n}.sqlite").stat().st_size
    ways: dict[str, dict[str, Any]] = {"with upkeep": {}, "without": {"max_segments": None, "max_free": None}}
    current = {}
    for way in ways:
        (work / way).mkdir()
        current[way] = work / way / "0.sqlite"
        shutil.copyfile(start, current[way])
    trace: dict[str, list[dict]] = {way: [] for way in ways}
    for n in range(1, patches + 1):
        for way, settings in ways.items():
            copy = work / way / f"{n}.sqlite"
            shutil.copyfile(current[way], copy)
            current[way].unlink()
            current[way] = copy
            db = sqlite3.connect(copy)
            db.execute("PRAGMA journal_mode = MEMORY")  # as kg/indexes/stored.py patches its scratch copy
            db.execute("PRAGMA synchronous = OFF")
            started = time.perf_counter()
            done = search_patch.patch(db, docs[n % 2], **settings)
            seconds = time.perf_counter() - started
            trace[way].append(
                {
                    "segments": search_patch.segments(db),
                    "free_share": round(search_patch.free_share(db), 4),
                    "bytes": copy.stat().st_size,
                    "size_to_build": round(copy.stat().st_size / whole[n % 2], 4),
                    "patch_s": round(seconds, 3),
                    "merged": done.merged,
                    "vacuumed": done.vacuumed,
                }
            )
            db.close()
    out: dict = {
        "documents": [len(d) for d in docs],
        "build_segments": _segments(start),
        "build_bytes": whole,
        "patches": patches,
        "max_segments": search_patch.MAX_SEGMENTS,
        "max_free": search_patch.MAX_FREE,
    }
    for way, rows in trace.items():
        upkept = [r["patch_s"] for r in rows if r["merged"] or r["vacuumed"]]
        plain = [r["patch_s"] for r in rows if not (r["merged"] or r["vacuumed"])]
        out[way] = {
            "segments_max": max(r["segments"] for r in rows),
            "segments_last": rows[-1]["segments"],
            "free_share_max": max(r["free_share"] for r in rows),
            "size_to_build_max": max(r["size_to_build"] for r in rows),
            "size_to_build_last": rows[-1]["size_to_build"],
            "upkeep_runs": len(upkept),
            "patch_s_median": round(statistics.median(plain), 3) if plain else None,
            "patch_with_upkeep_s_median": round(statistics.median(upkept), 3) if upkept else None,
            "total_s": round(sum(r["patch_s"] for r in rows), 3),
            "segments": [r["segments"] for r in rows],
        }
    return out


def _segments(path: Path) -> int:
    import sqlite3

    from kg.indexes import search_patch

    db = sqlite3.connect(path)
    try:
        return search_patch.segments(db)
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="seed,1m", help="seed and/or 1m, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each way (the median counts)")
    parser.add_argument("--upkeep", type=int, metavar="N", help="N patches in a row, with the upkeep and without")
    args = parser.parse_args()
    if args.upkeep:
        return _main_upkeep(args.sizes.split(","), args.upkeep)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.info(),
        "sizes": {},
    }
    for size in args.sizes.split(","):
        data.WORK.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="search-patch-", dir=data.WORK) as scratch:
            work = Path(scratch)
            before, after = _catalogues_seed(work) if size == "seed" else _catalogues_1m()
            results["sizes"][size] = measure(before, after, work, args.repeat)
            print(size, json.dumps(results["sizes"][size]), flush=True)
    (RESULTS / "search_patch.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def _main_upkeep(sizes: list[str], patches: int) -> None:
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.info(),
        "sizes": {},
    }
    for size in sizes:
        data.WORK.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="search-upkeep-", dir=data.WORK) as scratch:
            work = Path(scratch)
            before, after = _catalogues_seed(work) if size == "seed" else _catalogues_1m()
            results["sizes"][size] = upkeep(before, after, work, patches)
            print(size, json.dumps(results["sizes"][size]), flush=True)
    (RESULTS / "search_upkeep.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
