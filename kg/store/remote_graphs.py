"""Writing whole named graphs to a SPARQL server: the Graph Store Protocol when it has a URL for it, else SPARQL
updates (`DROP SILENT GRAPH` + `INSERT DATA` in chunks)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef

from kg.store.base import StoreError
from kg.store.remote_protocol import LONG_TIMEOUT, SparqlProtocol

INSERT_CHUNK = 20_000  # triples per INSERT DATA request when no Graph Store Protocol URL is given


class GraphWriter:
    def __init__(self, protocol: SparqlProtocol) -> None:
        self.protocol = protocol
        self.settings = protocol.settings

    def names(self) -> list[str]:
        """The named graphs the server holds now."""
        rows = self.protocol.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", (), None, None).rows
        return [str(row["g"]) for row in rows if isinstance(row.get("g"), URIRef)]

    def put(self, graph: str, triples: list[ox.Triple]) -> None:
        """Make `graph` hold exactly these triples."""
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        if self.settings.gsp_url:
            response = self.protocol.request(
                "PUT",
                self.settings.gsp_url,
                params={"graph": graph},
                content=body,
                headers={"Content-Type": "application/n-triples"},
                timeout=max(self.settings.timeout, LONG_TIMEOUT),
            )
            if response.status_code >= 400:
                raise StoreError(
                    f"the Graph Store refused graph {graph}: HTTP {response.status_code} {response.text[:300]}"
                )
            return
        self.protocol.update(f"DROP SILENT GRAPH <{graph}>")
        lines = body.decode("utf-8").splitlines()
        for start in range(0, len(lines), INSERT_CHUNK):
            chunk = "\n".join(lines[start : start + INSERT_CHUNK])
            self.protocol.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk}\n}} }}")

    def delete(self, graph: str) -> None:
        if self.settings.gsp_url:
            response = self.protocol.request("DELETE", self.settings.gsp_url, params={"graph": graph})
            if response.status_code >= 400 and response.status_code != 404:
                raise StoreError(f"the Graph Store did not delete graph {graph}: HTTP {response.status_code}")
            return
        self.protocol.update(f"DROP SILENT GRAPH <{graph}>")
