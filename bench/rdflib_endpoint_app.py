"""rdflib-endpoint serving one RDF file from rdflib's memory store (union default graph), for the comparison.

    python -m bench.rdflib_endpoint_app DATA.nq PORT

Binds 127.0.0.1 only; `/health` answers once the data is parsed (the SPARQL endpoint is `/sparql`).
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

import psutil
import rdflib.plugins.sparql as rdflib_sparql
import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

FORMATS = {".nq": "nquads", ".trig": "trig", ".nt": "nt", ".ttl": "turtle"}


def main(path: str, port: int) -> None:
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM <url> over the network
    data = Path(path)
    proc = psutil.Process()
    gc.collect()
    before = proc.memory_info().rss
    started = time.perf_counter()
    dataset = Dataset(default_union=True)  # as kg.store.RdflibStore.load does
    dataset.parse(data, format=FORMATS[data.suffix.lower()])
    load_s = time.perf_counter() - started
    count = len(dataset)
    gc.collect()
    loaded = {"load_s": round(load_s, 3), "rss_before": before, "rss_after": proc.memory_info().rss}
    app = SparqlEndpoint(graph=dataset, path="/sparql", title="rdflib-endpoint (benchmark)", cors_enabled=False)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "triples": count, **loaded}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
