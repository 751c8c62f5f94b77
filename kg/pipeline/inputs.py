"""What a build is made from (sources, curation, ontology, code), hashed, so a stale build is noticed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kg.pipeline.manifest import MANIFEST, RDF_FILES, recorded
from kg.sources.registry import PACKAGES_DIR

# package data and code that shape every build, relative to the folder the packages are installed in (the repo's
# top level in a checkout, site-packages in a wheel); kg/ontology is the top-level ontology/ (a link in the repo)
INPUT_GLOBS = (
    "kg/sources/*.txt",
    "kg/sources/*.curation.yaml",  # the seed report's own curation
    "kg/sources/registry.yaml",  # the seed registry: the registry wherever the data directory has none
    "kg/data/*.yaml",
    "kg/ontology/*.ttl",
    "kg/ontology/imports/*.ttl",
    "kg/ontology/queries/qc/*.rq",
    "kg/**/*.py",
    "kg/indexes/queries/*.rq",
    "visualizations/*.py",  # the build writes graph.html: a fix to the view must reach it
    "visualizations/static/*",
    "visualizations/templates/*",
    "visualizations/queries/*.rq",
)


def default_sources(registry: Path | None = None) -> list[Path]:
    """The chat sources of the registry (`kg.sources.registry`; None: the packaged seed): the seed and every chat
    added with `qikg add`."""
    from kg.sources.registry import Registry

    return Registry.load(registry).sources()


def input_hashes(
    sources: list[Path] | None = None,
    registry: Path | None = None,
    *,
    registry_as: Path | None = None,
    home: Path | None = None,
) -> dict[str, str]:
    """sha256 of every input that shapes the build (texts, registry, curation, ontology, checks, pipeline code).

    `registry_as`: the registry file the content of `registry` is recorded under (`qikg add` builds from the next
    registry, staged beside the current one, before that becomes the registry). Names: `kg.pipeline.manifest.recorded`
    (package data as `package:kg/...`, the user's files relative to the data directory `home`).
    """
    from kg.sources.curation import curation_path
    from kg.sources.registry import SEED_REGISTRY

    paths: set[Path] = set(sources or [])
    paths |= {curation_path(s) for s in sources or [] if curation_path(s).is_file()}  # a report's own curation
    registry = Path(registry or SEED_REGISTRY)
    for pattern in INPUT_GLOBS:
        paths |= set(PACKAGES_DIR.glob(pattern))
    named = {recorded(path, home): path for path in paths}
    if registry.is_file():
        named[recorded(Path(registry_as or registry), home)] = registry
    return {name: hashlib.sha256(named[name].read_bytes()).hexdigest() for name in sorted(named)}


def registry_digest(registry: Path | None = None) -> str | None:
    """sha256 of the registry file (None when there is none): the manifest records the one a build was made from."""
    from kg.sources.registry import SEED_REGISTRY

    path = Path(registry or SEED_REGISTRY)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def is_stale(
    out_dir: Path, sources: list[Path] | None = None, registry: Path | None = None, home: Path | None = None
) -> bool:
    """True when there is no complete build in `out_dir` or any input changed since it was made."""
    manifest = Path(out_dir) / MANIFEST
    if not manifest.is_file() or not all((Path(out_dir) / name).is_file() for name in RDF_FILES):
        return True
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8")).get("inputs", {})
    except (OSError, json.JSONDecodeError):
        return True
    try:
        current = input_hashes(sources or default_sources(registry), registry, home=home)
    except (OSError, ValueError):
        return True
    return recorded != current
