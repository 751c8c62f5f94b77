"""Run untrusted /sparql queries in worker processes that can be killed, and that can reach no network.

A query engine cannot be interrupted from the outside once a join starts, and a thread cannot be killed, so a
runaway query (a cartesian product, say) runs in a separate process: when the time limit passes, the process is
killed and a fresh one takes its place. The server itself never runs a user's query, so /health and the API stay
quick while a worker grinds. Each worker reopens the store read-only from its `StoreSpec`.

Each worker also (api/isolation.py) leaves the network behind before it opens the store, so even a query that got
past the policy cannot open a connection; is killed by the kernel when the server dies (workers are started from one
long-lived thread, since the parent-death signal follows the starting thread); and may use at most a set amount of
memory, past which it dies and the client is told so.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import re
import resource
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Literal

from api.isolation import cut_network, die_with_parent
from api.sparql_policy import CheckedQuery, MalformedQuery, PolicyError, check_query
from kg.store import (
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    RowLimitExceeded,
    StoreError,
    StoreSpec,
    reopen,
)

log = logging.getLogger("qikg.sandbox")
_CONTEXT = mp.get_context("spawn")  # never fork a process that holds RocksDB handles and server threads
_START_TIMEOUT = 60.0
Isolation = Literal["required", "best-effort", "off"]


class SandboxBusy(StoreError):
    """Every worker stayed busy for the whole time limit."""


class WorkerFailed(StoreError):
    """The worker process died or could not start: a fault of the server, not of the query's author (HTTP 503)."""


@dataclass(frozen=True)
class WorkerLimits:
    """What every worker process is held to."""

    isolation: Isolation = "required"
    memory_bytes: int | None = None  # RLIMIT_DATA: heap and anonymous mappings; None = no limit


_PATH = re.compile(r"(?<![\w:/])/(?:[^\s/'\"<>:]+/)+[^\s/'\"<>:]*")
_NETWORK = re.compile(r"https?://|\bos error\b|connection|network|unreachable|\bdns\b|resolv", re.IGNORECASE)


def scrub(message: str) -> str:
    """An engine's message fit for a client: no local paths, and nothing a remote host may have said."""
    if _NETWORK.search(message):
        return "the query tried to contact another server, which this endpoint never does (SERVICE is not allowed)"
    return _PATH.sub("[path]", message)


def _worker_main(conn: Connection, spec: StoreSpec, limits: WorkerLimits, parent_pid: int) -> None:
    """Child process: cut the network, open the store, then answer (sparql, row_limit, allowed graphs) requests."""
    die_with_parent(parent_pid)
    if limits.isolation != "off" and spec.backend != "remote":  # a remote store is reached over the network
        why = cut_network()
        if why is not None and limits.isolation == "required":
            conn.send(("error", f"the query worker could not be cut off from the network: {why}; set "
                       "QIKG_SPARQL_ISOLATION=best-effort to run queries without that block"))
            return
        if why is not None:
            conn.send(("warning", why))
    if limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
    try:
        store = reopen(spec)
    except Exception as error:  # report any start-up failure to the parent rather than dying silently
        conn.send(("error", scrub(f"{type(error).__name__}: {error}")))
        return
    conn.send(("ready", None))
    while True:
        try:
            sparql, row_limit, allowed = conn.recv()
        except (EOFError, OSError):
            return
        try:
            checked = check_query(sparql, allowed)
            result = store.query(checked.text, row_limit=row_limit)  # the very text the policy judged
            conn.send(("ok", (checked, result)))
        except MalformedQuery as error:
            conn.send(("malformed", str(error)))
        except PolicyError as error:
            conn.send(("forbidden", str(error)))
        except QuerySyntaxError as error:
            conn.send(("malformed", f"the query does not parse: {scrub(str(error))}"))
        except RowLimitExceeded as error:
            conn.send(("too_many", str(error)))
        except MemoryError:
            conn.send(("failed", "the query needed more memory than a query may use"))
        except Exception as error:  # evaluation errors of the engine: tell the client, keep the worker
            conn.send(("failed", scrub(f"{type(error).__name__}: {error}")))


