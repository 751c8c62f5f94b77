"""The page's own JS/CSS and the vendored vis-network, read once, to be inlined into one self-contained file.

vis-network is the copy that ships inside the pinned pyvis package (pyvis==0.3.2 carries vis-network 9.1.2 under
`templates/lib/`), so no CDN and no second copy in this repository; its licence header stays in the file.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

VIS_NETWORK_VERSION = "9.1.2"


@cache
def vis_network_js() -> str:
    """The minified vis-network standalone build (includes vis.DataSet)."""
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / "lib" / f"vis-{VIS_NETWORK_VERSION}" / "vis-network.min.js"
    if not path.is_file():
        raise FileNotFoundError(
            f"vis-network {VIS_NETWORK_VERSION} not found in the pyvis package at {path}; "
            "the graph view needs pyvis==0.3.2"
        )
    text = path.read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError("vendored vis-network contains '</script' and cannot be inlined")
    return text


@cache
def static_text(name: str) -> str:
    """One of our own files under visualizations/static/ (graph.js, graph.css)."""
    return resources.files("visualizations").joinpath("static", name).read_text(encoding="utf-8")
