"""networkx graph -> pyvis network -> one self-contained, offline HTML page.

pyvis builds the vis-network node and edge records; the page itself comes from our own Jinja2 template, not pyvis's
(which loads Bootstrap and Tom Select from CDNs and writes titles with innerHTML). All data reaches the page as one
JSON document inside `<script type="application/json">` with every '<' escaped, and our script builds the DOM with
textContent, so no text from the data is ever parsed as markup.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import Environment, PackageLoader, select_autoescape
from pyvis.network import Network
from rdflib import Graph

from kg.indexes.network import Network as PeopleNetwork
from kg.indexes.network import brokers
from kg.iris import QID
from visualizations import assets, details, layout
from visualizations.model import (
    KINDS,
    MODES,
    Mode,
    full_graph,
    narrower_closure,
    node_id,
    overview_graph,
    people_graph,
    people_network,
)
from visualizations.style import (
    COMMUNITY_COLORS,
    DEFAULT_EDGE_COLOR,
    KIND_STYLES,
    LESSON_COLOR,
    NO_COMMUNITY_COLOR,
    RELATION_COLORS,
)

_env = Environment(loader=PackageLoader("visualizations", "templates"), autoescape=select_autoescape(["html"]))


def safe_json(data: Any) -> str:
    """JSON that cannot end its <script> element or open a comment: every '<', '>' and '&' as a \\u escape."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_BASE_SIZE = {"participant": 9.0, "organisation": 9.0, "theme": 11.0, "resource": 7.0, "question": 12.0, "quote": 5.0}


def node_size(g: nx.MultiDiGraph, node: str) -> tuple[float, float]:
    """(shape size, font size) by weighted degree: busy people and themes stand out, quotes stay small.

    Sizes are set here rather than by vis-network's value scaling, which stretches whatever range the data has
    over the same pixel range and so makes a quote with three links look like a hub in a small graph.
    """
    data = g.nodes[node]
    degree = float(g.degree(node, weight="weight"))  # in and out: a person's quotes point at them
    size = _BASE_SIZE[data["kind"]] + 2.4 * math.sqrt(degree)
    font = 12.0 + 2.0 * math.sqrt(degree) + (2.0 if data["kind"] == "theme" else 0.0)
    if data.get("lesson"):
        size, font = size + 8.0, max(font + 6.0, 30.0)
    return round(min(size, 52.0), 1), round(min(font, 40.0), 1)


def to_pyvis(g: nx.MultiDiGraph, positions: dict[str, tuple[float, float]]) -> Network:
    """The pyvis network for `g`: one vis node per graph node at its server-side position, physics off."""
    net = Network(directed=True, height="100%", width="100%", cdn_resources="in_line")
    for node, data in g.nodes(data=True):
        kind = data["kind"]
        style = KIND_STYLES[kind]
        color = LESSON_COLOR if data.get("lesson") else style["color"]
        x, y = positions[node]
        size, font_size = node_size(g, node)
        net.add_node(
            node,
            label=details.canvas_label(g, node) or " ",
            shape=style["shape"],
            color={
                "background": color,
                "border": color,
                "highlight": {"background": color, "border": "#111827"},
                "hover": {"background": color, "border": "#111827"},
            },
            size=size,
            x=x,
            y=y,
            physics=False,
            font={
                "size": font_size,
                "bold": {"mod": "bold"} if data.get("lesson") else None,
                "color": "#111827",
                "strokeWidth": 4,
                "strokeColor": "#ffffff",
            },
        )
        if kind == "quote":
            net.node_map[node]["label"] = ""
    for i, (source, target, relation, weight) in enumerate(
        sorted(g.edges(keys=True, data="weight"), key=lambda e: (e[0], e[1], e[2]))
    ):
        net.add_edge(
            source,
            target,
            id=f"e{i}",
            relation=relation,
            width=min(1.0 + 1.2 * math.log(weight), 6.0),
            color={"color": RELATION_COLORS.get(relation, DEFAULT_EDGE_COLOR), "opacity": 0.75},
            arrows={"to": {"enabled": False}},
        )
    for record in net.nodes:
        record["font"] = {k: v for k, v in record["font"].items() if v is not None}
    return net


def vis_options(n_nodes: int) -> dict[str, Any]:
    """vis-network options: positions are fixed by the server, so physics is off and the first draw is final."""
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": layout.SEED},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": n_nodes > 1500,
            "hideEdgesOnZoom": n_nodes > 1500,
            "navigationButtons": False,
            "keyboard": False,
        },
        # Labels under 7 px on screen are not drawn: zoomed out, only the hubs' (larger) labels show.
        "nodes": {
            "borderWidth": 1,
            "borderWidthSelected": 3,
            "scaling": {"label": {"enabled": False, "maxVisible": 26, "drawThreshold": 7}},
        },
        "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 0.5},
    }


def _view(g: nx.MultiDiGraph, positions: dict[str, tuple[float, float]]) -> dict[str, Any]:
    net = to_pyvis(g, positions)
    nodes, edges, _heading, _height, _width, _options = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": vis_options(len(nodes))}


