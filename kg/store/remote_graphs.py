"""Writing whole named graphs to a SPARQL server: the Graph Store Protocol when it has a URL for it, else SPARQL
updates (`DROP SILENT GRAPH` + `INSERT DATA` in chunks)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef

from kg.store.base import StoreError
from kg.store.remote_protocol import LONG_TIMEOUT, SparqlProtocol

INSERT_CHUNK = 20_000  # triples per INSERT DATA request when no Graph Store Protocol URL is given


def _has_bnode(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _too_large(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in ("exceeded", "too long", "too large", "413", "too big", "memory exhausted"))


class GraphWriter:
    def __init__(self, protocol: SparqlProtocol) -> None:
        self.protocol = protocol
        self.settings = protocol.settings
        self.chunk = INSERT_CHUNK  # triples per INSERT DATA; lowered when the server finds a request too large

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
        # A blank node label names one node within one request only: the triples with blank nodes go together.
        with_bnodes = {i for i, t in enumerate(triples) if _has_bnode(t)}
        lines = body.decode("utf-8").splitlines()
        plain = [line for i, line in enumerate(lines) if i not in with_bnodes]
        self._insert(graph, plain, splittable=True)
        if with_bnodes:
            self._insert(graph, [lines[i] for i in sorted(with_bnodes)], splittable=False)

    def _insert(self, graph: str, lines: list[str], *, splittable: bool) -> None:
        """INSERT DATA in chunks; a chunk the server finds too large (Virtuoso: "generated SQL text has exceeded
        10000 lines", "memory exhausted") is sent again in halves."""
        pending = [lines[i : i + self.chunk] for i in range(0, len(lines), self.chunk)]
        while pending:
            chunk = pending.pop(0)
            if not chunk:
                continue
            text = "\n".join(chunk)
            # Blank nodes go in an INSERT template over one empty solution (one fresh node per label, standard
            # SPARQL): Virtuoso refuses them in INSERT DATA ("not allowed in a constant clause").
            update = (
                f"INSERT DATA {{ GRAPH <{graph}> {{\n{text}\n}} }}"
                if splittable
                else f"INSERT {{ GRAPH <{graph}> {{\n{text}\n}} }} WHERE {{}}"
            )
            try:
                self.protocol.update(update)
            except StoreError as error:
                if not (splittable and len(chunk) > 1 and _too_large(str(error))):
                    raise
                half = len(chunk) // 2
                self.chunk = max(1, min(self.chunk, half))
                pending[:0] = [chunk[:half], chunk[half:]]

    def delete(self, graph: str) -> None:
        if self.settings.gsp_url:
            response = self.protocol.request("DELETE", self.settings.gsp_url, params={"graph": graph})
            if response.status_code >= 400 and response.status_code != 404:
                raise StoreError(f"the Graph Store did not delete graph {graph}: HTTP {response.status_code}")
            return
        self.protocol.update(f"DROP SILENT GRAPH <{graph}>")
