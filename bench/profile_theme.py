"""Where the milliseconds of `/api/resources?theme=` go, measured in-process on the embedded Oxigraph store.

    python -m bench.profile_theme DATA_DIR THEME   (prints one JSON object)

The lookup answers from the catalogue's theme index (built once per load), so the split is: the catalogue build at
start-up (which reads the index), `api.lookups.resources_for_theme` itself, and JSON encoding of the first page. For
reference it also times the same answer in SPARQL (api/queries/resources_by_theme.rq): the evaluation alone
(pyoxigraph, rows iterated, no conversion) and the store call (with conversion of every term to rdflib), which is
what each request cost before the index. A cProfile of the lookup names the hottest functions.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from fastapi.encoders import jsonable_encoder
from rdflib import URIRef

from api import lookups
from api.deps import Page
from api.queries import load
from kg.indexes.catalogue import Catalogue
from kg.settings import Settings
from kg.store import OxigraphStore, to_ox


def _median_ms(fn, reps: int, max_s: float) -> tuple[float, int]:
    times: list[float] = []
    deadline = time.perf_counter() + max_s
    while len(times) < reps:
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    return round(statistics.median(times) * 1000, 2), len(times)


def profile(data_dir: Path, theme: str, reps: int = 20, max_s: float = 20.0) -> dict:
    store = OxigraphStore(None)
    started = time.perf_counter()
    store.load(data_dir / "qikg.trig", key="bench")
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    catalogue = Catalogue.read(store, Settings().id_base)
    catalogue_s = time.perf_counter() - started
    node = lookups.theme(catalogue, theme)
    sparql = load("resources_by_theme")
    raw = store._require()
    subs = {ox.Variable("root"): to_ox(URIRef(node.iri))}

    def evaluate() -> int:
        return sum(1 for _ in raw.query(sparql, substitutions=subs))  # the merged default graph, as the API reads it

    def store_call() -> int:
        return len(store.query(sparql, {"root": URIRef(node.iri)}).rows)

    def lookup() -> list[dict]:
        return lookups.resources_for_theme(catalogue, node, True)

    items = lookup()
    page = Page(50, 0)

    def encode() -> int:
        return len(json.dumps(jsonable_encoder(page.of(items))))

    rows = evaluate()
    eval_ms, n1 = _median_ms(evaluate, reps, max_s)
    store_ms, n2 = _median_ms(store_call, reps, max_s)
    lookup_ms, n3 = _median_ms(lookup, reps, max_s)
    encode_ms, n4 = _median_ms(encode, reps, max_s)
    profiler = cProfile.Profile()
    profiler.enable()
    lookup()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(8)
    hot = [line.strip() for line in text.getvalue().splitlines() if line.strip() and line.strip()[0].isdigit()][:8]
    return {
        "theme": node.iri,
        "rows": rows,
        "items": len(items),
        "quads": store.triple_count(),
        "quotes_in_catalogue": len(catalogue.quotes),
        "resources_in_catalogue": len(catalogue.resources),
        "load_s": round(load_s, 2),
        "catalogue_s": round(catalogue_s, 2),
        "sparql_eval_ms": eval_ms,
        "store_query_ms": store_ms,
        "term_conversion_ms": round(store_ms - eval_ms, 2),
        "lookup_total_ms": lookup_ms,
        "index_lookup_ms": lookup_ms,
        "json_page_ms": encode_ms,
        "reps": min(n1, n2, n3, n4),
        "hot_functions_tottime": hot,
    }


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(profile(Path(args[0]), args[1])))
