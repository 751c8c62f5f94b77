"""The SPARQL the API runs, kept as .rq files (data, not code); parameters are bound, never pasted in."""

from __future__ import annotations

from functools import cache
from pathlib import Path

QUERY_DIR = Path(__file__).parent


@cache
def load(name: str) -> str:
    """The text of api/queries/<name>.rq, else of the catalogue's kg/indexes/queries/<name>.rq (the queries the
    catalogue reads at start-up live with it, where the build can run them too)."""
    path = QUERY_DIR / f"{name}.rq"
    if not path.is_file():
        from kg.indexes.catalogue.values import load as catalogue_query

        return catalogue_query(name)
    return path.read_text(encoding="utf-8")


def examples() -> list[tuple[str, str, str]]:
    """(slug, title, query) of the example queries shown on the query page; the title is the first comment line."""
    out = []
    for path in sorted((QUERY_DIR / "examples").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        out.append((path.stem, first.lstrip("# ").strip() or path.stem, text))
    return out
