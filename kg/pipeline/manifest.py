"""What a build records about itself in manifest.json (inputs, registry, counts, files), and reading it back."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rdflib import RDF, Dataset, Graph, URIRef

from kg import iris

ROOT = Path(__file__).resolve().parents[2]  # the project: recorded paths are relative to it
RDF_FILES = ("qikg.trig", "qikg.ttl", "qikg.nt", "qikg.jsonld")


MANIFEST = "manifest.json"


def built_registry_digest(out_dir: Path) -> str | None:
    """The registry digest the build in `out_dir` was made from (None: no build, or one made before it was kept)."""
    try:
        return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")).get("registry_sha256")
    except (OSError, ValueError, AttributeError):
        return None


def built_registry(out_dir: Path) -> Path | None:
    """The registry file the build in `out_dir` was made from, when it still exists (None: unknown or gone)."""
    try:
        recorded = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")).get("registry")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(recorded, str) or not recorded:
        return None
    path = Path(recorded) if Path(recorded).is_absolute() else ROOT / recorded
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
