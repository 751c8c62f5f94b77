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
    """(slug, title, query) of the example queries shown on the query page; the title is the query's opening comment."""
    out = []
    for path in sorted((QUERY_DIR / "examples").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        out.append((path.stem, example_title(text) or path.stem, text))
    return out


def example_title(text: str) -> str:
    """The comment lines a query opens with, as one sentence: a title may run over two lines, and cutting it at
    the first line end leaves half a sentence ("... their stated affiliation, an")."""
    lines = []
    for line in text.lstrip("\ufeff").splitlines():
        if not line.lstrip().startswith("#"):
            break
        lines.append(line.lstrip().lstrip("#").strip())
    return " ".join(w for w in lines if w)
