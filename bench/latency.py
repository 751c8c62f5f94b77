"""Request latency over HTTP (sequential, bounded loops) and concurrent load (bounded clients and time).

Every loop stops at whichever comes first: `max_n` requests or `max_s` seconds (at least one request is always
made, itself bounded by the client timeout). A request counts as an error unless it returns 200.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx

SPARQL_JSON = "application/sparql-results+json"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(durations: list[float], errors: int, extra: dict | None = None) -> dict:
    ms = [d * 1000 for d in durations]
    out = {
        "n": len(ms),
        "errors": errors,
        "median_ms": round(statistics.median(ms), 2) if ms else None,
        "p99_ms": round(percentile(ms, 99), 2) if ms else None,
        "min_ms": round(min(ms), 2) if ms else None,
    }
    out.update(extra or {})
    return out


def timed_loop(send: Callable[[], httpx.Response], *, max_n: int, max_s: float, warmup: int = 1) -> dict:
    """Time `send()` sequentially; warm-up requests are not counted. Records the answer size of the last reply."""
    errors, durations, size, status, detail = 0, [], None, None, None
    for _ in range(warmup):
        try:
            send()
        except httpx.HTTPError:
            pass
    deadline = time.perf_counter() + max_s
    while len(durations) + errors < max_n:
        started = time.perf_counter()
        try:
            response = send()
            elapsed = time.perf_counter() - started
            status = response.status_code
            if status == 200:
                durations.append(elapsed)
                size = len(response.content)
            else:
                errors += 1
                detail = response.text[:200]
        except httpx.HTTPError as error:
            errors += 1
            detail = f"{type(error).__name__}: {error}"[:200]
            if isinstance(error, httpx.TimeoutException):
                break  # a server still grinding would only queue the next request
        if time.perf_counter() > deadline:
            break
    return summarise(durations, errors, {"bytes": size, "status": status, **({"detail": detail} if detail else {})})


def sparql_sender(
    client: httpx.Client, url: str, query: str, timeout: float | None = None
) -> Callable[[], httpx.Response]:
    """POST the query as a form (SPARQL 1.1 Protocol), asking for SPARQL JSON results (`timeout`: the client's)."""
    extra = {} if timeout is None else {"timeout": timeout}
    return lambda: client.post(url, data={"query": query}, headers={"Accept": SPARQL_JSON}, **extra)


def result_rows(response: httpx.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if "results" in body:
        return len(body["results"]["bindings"])
    if "total" in body:
        return body["total"]
    return None


CQ_DIR = Path(__file__).resolve().parents[1] / "ontology" / "queries" / "cq"


def cq_queries(folder: Path = CQ_DIR) -> list[tuple[str, str]]:
    """(name, text) of every competency query, in name order."""
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


# --- concurrent load -------------------------------------------------------------------------------------------------


async def _client_loop(
    client: httpx.AsyncClient,
    make: Callable[[httpx.AsyncClient], object],
    stop_at: float,
    durations: list[float],
    errors: list[str],
) -> None:
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            response = await make(client)  # type: ignore[misc]
            if response.status_code == 200:
                durations.append(time.perf_counter() - started)
            else:
                errors.append(f"HTTP {response.status_code}")
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)


async def _load(make: Callable, clients: int, seconds: float, timeout: float) -> tuple[list[float], list[str], float]:
    durations: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(_client_loop(client, make, stop_at, durations, errors) for _ in range(clients)))
        wall = time.perf_counter() - started
    return durations, errors, wall


def concurrent(
    make: Callable[[httpx.AsyncClient], object], *, clients: int, seconds: float, timeout: float = 30.0
) -> dict:
    """`clients` concurrent keep-alive clients sending requests back to back for `seconds` (plus the last replies)."""
    durations, errors, wall = asyncio.run(_load(make, clients, seconds, timeout))
    kinds: dict[str, int] = {}
    for e in errors:
        kinds[e] = kinds.get(e, 0) + 1
    return summarise(
        durations,
        len(errors),
        {
            "clients": clients,
            "seconds": round(wall, 2),
            "requests_per_s": round(len(durations) / wall, 1) if wall else None,
            "error_kinds": kinds,
        },
    )