class _Spawner:
    """One long-lived thread that starts every worker: the parent-death signal fires when the *starting thread*
    ends, and request threads come and go."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], object], Future] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="qikg-sandbox-spawner")
        self._thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            start, future = job
            try:
                future.set_result(start())
            except BaseException as error:  # handed to the caller, who raises it
                future.set_exception(error)

    def start(self, process: mp.process.BaseProcess) -> None:
        future: Future = Future()
        self._jobs.put((process.start, future))
        future.result()

    def close(self) -> None:
        self._jobs.put(None)


class _Worker:
    def __init__(self, spawner: _Spawner, limits: WorkerLimits) -> None:
        self.spawner, self.limits = spawner, limits
        self.process: mp.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.spec: StoreSpec | None = None

    def ensure(self, spec: StoreSpec) -> None:
        if self.process is not None and self.process.is_alive() and self.spec == spec:
            return
        self.stop()
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_worker_main, args=(child, spec, self.limits, os.getpid()), daemon=True,
                                   name="qikg-sparql-worker")
        self.spawner.start(process)
        child.close()
        while True:
            if not parent.poll(_START_TIMEOUT):
                process.kill()
                raise WorkerFailed("the query worker did not start")
            try:
                status, message = parent.recv()
            except (EOFError, OSError):
                status, message = "error", f"the worker exited with code {process.exitcode}"
            if status != "warning":
                break
            log.warning("query worker runs without a network block: %s", message)
        if status != "ready":
            process.kill()
            log.error("query worker failed to start: %s", message)
            raise WorkerFailed(f"the query worker could not start: {message}")
        self.process, self.conn, self.spec = process, parent, spec

    def ask(self, request: tuple, timeout: float) -> tuple[str, object]:
        assert self.conn is not None
        self.conn.send(request)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except (EOFError, OSError):
                self.stop()
                raise WorkerFailed("the query worker ended while running the query (most likely it needed more "
                                   "memory than a query may use); narrow the query down") from None
        self.stop()
        raise QueryTimeout(f"the query ran longer than the limit of {timeout:g} s and was stopped")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = self.spec = None


class QuerySandbox:
    """A small pool of killable query workers; `run` blocks the calling thread only."""

    def __init__(self, spec: Callable[[], StoreSpec], workers: int = 2,
                 limits: WorkerLimits | None = None) -> None:
        self._spec = spec
        self._spawner = _Spawner()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all = [_Worker(self._spawner, limits or WorkerLimits()) for _ in range(workers)]
        self._warming: threading.Thread | None = None
        for worker in self._all:
            self._idle.put(worker)

    def warm(self) -> threading.Thread:
        """Start the workers in the background so the first query does not pay for it."""

        def start() -> None:
            taken = []
            try:
                while True:
                    taken.append(self._idle.get_nowait())
            except queue.Empty:
                pass
            try:
                for worker in taken:
                    try:
                        worker.ensure(self._spec())
                    except StoreError:
                        pass
            finally:
                for worker in taken:
                    self._idle.put(worker)

        thread = threading.Thread(target=start, daemon=True, name="qikg-sandbox-warm")
        self._warming = thread
        thread.start()
        return thread

    def run(self, sparql: str, *, timeout: float, row_limit: int,
            allowed_graphs: Iterable[str]) -> tuple[CheckedQuery, QueryResult]:
        """Check and run one query in a worker; raise the matching error from kg.store / api.sparql_policy."""
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise SandboxBusy("all query workers are busy; try again shortly") from None
        try:
            worker.ensure(self._spec())
            status, payload = worker.ask((sparql, row_limit, list(allowed_graphs)), timeout)
        finally:
            self._idle.put(worker)
        if status == "ok":
            checked, result = payload  # type: ignore[misc]
            return checked, result
        errors: dict[str, type[Exception]] = {"malformed": MalformedQuery, "forbidden": PolicyError,
                                              "too_many": RowLimitExceeded, "failed": StoreError}
        raise errors[status](payload)

    def close(self) -> None:
        if self._warming is not None:
            self._warming.join(_START_TIMEOUT)  # never kill a worker halfway through its start
        for worker in self._all:
            worker.stop()
        self._spawner.close()
