"""What a build records about itself in manifest.json (inputs, registry, counts, files), and reading it back."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rdflib import RDF, Dataset, Graph, URIRef

from kg import iris
from kg.sources.registry import from_package, package_path
from kg.store import file_key

RDF_FILES = ("qikg.trig", "qikg.ttl", "qikg.nt", "qikg.jsonld")


MANIFEST = "manifest.json"


def build_key(out_dir: Path) -> str:
    """What identifies a build: its manifest's hash (the manifest lists the input hashes), else the graph file's.
    A store loaded under this key holds exactly this build (the server then opens it without loading)."""
    manifest = Path(out_dir) / MANIFEST
    return file_key(manifest if manifest.exists() else Path(out_dir) / "qikg.trig")


def _home(home: Path | None) -> Path:
    if home is not None:
        return Path(home)
    from kg.settings import Settings

    return Settings().home


def recorded(path: Path, home: Path | None = None) -> str:
    """How the manifest names a file, so the name works wherever qikg is installed and the data directory is:
    `package:kg/...` for package data (the seed), relative to the data directory `home` for the user's files,
    absolute for anything else."""
    packaged = package_path(path)
    if packaged is not None:
        return packaged
    path, base = Path(path).absolute(), _home(home).absolute()
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)


def located(name: str, home: Path | None = None) -> Path:
    """The file a name of `recorded` stands for."""
    packaged = from_package(name)
    if packaged is not None:
        return packaged
    return Path(name) if Path(name).is_absolute() else _home(home) / name


def built_registry_digest(out_dir: Path) -> str | None:
    """The registry digest the build in `out_dir` was made from (None: no build, or one made before it was kept)."""
    try:
        return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")).get("registry_sha256")
    except (OSError, ValueError, AttributeError):
        return None


def built_registry(out_dir: Path, home: Path | None = None) -> Path | None:
    """The registry file the build in `out_dir` was made from, when it still exists (None: unknown or gone)."""
    try:
        recorded = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")).get("registry")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(recorded, str) or not recorded:
        return None
    path = located(recorded, home)
    return path if path.is_file() else None


def class_counts(ds: Dataset) -> dict[str, int]:
    """Distinct nodes per class over all graphs but the TBox (inferred types included)."""
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    seen: set[tuple] = set()
    for ctx in ds.graphs():
        if ctx.identifier == iris.ONTOLOGY_GRAPH:
            continue
        seen |= {(s, o) for s, o in ctx.subject_objects(RDF.type)}
    counts = Counter(g.qname(o) for _, o in seen if isinstance(o, URIRef))
    return dict(sorted(counts.items()))


def triple_counts(ds: Dataset) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)) if len(g)}
