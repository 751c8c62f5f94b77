"""What one build keeps for the next, beside its folder (`.NAME-cache/`), so `qikg add` redoes only what changed.

- `records/KEY.json`: a source's extracted records. KEY hashes the source file, its curation file, its path (the
  records name it) and the version of everything else that shapes extraction (`code_digest`: the pipeline's code,
  kg/data/*, the ontology, ...), so a changed source, changed shared curation or changed code misses the cache.
- `graphs/CODE/DIGEST.json`: each graph's dump texts (`kg.publish.dumps.write_dumps`: N-Triples lines, JSON-LD
  object and text, TriG statements and share of the TriG subject order, Turtle statements), by the graph's digest,
  under the `code_digest` they were written with.
- `state.json`: what the build now in the folder was checked against (its key, each graph's source key) and its
  SHACL findings, so the next `qikg add` validates only what the new chat changes (`kg.checks.region`); its inferred
  types and each graph's digest, so the next add or remove reasons over what it changes (`kg.checks.reason_region`).

The cache is only ever a shortcut: a missing, unreadable or stale entry is recomputed, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from kg.checks.validate import Finding
from kg.records import ChatRecords

CACHE_VERSION = "1"  # bump when what the cache holds changes shape
LIBRARIES = ("rdflib", "pyshacl", "pydantic", "networkx")


def cache_dir(out_dir: Path) -> Path:
    """`.NAME-cache` beside the build folder NAME (not `.NAME.*`, which `clean_leftovers` owns)."""
    out_dir = Path(out_dir).absolute()
    return out_dir.parent / f".{out_dir.name}-cache"


@functools.cache
def code_digest() -> str:
    """One hash of the package inputs that shape every build (code, shared curation, ontology, shapes, queries) and
    of the versions of the libraries that read and write the graph."""
    from kg.pipeline.inputs import INPUT_GLOBS
    from kg.sources.registry import PACKAGES_DIR

    h = hashlib.sha256(CACHE_VERSION.encode())
    for library in LIBRARIES:  # what parses, serialises and validates: another version may write otherwise
        h.update(f"{library}=={version(library)}\0".encode())
    for pattern in INPUT_GLOBS:
        for path in sorted(PACKAGES_DIR.glob(pattern)):
            if path.is_file():
                h.update(path.relative_to(PACKAGES_DIR).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def source_key(source: Path) -> str:
    """What a source's records depend on: its bytes, its curation's bytes, its path, and `code_digest`."""
    from kg.sources.curation import curation_path

    source = Path(source)
    h = hashlib.sha256(code_digest().encode())
    h.update(str(source.absolute()).encode() + b"\0")
    h.update(hashlib.sha256(source.read_bytes()).digest())
    curation = curation_path(source)
    h.update(hashlib.sha256(curation.read_bytes()).digest() if curation.is_file() else b"no curation")
    return h.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def cached_records(cache: Path, key: str) -> ChatRecords | None:
    path = Path(cache) / "records" / f"{key}.json"
    try:
        return ChatRecords.model_validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None


def keep_records(cache: Path, key: str, records: ChatRecords) -> None:
    _write_atomic(Path(cache) / "records" / f"{key}.json", records.model_dump_json())


@dataclass
class BuildState:
    """What the build in the folder was made and checked from: the next incremental add starts from it."""

    build_key: str  # kg.pipeline.manifest.build_key of that build
    graphs: dict[str, str]  # source graph IRI -> source_key
    shacl: list[Finding]  # every SHACL finding of that build (none a violation: it was built)
    # its inferred graph (node IRI -> inferred classes; None: built without the reasoner), which the next add's
    # reasoning over the changed region keeps for every node outside it (`kg.checks.reason_region`)
    inferred: dict[str, list[str]] | None = None
    digests: dict[str, str] | None = None  # graph IRI -> digest of its dump texts in graphs/CODE/ (a removed graph's)


def load_state(cache: Path) -> BuildState | None:
    try:
        data = json.loads((Path(cache) / "state.json").read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return None
        return BuildState(
            data["build_key"],
            dict(data["graphs"]),
            [Finding(**f) for f in data["shacl"]],
            data.get("inferred"),
            data.get("digests"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_state(cache: Path, state: BuildState) -> None:
    data = {
        "version": CACHE_VERSION,
        "build_key": state.build_key,
        "graphs": state.graphs,
        "shacl": [asdict(f) for f in state.shacl],
        "inferred": state.inferred,
        "digests": state.digests,
    }
    _write_atomic(Path(cache) / "state.json", json.dumps(data, indent=0, ensure_ascii=False) + "\n")


def forget_state(cache: Path) -> None:
    (Path(cache) / "state.json").unlink(missing_ok=True)
