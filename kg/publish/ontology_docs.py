"""Human documentation of the ontology: one self-contained HTML page rendered by pyLODE from ontology/qikg.ttl.

The page must work offline and make no request to another host, so after rendering we turn links to external IRIs
into inert elements (the IRI stays visible as a tooltip and a data attribute) and refuse output that would load
anything (script, stylesheet, image, font) from elsewhere.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import re
import sys
import types
from pathlib import Path

from rdflib import Graph

from kg.rdf import ontology

_ANCHOR_TAG = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_EXTERNAL_HREF = re.compile(r'\shref="(https?://[^"]*)"', re.IGNORECASE)
_EXTERNAL_LOAD = re.compile(
    r'\b(?:src|href|srcset|poster|data)\s*=\s*["\']?\s*(?:https?:)?//'
    r'|url\(\s*["\']?\s*(?:https?:)?//'
    r'|@import\s+["\']?\s*(?:url\()?\s*["\']?\s*(?:https?:)?//',
    re.IGNORECASE,
)


class ExternalResourceError(ValueError):
    """The rendered page would load something from another host."""


def _ensure_pylode_importable() -> None:
    """Work around pyLODE 3.4.1 reading its version from a pyproject.toml that wheels do not ship (pyLODE #260)."""
    if "pylode.version" in sys.modules:
        return
    spec = importlib.util.find_spec("pylode")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("pylode is not installed")
    if (Path(spec.origin).parent.parent / "pyproject.toml").exists():
        return
    stub = types.ModuleType("pylode.version")
    stub.__version__ = importlib.metadata.version("pylode")  # type: ignore[attr-defined]
    sys.modules["pylode.version"] = stub


def make_offline(html: str) -> str:
    """Neutralise links to other hosts and fail if anything would still be fetched from one."""

    def inert(match: re.Match[str]) -> str:
        tag = match.group(0)
        href = _EXTERNAL_HREF.search(tag)
        if href is None:
            return tag
        iri = href.group(1)
        replacement = f' data-iri="{iri}"' + ("" if re.search(r"\stitle=", tag) else f' title="{iri}"')
        return tag[: href.start()] + replacement + tag[href.end() :]

    html = _ANCHOR_TAG.sub(inert, html)
    found = _EXTERNAL_LOAD.search(html)
    if found:
        start = max(found.start() - 80, 0)
        raise ExternalResourceError(f"page would load from another host: ...{html[start : found.end() + 80]}...")
    return html


def _make_pylode_deterministic() -> None:
    """pyLODE joins a union's classes from a Python set of HTML elements (random order per run): sort them."""
    import pylode.utils as pylode_utils

    original = pylode_utils.intersperse
    if getattr(original, "_qikg_sorted", False):
        return

    def intersperse(items, sep):
        if isinstance(items, set):
            items = sorted(items, key=str)
        return original(list(items), sep)

    intersperse._qikg_sorted = True  # type: ignore[attr-defined]
    pylode_utils.intersperse = intersperse


def render_ontology_html(out_path: Path) -> Path:
    """Write the ontology's documentation page to `out_path` and return the path."""
    _ensure_pylode_importable()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from pylode import OntPub  # imported late: the workaround above must run first

    # pyLODE's supermodel loader calls logging.basicConfig(level=DEBUG) on import: undo it so `qikg build` stays quiet
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    _make_pylode_deterministic()

    graph = Graph()
    graph += ontology.ontology_only()  # pyLODE adds inferred triples to the graph it is given: use a copy
    html = make_offline(OntPub(graph, sort_subjects=True).make_html())
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(html, encoding="utf-8")
    return out_path
