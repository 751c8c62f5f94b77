"""rdflib-endpoint serving one RDF file from rdflib's memory store (union default graph), for the comparison.

    python -m bench.rdflib_endpoint_app DATA.nq PORT

Binds 127.0.0.1 only; `/health` answers once the data is parsed (the SPARQL endpoint is `/sparql`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import rdflib.plugins.sparql as rdflib_sparql
import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

FORMATS = {".nq": "nquads", ".trig": "trig", ".nt": "nt", ".ttl": "turtle"}


def main(path: str, port: int) -> None:
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM <url> over the network
    data = Path(path)
    dataset = Dataset(default_union=True)
    dataset.parse(data, format=FORMATS[data.suffix.lower()])
    app = SparqlEndpoint(graph=dataset, path="/sparql", title="rdflib-endpoint (benchmark)", cors_enabled=False)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "triples": len(dataset)}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