def _theme_tree(full: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Themes in thesaurus order (each lesson, then what is below it, depth-first) for the theme filter."""
    themes = [n for n, kind in full.nodes(data="kind") if kind == "theme"]
    broader = {t: sorted(b for _, b, rel in full.out_edges(t, keys=True) if rel == "broader") for t in themes}
    children: dict[str, list[str]] = {}
    for theme, parents in broader.items():
        if parents:
            children.setdefault(parents[0], []).append(theme)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(theme: str, depth: int) -> None:
        if theme in seen:
            return
        seen.add(theme)
        out.append(
            {
                "id": theme,
                "label": details.label(full, theme),
                "depth": depth,
                "narrower": sorted(narrower_closure(full, theme)),
            }
        )
        for child in sorted(children.get(theme, []), key=lambda t: details.label(full, t).lower()):
            visit(child, depth + 1)

    roots = [t for t in themes if not broader[t]]
    for root in sorted(roots, key=lambda t: (not full.nodes[t].get("lesson"), details.label(full, t).lower())):
        visit(root, 0)
    for theme in sorted(set(themes) - seen):  # themes in a broader-cycle: still listed
        visit(theme, 0)
    return out


def _question_key(full: nx.MultiDiGraph, node: str) -> tuple[str, int, str]:
    """Chat by chat (oldest first), then by number."""
    number = full.nodes[node]["props"].get("number", [])
    return (full.nodes[node].get("chat", ""), int(number[0]) if number and number[0].isdigit() else 10**6, node)


BRIDGES_LISTED = 12


def _network_info(network: PeopleNetwork, full: nx.MultiDiGraph) -> dict[str, Any]:
    """The people network's measures per node id, its top brokers and how to read them, for the page."""
    measures = {}
    for iri in network.graph:
        nid = node_id(iri)
        if nid in full:
            brokerage = network.brokerage.get(iri)
            measures[nid] = {
                "betweenness": round(network.betweenness.get(iri, 0.0), 6),
                "brokerage": None if brokerage is None else round(brokerage, 4),
                "degree": network.graph.degree(iri),
                "ties": network.strength(iri),
                "community": network.community.get(iri),
            }
    bridges = [
        {"id": node_id(iri), "reaches": len(reached)} for iri, reached in brokers(network) if node_id(iri) in full
    ][:BRIDGES_LISTED]
    return {
        "measures": measures,
        "bridges": bridges,
        "communities": len(network.communities),
        "colors": COMMUNITY_COLORS,
        "noCommunity": NO_COMMUNITY_COLOR,
        "ties": list(network.ties_used),
    }


def payload(graph: Graph, *, mode: Mode = "full", base_url: str = "") -> dict[str, Any]:
    """Everything the page needs, as plain data: the three views, per-node details, filter lists, styles."""
    if mode not in MODES:
        raise ValueError(f"unknown graph view mode {mode!r}; expected one of {', '.join(MODES)}")
    full = full_graph(graph)
    overview = overview_graph(full)
    network = people_network(graph)
    people = people_graph(full, network)
    positions = layout.positions(full)
    qid_base = str(QID)
    info = {
        node: {
            "kind": data["kind"],
            "lesson": bool(data.get("lesson")),
            "label": details.label(full, node),
            "terms": details.search_terms(full, node),
            "facts": details.facts(full, node),
            "links": details.links(full, node, qid_base),
        }
        for node, data in full.nodes(data=True)
    }
    questions = sorted(
        (n for n, kind in full.nodes(data="kind") if kind == "question"), key=lambda n: _question_key(full, n)
    )
    return {
        "version": 1,
        "mode": mode,
        "baseUrl": base_url.rstrip("/"),
        "kinds": [{"kind": k, **KIND_STYLES[k]} for k in KINDS],
        "lessonColor": LESSON_COLOR,
        # One layout for both: the overview's nodes keep the places they have in the full view.
        "views": {
            "full": _view(full, positions),
            "overview": _view(overview, positions),
            "people": _view(people, layout.positions(people)),
        },
        "network": _network_info(network, full),
        "info": info,
        "themes": _theme_tree(full),
        "questions": [
            {"id": q, "label": info[q]["label"], "text": next(iter(full.nodes[q]["props"].get("text", [])), "")}
            for q in questions
        ],
    }


def render_html(graph: Graph, *, mode: Mode = "full", base_url: str = "") -> str:
    """The page as a string: one file, vis-network, our CSS/JS and the data inlined; no other host is named."""
    data = payload(graph, mode=mode, base_url=base_url)
    counts = {m: len(data["views"][m]["nodes"]) for m in MODES}
    template = _env.get_template("graph.html.j2")
    return template.render(
        title="qikg · the #LeadingQI network",
        data_json=safe_json(data),
        vis_js=assets.vis_network_js(),
        page_js=assets.static_text("graph.js"),
        page_css=assets.static_text("graph.css"),
        counts=counts,
        mode=mode,
    )


def write_graph_html(graph: Graph, path: Path | str, *, mode: Mode = "full", base_url: str = "") -> Path:
    """Write the view to `path` atomically (temp file then rename), so a reader never sees half a page."""
    path = Path(path)
    html = render_html(graph, mode=mode, base_url=base_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".graph-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def publish(dataset: Graph, out_dir: Path) -> None:
    """The build's hook (entry point `qikg.publishers`): the full graph view of a finished build, as graph.html."""
    write_graph_html(dataset, Path(out_dir) / "graph.html", mode="full")
