"""Benchmark of the graph view: time to a stable view in headless Chromium at the seed graph's size, at about 2,000
nodes and at 10x (synthetic copies of the seed's chat).

"Stable" is the first finished drawing: positions come from the server and physics is off, so nothing moves
afterwards. Measured from navigation start (so it includes parsing the page, the JSON and vis-network) to the page's
`window.qikgReady`. Also records the server-side cost (SPARQL projection + layout + page) and the file size.

    .venv/bin/python -m bench.graph_view [--runs 3] [--nodes 2000] [--factor 10] [--screenshot docs/graph.png]

Writes bench/results/graph_view.json (or --out); `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from rdflib import Dataset

from bench.graph_synth import synthesize
from visualizations.model import full_graph, overview_graph
from visualizations.render import write_graph_html

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "graph_view.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def seed_graph() -> tuple[Dataset, str]:
    """The built graph when there is one, else the pipeline's extraction + RDF build (no validation, no files)."""
    built = ROOT / "qikg-data" / "build" / "qikg.trig"  # `make build`
    if built.exists():
        dataset = Dataset()
        dataset.parse(built, format="trig")
        return dataset, str(built.relative_to(ROOT))
    from kg.pipeline.inputs import default_sources
    from kg.pipeline.run import extract_all
    from kg.rdf.assemble import assemble

    return assemble(extract_all(default_sources()), []), "kg.pipeline.assemble(extract_all(default_sources()))"


def browser_times(page_file: Path, runs: int, screenshot: Path | None = None) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for mode in ("overview", "full"):
            totals, draws = [], []
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(f"{page_file.as_uri()}?mode={mode}")
                page.wait_for_function("window.qikgReady === true", timeout=300_000)
                totals.append(page.evaluate("window.qikg.readyAt"))
                draws.append(page.evaluate("window.qikg.drawMs"))
                if errors:
                    raise RuntimeError(f"page errors: {errors}")
                if screenshot is not None and mode == "overview" and len(totals) == runs:
                    page.evaluate("window.qikg.select(window.qikg.matches('DrNicolaBurgess', 1)[0] || '', false)")
                    page.wait_for_timeout(300)
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot))
                context.close()
            out[mode] = {
                "ms_to_stable_view_median": round(statistics.median(totals), 1),
                "ms_network_draw_median": round(statistics.median(draws), 1),
                "runs": runs,
            }
        browser.close()
    return out


def measure(graph: Dataset, label: str, runs: int, screenshot: Path | None = None) -> dict[str, object]:
    full = full_graph(graph)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "graph.html"
        started = time.perf_counter()
        write_graph_html(graph, page_file)
        server_s = time.perf_counter() - started
        size = page_file.stat().st_size
        times = browser_times(page_file, runs, screenshot)
    return {
        "graph": label,
        "nodes_full": full.number_of_nodes(),
        "edges_full": full.number_of_edges(),
        "nodes_overview": overview_graph(full).number_of_nodes(),
        "server_render_s": round(server_s, 2),
        "page_bytes": size,
        "browser": times,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=2000, help="also measure a graph of at least this many nodes")
    parser.add_argument("--factor", type=float, default=10.0, help="and one this many times the seed's nodes")
    parser.add_argument(
        "--screenshot", type=Path, default=None, help="save the seed overview here (e.g. docs/graph.png)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    seed, source = seed_graph()
    seed_nodes = full_graph(seed).number_of_nodes()
    factors = sorted({round(args.nodes / seed_nodes, 2), args.factor})
    results = {
        "what": "time from navigation start to the first complete drawing of build/graph.html in headless Chromium "
        "(physics off: positions computed server-side), median of runs",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "seed_source": source,
        "seed": measure(seed, "seed", args.runs, args.screenshot),
        "scaled": [measure(synthesize(seed, f), f"synthetic x{f:g}", args.runs) for f in factors],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
