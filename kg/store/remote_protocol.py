"""Talking to a SPARQL 1.1 server: queries (SPARQL Protocol, form POST, the answer streamed and parsed as it
arrives), updates, and any other request, each failure turned into the store's errors (kg/store/base.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any, cast
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from kg.store.base import Deadline, QueryResult, QuerySyntaxError, QueryTimeout, RemoteSettings, StoreError
from kg.store.convert import from_ox_result

# What to ask for depends on the query's form: a server that can answer a CONSTRUCT in a results format (Virtuoso
# does, as a table of s/p/o) must be asked for a graph format first, and a SELECT for a results format.
RESULT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/n-quads;q=0.8, application/rdf+xml;q=0.5"
ACCEPT_BY_FORM = {"SELECT": RESULT_ACCEPT, "ASK": RESULT_ACCEPT, "CONSTRUCT": GRAPH_ACCEPT, "DESCRIBE": GRAPH_ACCEPT}
ANY_ACCEPT = f"{RESULT_ACCEPT}, application/n-triples;q=0.8, text/turtle;q=0.7"
GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
LONG_TIMEOUT = 300.0  # loads and updates may take longer than a query


class _ResponseReader:
    """A file-like view of a streaming HTTP body, so Oxigraph's parsers read results as they arrive."""

    # Virtuoso writes blank nodes in SPARQL JSON as "nodeID://b10000", which is no blank node label; the label is
    # what follows the scheme (only the value of a "bnode" term is touched, never a literal's text).
    _VIRTUOSO_BNODE = (b'"type": "bnode", "value": "nodeID://', b'"type": "bnode", "value": "')
    _KEEP = len(_VIRTUOSO_BNODE[0])

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.iter_bytes()
        self._buffer = b""
        self._pending = b""  # the last bytes of the stream, held back until the next chunk shows what they begin

    def _next(self) -> bytes | None:
        chunk = next(self._chunks, None)
        if chunk is None:
            out, self._pending = self._pending, b""
            return out or None
        data = (self._pending + chunk).replace(*self._VIRTUOSO_BNODE)
        self._pending = data[-self._KEEP :]
        return data[: -self._KEEP]

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = self._next()
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


class SparqlProtocol:
    """One HTTP client for one server (its credentials, its time limit)."""

    def __init__(self, settings: RemoteSettings) -> None:
        self.settings = settings
        self._client = httpx.Client(auth=settings.auth(), timeout=settings.timeout, follow_redirects=False)
        self.is_virtuoso = False  # learnt from the Server header: its answers need the rewrites of remote_answers

    def request(self, method: str, url: str, *, timeout: float | None = None, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, timeout=timeout or self.settings.timeout, **kwargs)
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"the SPARQL server did not answer within {timeout or self.settings.timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {type(error).__name__}: {error}") from None
        if response.status_code in (401, 403):
            raise StoreError(self.refusal(url, response))
        return response

    def refusal(self, url: str, response: httpx.Response) -> str:
        """Why a 401/403 came back, saying whether credentials were sent (and which scheme the server asks for)."""
        status = response.status_code
        asks = response.headers.get("www-authenticate", "").split(" ")[0]
        if self.settings.username:
            scheme = self.settings.auth_scheme.capitalize()
            told = f"refused the credentials of {self.settings.username!r} ({scheme} auth; HTTP {status})"
            if asks and asks.lower() != self.settings.auth_scheme:
                told += f"; it asks for {asks} auth (QIKG_REMOTE_AUTH={asks.lower()})"
            return f"the SPARQL server at {url} {told}"
        hint = f"; it asks for {asks} auth" if asks else ""
        return (
            f"the SPARQL server at {url} refused the request (HTTP {status}) and no credentials were sent{hint}: "
            "set QIKG_REMOTE_USERNAME and QIKG_REMOTE_PASSWORD (QIKG_REMOTE_AUTH=basic or digest), or let the "
            'server\'s anonymous account do this (Virtuoso: GRANT SPARQL_UPDATE TO "SPARQL"; docs/stores.md)'
        )

    def query(
        self,
        sparql: str,
        dataset: Sequence[tuple[str, str]],
        timeout: float | None,
        row_limit: int | None,
        byte_limit: int | None = None,
        form: str | None = None,
    ) -> QueryResult:
        """Send and read the answer as it streams in, so a row, size or time limit stops a huge answer early.
        `dataset`: the default-graph-uri / named-graph-uri parameters to send with the query; `form`: SELECT, ASK,
        CONSTRUCT or DESCRIBE (what to ask for)."""
        deadline = Deadline(timeout)
        response = self._send(sparql, dataset, timeout, ACCEPT_BY_FORM.get(form or "", ANY_ACCEPT))
        try:
            return self._parse(response, row_limit, deadline, byte_limit)
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"the SPARQL server did not finish within {timeout or self.settings.timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise StoreError(f"the SPARQL server broke off its answer: {type(error).__name__}: {error}") from None
        except (SyntaxError, OSError) as error:
            raise StoreError(f"the SPARQL server's answer does not parse: {error}") from None
        finally:
            response.close()

    def _send(
        self, sparql: str, dataset: Sequence[tuple[str, str]], timeout: float | None, accept: str = ANY_ACCEPT
    ) -> httpx.Response:
        """POST the query (form-encoded) and return the open, streaming response; the caller closes it."""
        form = [("query", sparql), *dataset]
        request = self._client.build_request(
            "POST",
            self.settings.query_url,
            content=urlencode(form),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout or self.settings.timeout,
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"the SPARQL server did not answer within {timeout or self.settings.timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise StoreError(
                f"cannot reach the SPARQL server at {self.settings.query_url}: {type(error).__name__}: {error}"
            ) from None
        self.is_virtuoso = self.is_virtuoso or "virtuoso" in response.headers.get("server", "").lower()
        if response.status_code >= 400:
            try:
                message = response.read().decode("utf-8", "replace").strip()[:2000]
            except httpx.HTTPError:
                message = ""
            finally:
                response.close()
            if response.status_code == 400:
                raise QuerySyntaxError(message or "the server refused the query (HTTP 400)")
            if response.status_code in (401, 403):
                raise StoreError(self.refusal(self.settings.query_url, response))
            raise StoreError(f"the SPARQL server answered HTTP {response.status_code}: {message[:500]}")
        return response

    @staticmethod
    def _parse(
        response: httpx.Response, row_limit: int | None, deadline: Deadline, byte_limit: int | None = None
    ) -> QueryResult:
        mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
        body = cast(IO[bytes], _ResponseReader(response))  # file-like: read() is all the parsers call
        if mime in RESULT_FORMATS:
            return from_ox_result(
                ox.parse_query_results(body, format=RESULT_FORMATS[mime]), row_limit, deadline, byte_limit
            )
        if mime in GRAPH_FORMATS:
            return from_ox_result(ox.parse(body, format=GRAPH_FORMATS[mime]), row_limit, deadline, byte_limit)
        raise StoreError(f"the SPARQL server answered in an unexpected format: {mime or 'no content type'}")

    def update(self, update: str) -> None:
        if not self.settings.update_url:
            raise StoreError(
                "loading a remote store needs a Graph Store URL (QIKG_REMOTE_GSP_URL) or an update "
                "URL (QIKG_REMOTE_UPDATE_URL)"
            )
        response = self.request(
            "POST", self.settings.update_url, data={"update": update}, timeout=max(self.settings.timeout, LONG_TIMEOUT)
        )
        if response.status_code >= 400:
            raise StoreError(f"the SPARQL server refused an update: HTTP {response.status_code} {response.text[:300]}")

    def close(self) -> None:
        self._client.close()
