"""An rdflib `Dataset` in memory: slow at scale, no dependencies beyond rdflib."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rdflib import Dataset, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

from kg.store.base import (
    Bindings,
    Budget,
    Deadline,
    ProtocolDataset,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreSpec,
    file_key,
    limited,
    rdf_format,
)


class RdflibStore:
    """rdflib `Dataset` in memory, the union of its graphs as the default graph."""

    backend = "rdflib"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._key: str | None = None
        self._source: str | None = None
        self._count = 0

    def load(self, source: Path, key: str | None = None) -> None:
        source = Path(source)
        rdf_format(source)
        fresh = Dataset(default_union=True)
        fresh.parse(
            source,
            format={".trig": "trig", ".nq": "nquads", ".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}[
                source.suffix.lower()
            ],
        )
        count = sum(1 for _ in fresh.quads((None, None, None, None)))  # quads, as Oxigraph counts them
        with self._lock:
            self._dataset, self._key, self._source, self._count = fresh, key or file_key(source), str(source), count

    def loaded_key(self) -> str | None:
        return self._key

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        row_limit: int | None = None,
        byte_limit: int | None = None,
        dataset: ProtocolDataset | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> QueryResult:
        with self._lock:
            held = self._dataset
        if held is None:
            raise StoreError("the store is empty: build the graph and load it first")
        deadline = Deadline(timeout)
        init: dict[str, Any] = {Variable(name): value for name, value in (bindings or {}).items()}
        try:
            if dataset is None:
                result = held.query(sparql, initBindings=init or None, initNs=dict(prefixes or {}), base=base_iri)
            else:
                result = _view(held, dataset).query(
                    _without_from(sparql, base_iri, prefixes), initBindings=init or None
                )
        except Exception as error:  # rdflib raises pyparsing / its own errors for bad queries
            if type(error).__name__ in {"ParseException", "ParseSyntaxException"}:
                raise QuerySyntaxError(str(error)) from None
            raise StoreError(f"{type(error).__name__}: {error}") from None
        if result.type == "ASK":
            return QueryResult("ASK", boolean=bool(result.askAnswer))
        budget = Budget(byte_limit)
        if result.type == "SELECT":
            names = [str(v) for v in result.vars or []]
            rows = []
            for row in limited(result.bindings, row_limit, deadline, "rows"):
                kept = {str(k): v for k, v in row.items() if v is not None and str(k) in names}
                for value in kept.values():
                    budget.charge(len(value))
                rows.append(kept)
            return QueryResult("SELECT", variables=names, rows=rows)
        triples = []
        for triple in limited(result.graph or [], row_limit, deadline, "triples"):
            for term in triple:
                budget.charge(len(term))
            triples.append(triple)
        return QueryResult("CONSTRUCT", triples=triples)

    def triple_count(self) -> int:
        return self._count

    def named_graphs(self) -> list[str]:
        with self._lock:
            dataset = self._dataset
        if dataset is None:
            return []
        return sorted(
            str(g.identifier)
            for g in dataset.graphs()
            if isinstance(g.identifier, URIRef) and g.identifier != URIRef("urn:x-rdflib:default")
        )

    def spec(self) -> StoreSpec:
        return StoreSpec("rdflib", None, self._source)

    def close(self) -> None:
        with self._lock:
            self._dataset = None


def _without_from(sparql: str, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None) -> Query:
    """The query with its own FROM / FROM NAMED dropped: the request's dataset replaces them (rdflib would add the
    graphs they name to it)."""
    query = translateQuery(parseQuery(sparql), base=base_iri, initNs=dict(prefixes or {}))
    query.algebra["datasetClause"] = None
    return query


def _view(held: Dataset, wanted: ProtocolDataset) -> Dataset:
    """A copy of the graphs a request names as its dataset (fine at the sizes this store is for); a graph not held
    is empty. A FROM of the query's own then reads from this copy, never from the web."""
    view = Dataset(default_union=False)
    for name in wanted.default:
        view.default_graph += held.get_context(URIRef(name))
    for name in wanted.named:
        graph = view.graph(URIRef(name))
        graph += held.get_context(URIRef(name))
    return view
