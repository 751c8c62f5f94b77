"""Run untrusted /sparql queries in worker processes that can be killed.

A query engine cannot be interrupted from the outside once a join starts, and a thread cannot be killed, so a
runaway query (a cartesian product, say) runs in a separate process: when the time limit passes, the process is
killed and a fresh one takes its place. The server itself never runs a user's query, so /health and the API stay
quick while a worker grinds. Each worker reopens the store read-only from its `StoreSpec`.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection

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

_CONTEXT = mp.get_context("spawn")  # never fork a process that holds RocksDB handles and server threads
_START_TIMEOUT = 60.0


class SandboxBusy(StoreError):
    """Every worker stayed busy for the whole time limit."""


def _worker_main(conn: Connection, spec: StoreSpec) -> None:
    """Child process: open the store, then answer (sparql, row_limit, allowed graphs) requests forever."""
    try:
        store = reopen(spec)
    except Exception as error:  # report any start-up failure to the parent rather than dying silently
        conn.send(("error", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            sparql, row_limit, allowed = conn.recv()
        except (EOFError, OSError):
            return
        try:
            checked = check_query(sparql, allowed)
            result = store.query(sparql, row_limit=row_limit)
            conn.send(("ok", (checked, result)))
        except MalformedQuery as error:
            conn.send(("malformed", str(error)))
        except PolicyError as error:
            conn.send(("forbidden", str(error)))
        except QuerySyntaxError as error:
            conn.send(("malformed", f"the query does not parse: {error}"))
        except RowLimitExceeded as error:
            conn.send(("too_many", str(error)))
        except Exception as error:  # evaluation errors of the engine: tell the client, keep the worker
            conn.send(("failed", f"{type(error).__name__}: {error}"))


class _Worker:
    def __init__(self) -> None:
        self.process: mp.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.spec: StoreSpec | None = None

    def ensure(self, spec: StoreSpec) -> None:
        if self.process is not None and self.process.is_alive() and self.spec == spec:
            return
        self.stop()
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_worker_main, args=(child, spec), daemon=True, name="qikg-sparql-worker")
        process.start()
        child.close()
        if not parent.poll(_START_TIMEOUT):
            process.kill()
            raise StoreError("the query worker did not start")
        try:
            status, message = parent.recv()
        except (EOFError, OSError):
            status, message = "error", f"the worker exited with code {process.exitcode}"
        if status != "ready":
            process.kill()
            raise StoreError(f"the query worker could not open the store: {message}")
        self.process, self.conn, self.spec = process, parent, spec

    def ask(self, request: tuple, timeout: float) -> tuple[str, object]:
        assert self.conn is not None
        self.conn.send(request)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except (EOFError, OSError):
                self.stop()
                raise StoreError("the query worker ended unexpectedly (out of memory?)") from None
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

    def __init__(self, spec: Callable[[], StoreSpec], workers: int = 2) -> None:
        self._spec = spec
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all = [_Worker() for _ in range(workers)]
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
