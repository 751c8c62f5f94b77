"""Benchmark datasets: the seed graph and synthetic graphs of about 100 k and 1 M quads, cached as N-Quads.

A synthetic dataset is the seed build (real chat, TBox, thesaurus, inferences) plus `bench.synth` chats, each built by
`kg.rdf.build.build_dataset` into its own named graph, the way `qikg add` would grow a national graph. Building a chat
with rdflib costs about a second, so chats are built in a process pool and written straight out as N-Quads lines;
the file is cached under bench/work/ with a key over the generator's code and the seed, so later runs reuse it.
A TriG copy (what the API serves from `<data_dir>/qikg.trig`) is written next to it by Oxigraph's serialiser.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing as mp
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
SEED_TRIG = ROOT / "qikg-data" / "build" / "qikg.trig"  # `make build`
SIZES = {"seed": 0, "100k": 100_000, "1m": 1_000_000}
# the code that shapes a synthetic dataset: a change to any of it makes the cached data stale
CODE_INPUTS = ("bench/synth.py", "bench/data.py", "kg/rdf/*.py", "kg/records.py", "kg/iris.py")


@dataclass
class Dataset:
    """One benchmark dataset on disk."""

    size: str
    nquads: Path
    trig_dir: Path  # holds qikg.trig, the API's data_dir
    quads: int
    chats: int
    generate_s: float
    cached: bool

    def summary(self) -> dict:
        out = asdict(self)
        out["nquads"] = str(self.nquads.relative_to(ROOT)) if self.nquads.is_relative_to(ROOT) else str(self.nquads)
        out["trig_dir"] = (
            str(self.trig_dir.relative_to(ROOT)) if self.trig_dir.is_relative_to(ROOT) else str(self.trig_dir)
        )
        out["bytes"] = self.nquads.stat().st_size
        return out


def parse_size(name: str) -> int:
    """'seed' -> 0 (the seed alone), '100k' -> 100000, '1m' -> 1000000, '2500' -> 2500."""
    key = name.strip().lower()
    if key in SIZES:
        return SIZES[key]
    factor = {"k": 1_000, "m": 1_000_000}.get(key[-1:], 1)
    number = key[:-1] if factor > 1 else key
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise ValueError(f"unknown size {name!r}: use seed, 100k, 1m or a number of quads") from None
    if value < 0:
        raise ValueError(f"size must be positive, got {name!r}")
    return value


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def seed_trig(progress=print) -> Path:
    """The built seed graph (build/qikg.trig), building it into a temporary folder when there is none."""
    if SEED_TRIG.is_file():
        return SEED_TRIG
    from kg.pipeline.run import build

    out = WORK / "seed-build"
    progress(f"no build/qikg.trig: building the seed into {out}")
    build(out)
    return out / "qikg.trig"


def _write_trig(nquads: Path, trig_dir: Path) -> None:
    trig_dir.mkdir(parents=True, exist_ok=True)
    target = trig_dir / "qikg.trig"
    tmp = trig_dir / ".qikg.trig.tmp"
    ox.serialize(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS), output=str(tmp), format=ox.RdfFormat.TRIG)
    os.replace(tmp, target)


# --- workers: one synthetic chat -> N-Quads lines ------------------------------------------------------------------

_THESAURUS = None


def _init_worker() -> None:
    global _THESAURUS
    from kg.rdf import ontology

    _THESAURUS = ontology.thesaurus()


def _chat_nquads(records) -> tuple[bytes, int]:
    """The chat's own named graph (facts + theme tagging) as N-Quads; TBox and thesaurus come from the seed."""
    from rdflib import Graph

    from kg import iris
    from kg.rdf.build import build_dataset

    ds = build_dataset(records, tbox=Graph(), thesaurus=_THESAURUS)
    graph_iri = iris.source_graph(records.source_slug)
    facts = ds.graph(graph_iri)
    lines = facts.serialize(format="nt", encoding="utf-8").splitlines()
    tail = f" <{graph_iri}> .".encode()
    out = [line[:-2] + tail for line in lines if line.endswith(b" .")]
    return b"\n".join(out) + b"\n", len(out)


# --- datasets ------------------------------------------------------------------------------------------------------


def _seed_nquads(seed: Path, target: Path) -> int:
    store = ox.Store()
    store.bulk_load(path=str(seed), format=ox.RdfFormat.TRIG)
    tmp = target.with_suffix(".tmp")
    store.dump(output=str(tmp), format=ox.RdfFormat.N_QUADS)
    os.replace(tmp, target)
    return len(store)


def prepare(size: str, *, workers: int | None = None, progress=print, work: Path = WORK) -> Dataset:
    """The dataset of `size` ('seed', '100k', '1m' or a number), generated once and cached under `work`."""
    target = parse_size(size)
    seed = seed_trig(progress)
    seed_bytes = seed.read_bytes()
    code = b"".join(path.read_bytes() for pattern in CODE_INPUTS for path in sorted(ROOT.glob(pattern)))
    key = _digest(seed_bytes, code, str(target).encode())
    folder = work / f"data-{size.lower()}"
    meta_path = folder / "meta.json"
    nquads = folder / "data.nq"
    if meta_path.is_file() and nquads.is_file() and (folder / "qikg.trig").is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            return Dataset(size, nquads, folder, meta["quads"], meta["chats"], meta["generate_s"], True)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    seed_quads = _seed_nquads(seed, nquads)
    chats = 0
    quads = seed_quads
    if target > seed_quads:
        from bench.synth import synth_chats
        from kg.extract.report import extract
        from kg.pipeline.inputs import default_sources

        seed_records = extract(default_sources()[0])
        per_chat = 5_400  # measured mean quads of one synthetic chat's graph (5.0-5.7 k); only used to size the run
        wanted = max(1, math.ceil((target - seed_quads) / per_chat))
        chat_records = synth_chats(seed_records, wanted)
        progress(f"  generating {wanted} synthetic chats for {size} ({workers or os.cpu_count()} processes)")
        ctx = mp.get_context("spawn")
        with nquads.open("ab") as out, ctx.Pool(workers or os.cpu_count() or 1, initializer=_init_worker) as pool:
            for block, count in pool.imap(_chat_nquads, chat_records, chunksize=1):
                out.write(block)
                quads += count
                chats += 1
    generate_s = round(time.perf_counter() - started, 2)
    t = time.perf_counter()
    _write_trig(nquads, folder)
    progress(f"  {size}: {quads:,} quads in {generate_s} s (+{time.perf_counter() - t:.1f} s TriG copy)")
    meta_path.write_text(json.dumps({"key": key, "quads": quads, "chats": chats, "generate_s": generate_s}))
    return Dataset(size, nquads, folder, quads, chats, generate_s, False)


def scratch_dir(prefix: str) -> Path:
    """A fresh folder under bench/work (on the same disk as the data, so stores measure that disk)."""
    WORK.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=WORK))
