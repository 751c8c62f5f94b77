"""Run untrusted /sparql queries in worker processes that can be killed, and that can reach no network.

A query engine cannot be interrupted from the outside once a join starts, and a thread cannot be killed, so a
runaway query (a cartesian product, say) runs in a separate process: when the time limit passes, the process is
killed and a fresh one takes its place. The server itself never runs a user's query, so /health and the API stay
quick while a worker grinds. Each worker reopens the store read-only from its `StoreSpec`.

Each worker also (api/isolation.py) leaves the network behind before it opens the store, so even a query that got
past the policy cannot open a connection; is killed by the kernel when the server dies (workers are started from one
long-lived thread, since the parent-death signal follows the starting thread); and may use at most a set amount of
memory, past which it dies and the client is told so; and stops reading an answer whose text passes a byte budget,
so a huge answer is never built, pickled or held by the server.

In front of the workers the server keeps a bounded queue on the event loop (`admit`, `run_async`): a request waits
for a worker without holding a thread of the shared pool the API's sync routes run in, a freed worker goes to the
waiting client with the fewest queries running (`Turns`), a client address may have only a few requests in at once
(429), and past the queue's length a request is turned away at once (503); both carry Retry-After. A request for a
worker that is up goes from the event loop to it and its reply is read on the loop as its bytes arrive (`_Replies`
frames each reply, `_ReplyReader.recv_async` reads it without blocking, however large): no thread is woken per
query. Starting a worker, joining a killed one and serialising an answer the worker did not write itself happen in
the sandbox's own threads, one per worker; workers may run at a lower CPU priority than the server
(QIKG_QUERY_NICE).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing as mp
import os
import pickle
import queue
import re
import resource
import select
import signal
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import FrameType
from typing import Literal, TypeVar, cast, get_args

import pyoxigraph as ox

from kg.sparql.formats import NATIVE_FORMATS, Encoded, encode_native
from kg.sparql.isolation import cut_network, die_with_parent
from kg.sparql.policy import CheckedQuery, MalformedQuery, PolicyError, QueryForm, check_query
from kg.store import (
    AnswerTooLarge,
    OxigraphStore,
    ProtocolDataset,
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
_STOPPING = "the server is stopping; try again shortly"
_GONE_POLL_S = 0.25  # how often a waiting request looks whether its client is still there
Isolation = Literal["required", "best-effort", "off"]
T = TypeVar("T")


class Rejected(StoreError):
    """The request was turned away before it ran, to keep the server's capacity: the client should retry after
    `retry_after` seconds (the Retry-After header)."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class SandboxBusy(Rejected):
    """Every worker is busy: the queue is full, or a request waited the whole time limit for a worker (HTTP 503)."""


class TooManyFromClient(Rejected):
    """One client address already has as many /sparql requests in as it may (HTTP 429)."""


class ClientGone(StoreError):
    """The client disconnected while its query waited for a worker: nobody is left to answer."""


class QueryFailed(StoreError):
    """The query engine failed on a query for a reason of the server's (an engine error, a store out of reach), not
    because of the query (HTTP 503)."""


class WorkerFailed(StoreError):
    """The worker process died or could not start: a fault of the server, not of the query's author (HTTP 503)."""


@dataclass(frozen=True)
class WorkerLimits:
    """What every worker process is held to."""

    isolation: Isolation = "required"
    memory_bytes: int | None = None  # RLIMIT_DATA: heap and anonymous mappings; None = no limit
    answer_bytes: int | None = None  # the text an answer may hold (kg.store's byte budget); None = no limit
    nice: int = 0  # CPU priority below the server's (os.nice): runaway queries leave the CPU to the event loop


@dataclass(frozen=True)
class Capacity:
    """How many /sparql requests the server takes in at once, beyond the workers that run them."""

    queue: int = 16  # requests that may wait for a worker while every worker is busy
    per_client: int = 4  # requests one client address may have in (running, waiting or being encoded)
    # how long after another client's last query began or ended the last free worker stays kept for others (`Turns`)
    keep_for_s: float = 30.0


def _mib(n: int | None) -> str:
    return f"{n / 2**20:g} MiB" if n else "no limit"


_PATH = re.compile(r"(?<![\w:/])/(?:[^\s/'\"<>:]+/)+[^\s/'\"<>:]*")
# what a failed outbound request says (not any message that merely names a URL or an OS error)
_NETWORK = re.compile(
    r"network is unreachable|connection (?:refused|reset|aborted)|error sending request|dns error|"
    r"failed to lookup address|tcp connect|\bHTTP \d{3}\b|status code \d{3}",
    re.IGNORECASE,
)
_UNSUPPORTED = re.compile(r"\bis not supported\b|\bnot implemented\b", re.IGNORECASE)


def scrub(message: str) -> str:
    """An engine's message fit for a client: no local paths, and nothing a remote host may have said."""
    if _NETWORK.search(message):
        return "the query tried to contact another server, which this endpoint never does (SERVICE is not allowed)"
    return _PATH.sub("[path]", message)


_HEADER = struct.Struct("!QB")  # a reply's frame: its length and kind, then the reply
_META = struct.Struct("!I")  # an answer's frame: the length of its description, then its bytes as they are
_REQUEST = struct.Struct("!Q")  # a request's frame: its length, then the pickle
_PICKLED, _ANSWER = 0, 1
_CHUNK = 1 << 20
_QUERY_FORMS: dict[str, QueryForm] = {form: form for form in get_args(QueryForm)}  # a form a worker may name


class _Replies:
    """The worker's side of its replies to the server: each one frame on the pipe's socket (8-byte length, a kind
    byte, then a pickle, or for an answer the worker wrote itself a small pickle describing it followed by its bytes,
    which are never pickled or copied into the frame), so the server can read it as its bytes arrive
    (`_ReplyReader`) instead of in one blocking call."""

    def __init__(self, conn: Connection) -> None:
        self._sock = socket.socket(fileno=os.dup(conn.fileno()))

    def send(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._send_parts([_HEADER.pack(len(data), _PICKLED), data])

    def send_answer(self, checked: CheckedQuery, media: str, body: bytes) -> None:
        """`send(("ok", (checked, Encoded(media, body))))` without pickling: the form, the media type and the query's
        text NUL-separated (the checked text has no NUL: `policy.canonical_text` refuses control characters), then
        the body."""
        meta = "\0".join((checked.form, media, checked.text)).encode()
        size = _META.size + len(meta) + len(body)
        self._send_parts([_HEADER.pack(size, _ANSWER), _META.pack(len(meta)), meta, body])

    def _send_parts(self, parts: list[bytes]) -> None:
        """All of `parts` in one system call where the socket takes them (scatter-gather: no joined copy)."""
        sent = self._sock.sendmsg(parts)
        total = sum(len(part) for part in parts)
        if sent < total:  # a blocking socket stopped short (a signal): the rest as one piece
            self._sock.sendall(memoryview(b"".join(parts))[sent:])


class _Requests:
    """Requests to a worker, each one frame (8-byte length, then the pickle) on the pipe's socket: the server writes
    one in one call (`send`), the worker reads the next one whole (`recv`), with fewer calls and copies than
    multiprocessing's `Connection` makes."""

    def __init__(self, conn: Connection) -> None:
        self._sock = socket.socket(fileno=os.dup(conn.fileno()))
        self._buffer = bytearray()

    def send(self, request: tuple) -> None:
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        self._sock.sendall(_REQUEST.pack(len(data)) + data)

    def recv(self) -> tuple:
        """The next request, blocking; EOFError when the server has closed its end."""
        while True:
            if len(self._buffer) >= _REQUEST.size:
                (size,) = _REQUEST.unpack_from(self._buffer)
                end = _REQUEST.size + size
                if len(self._buffer) >= end:
                    with memoryview(self._buffer) as view:
                        request = pickle.loads(view[_REQUEST.size : end])
                    del self._buffer[:end]
                    return cast(tuple, request)
            chunk = self._sock.recv(_CHUNK)
            if not chunk:
                raise EOFError
            self._buffer += chunk

    def close(self) -> None:
        self._sock.close()
        self._buffer.clear()


class _ReplyReader:
    """The server's side of a worker's replies: read one whole, blocking for at most a time limit (`recv`), or on
    the event loop as its bytes come in (`recv_async`): the loop never waits on the pipe, however large the answer,
    and no thread is woken for it. Bytes are read into one reused buffer (no 1 MiB object made per read)."""

    def __init__(self, conn: Connection) -> None:
        self._sock = socket.socket(fileno=os.dup(conn.fileno()))
        self._buffer = bytearray()
        self._chunk = bytearray(_CHUNK)
        self._view = memoryview(self._chunk)

    def _read(self, flags: int = 0) -> bool:
        """One read from the socket into the buffer; False when the worker has closed its end."""
        n = self._sock.recv_into(self._view, _CHUNK, flags)
        if not n:
            return False
        self._buffer += self._view[:n]
        return True

    def _take(self) -> tuple[bool, object]:
        """The first whole reply in the buffer, if there is one."""
        if len(self._buffer) < _HEADER.size:
            return False, None
        size, kind = _HEADER.unpack_from(self._buffer)
        end = _HEADER.size + size
        if len(self._buffer) < end:
            return False, None
        with memoryview(self._buffer) as view:
            if kind == _PICKLED:
                message = pickle.loads(view[_HEADER.size : end])
            else:
                (meta_size,) = _META.unpack_from(view, _HEADER.size)
                start = _HEADER.size + _META.size
                form, media, text = bytes(view[start : start + meta_size]).decode().split("\0", 2)
                body = bytes(view[start + meta_size : end])
                message = ("ok", (CheckedQuery(_QUERY_FORMS[form], text), Encoded(media, body)))
        del self._buffer[:end]
        return True, message

    def recv(self, timeout: float) -> object:
        """The next reply; TimeoutError past `timeout` s, EOFError when the worker has gone."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                done, message = self._take()
            except Exception as error:  # an unreadable reply: the worker is not to be trusted any more (as recv_async)
                raise EOFError(str(error)) from error
            if done:
                return message
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._sock], [], [], left)[0]:
                raise TimeoutError
            if not self._read():
                raise EOFError

    async def recv_async(self, timeout: float) -> object:
        """`recv` on the running event loop: each chunk is read when the socket is readable, without blocking."""
        done, message = self._take()
        if done:
            return message
        loop = asyncio.get_running_loop()
        arrived: asyncio.Future[object] = loop.create_future()

        def readable() -> None:
            if arrived.done():
                return
            try:
                more = self._read(socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                more = False
            if not more:
                arrived.set_exception(EOFError())
                return
            try:
                done, message = self._take()
            except Exception as error:  # an unreadable pickle: the worker is not to be trusted any more
                arrived.set_exception(EOFError(str(error)))
                return
            if done:
                arrived.set_result(message)

        def too_late() -> None:
            if not arrived.done():
                arrived.set_exception(TimeoutError())

        # the time limit as a timer on the very future the reply sets (asyncio.wait_for would add a future, a
        # callback and a turn of the loop to every reply)
        fd = self._sock.fileno()
        loop.add_reader(fd, readable)
        timer = loop.call_later(timeout, too_late)
        try:
            return await arrived
        finally:
            timer.cancel()
            loop.remove_reader(fd)

    def close(self) -> None:
        self._sock.close()
        self._buffer.clear()


def _worker_main(conn: Connection, spec: StoreSpec, limits: WorkerLimits, parent_pid: int) -> None:
    """Child process: cut the network, open the store, then answer (sparql, row_limit, allowed graphs, wanted formats)
    requests; allowed graphs of None mean the same as the last request's (the parent sends the list when it
    changes, not with every query: it is one IRI per chat)."""
    die_with_parent(parent_pid)
    out = _Replies(conn)
    requests = _Requests(conn)
    if limits.nice:
        os.nice(limits.nice)
    if limits.isolation != "off" and spec.backend != "remote":  # a remote store is reached over the network
        why = cut_network()
        if why is not None and limits.isolation == "required":
            out.send(
                (
                    "error",
                    f"the query worker could not be cut off from the network: {why}; set "
                    "QIKG_SPARQL_ISOLATION=best-effort to run queries without that block",
                )
            )
            return
        if why is not None:
            out.send(("warning", why))
    if limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
    try:
        store = reopen(spec)
    except Exception as error:  # report any start-up failure to the parent rather than dying silently
        out.send(("error", scrub(f"{type(error).__name__}: {error}")))
        return
    out.send(("ready", None))
    allowed: frozenset[str] = frozenset()  # a fresh worker is always sent the list first
    while True:
        try:
            sparql, row_limit, sent, wanted, dataset, base_iri, prefixes = requests.recv()
        except (EOFError, OSError):
            return
        if sent is not None:
            allowed = frozenset(sent)
        try:
            checked = check_query(sparql, allowed)
            media = (wanted or {}).get(checked.form)
            if media in NATIVE_FORMATS and isinstance(store, OxigraphStore):
                # the answer as bytes, written from the engine's terms: no rdflib terms, nothing but bytes pickled
                # the very text the policy judged, with the base beside it
                native = store.query_native(checked.text, dataset=dataset, base_iri=base_iri, prefixes=prefixes)
                assert not isinstance(native, ox.QueryTriples)  # `wanted` names formats for SELECT and ASK only
                body = encode_native(native, media, row_limit=row_limit, byte_limit=limits.answer_bytes)
                out.send_answer(checked, media, body)
                continue
            result = store.query(
                checked.text,
                row_limit=row_limit,  # the very text the policy judged
                byte_limit=limits.answer_bytes,
                dataset=dataset,
                base_iri=base_iri,
                prefixes=prefixes,
            )
            out.send(("ok", (checked, result)))
        except MalformedQuery as error:
            out.send(("malformed", str(error)))
        except PolicyError as error:
            out.send(("forbidden", str(error)))
        except QuerySyntaxError as error:
            out.send(("malformed", f"the query does not parse: {scrub(str(error))}"))
        except AnswerTooLarge as error:
            out.send(
                (
                    "too_large",
                    f"{error} (the server's QIKG_ANSWER_LIMIT_MB setting); ask for fewer rows or "
                    "shorter values: a LIMIT, SUBSTR, fewer or shorter GROUP_CONCATs",
                )
            )
        except RowLimitExceeded as error:
            out.send(("too_many", str(error)))
        except MemoryError:
            out.send(("out_of_memory", _out_of_memory(limits)))
            return  # a fresh worker takes over rather than one whose heap may be in pieces
        except StoreError as error:
            if _UNSUPPORTED.search(str(error)) and not _NETWORK.search(str(error)):  # the query's, not the server's
                out.send(("malformed", f"the query asks for something this engine does not do: {scrub(str(error))}"))
            else:
                out.send(("failed", scrub(f"{type(error).__name__}: {error}")))
        except Exception as error:  # evaluation errors of the engine: tell the client, keep the worker
            out.send(("failed", scrub(f"{type(error).__name__}: {error}")))


def _out_of_memory(limits: WorkerLimits) -> str:
    return (
        f"the query needed more memory than a query may use ({_mib(limits.memory_bytes)}, the server's "
        "QIKG_QUERY_MEMORY_MB setting) and was stopped; narrow the query down (ORDER BY, DISTINCT and GROUP BY "
        "over large joins hold every row)"
    )


class _Spawner:
    """One long-lived thread that starts every worker: the parent-death signal fires when the *starting thread*
    ends, and request threads come and go."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], object], Future] | None] = queue.Queue()
        self._closed = False
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
        if self._closed:
            raise WorkerFailed("the query sandbox is closed (the server is stopping)")
        future: Future = Future()
        self._jobs.put((process.start, future))
        try:
            future.result(timeout=_START_TIMEOUT)
        except TimeoutError:
            raise WorkerFailed("the query worker did not start") from None

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._jobs.put(None)


class _Worker:
    def __init__(self, spawner: _Spawner, limits: WorkerLimits) -> None:
        self.spawner, self.limits = spawner, limits
        self.process: mp.process.BaseProcess | None = None
        self.conn: Connection | None = None  # the pipe to the worker (its socket: requests one way, replies the other)
        self.requests: _Requests | None = None  # requests go this way (framed, see _Requests)
        self.replies: _ReplyReader | None = None  # replies come back this way (framed, see _Replies)
        self.spec: StoreSpec | None = None
        self.graphs: list[str] | None = None  # the allowed graphs this worker was last sent

    def ready_for(self, spec: StoreSpec) -> bool:
        """Whether the worker is up on `spec`'s store (else `ensure` starts it)."""
        return self.process is not None and self.process.is_alive() and self.spec == spec

    def ensure(self, spec: StoreSpec) -> None:
        if self.ready_for(spec):
            return
        self.stop()
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_worker_main, args=(child, spec, self.limits, os.getpid()), daemon=True, name="qikg-sparql-worker"
        )
        self.spawner.start(process)
        child.close()
        replies = _ReplyReader(parent)
        while True:
            try:
                status, message = cast(tuple[str, object], replies.recv(_START_TIMEOUT))
            except TimeoutError:
                process.kill()
                replies.close()
                parent.close()
                raise WorkerFailed("the query worker did not start") from None
            except (EOFError, OSError):
                status, message = "error", f"the worker exited with code {process.exitcode}"
            if status != "warning":
                break
            log.warning("query worker runs without a network block: %s", message)
        if status != "ready" or self.spawner.closed:  # closed: the server began to stop while this one started
            process.kill()
            replies.close()
            parent.close()
            if status == "ready":
                raise WorkerFailed(_STOPPING)
            log.error("query worker failed to start: %s", message)
            raise WorkerFailed(f"the query worker could not start: {message}")
        self.process, self.conn, self.replies, self.spec = process, parent, replies, spec
        self.requests = _Requests(parent)

    def ask(self, request: tuple, timeout: float) -> tuple[str, object]:
        assert self.requests is not None and self.replies is not None
        try:
            self.requests.send(request)
            return cast(tuple[str, object], self.replies.recv(timeout))
        except TimeoutError:
            raise self._timed_out(timeout) from None
        except (EOFError, OSError):
            raise self._ended() from None

    async def ask_async(self, request: tuple, timeout: float) -> tuple[str, object]:
        """`ask` on the event loop: the reply is read as it arrives, no thread waits for it (a request is a few
        kilobytes, the query's text being bounded, which the pipe takes at once). A worker that ran past the time
        limit or ended is killed here and must be `stop`ped (joined, off the loop) before it is used again."""
        assert self.requests is not None and self.replies is not None
        try:
            self.requests.send(request)
            return cast(tuple[str, object], await self.replies.recv_async(timeout))
        except TimeoutError:
            self._kill()
            raise QueryTimeout(f"the query ran longer than the limit of {timeout:g} s and was stopped") from None
        except (EOFError, OSError):
            self._kill()
            raise self._ended_error() from None
        except BaseException:  # cancelled halfway: its reply may still come, so it takes no other query
            self.stop()
            raise

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def _timed_out(self, timeout: float) -> QueryTimeout:
        self.stop()
        return QueryTimeout(f"the query ran longer than the limit of {timeout:g} s and was stopped")

    def _ended(self) -> WorkerFailed:
        self.stop()
        return self._ended_error()

    def _ended_error(self) -> WorkerFailed:
        if self.spawner.closed:  # stopped with the server (QuerySandbox.stop_queries), not by the query
            return WorkerFailed(_STOPPING)
        return WorkerFailed(
            "the query worker ended while running the query; most likely " + _out_of_memory(self.limits)
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        if self.replies is not None:
            self.replies.close()
        if self.requests is not None:
            self.requests.close()
        self.process = self.conn = self.replies = self.requests = self.spec = self.graphs = None


class _IdleWorkers:
    """The idle workers, the one that finished last handed out first: a worker that has just answered is still in
    the CPU's caches and on the scheduler's warm path, one that slept through the other's queries is not (one hot
    worker for back-to-back queries cost 0.36 ms of worker CPU per small query against 0.50 ms when two took turns,
    issue 17). Thread-safe; `get` blocks, as `queue.Queue.get` does."""

    def __init__(self) -> None:
        self._stack: list[_Worker] = []
        self._ready = threading.Condition(threading.Lock())

    def put(self, worker: _Worker) -> None:
        with self._ready:
            self._stack.append(worker)
            self._ready.notify()

    def get(self, timeout: float) -> _Worker | None:
        """The last worker put back, waiting at most `timeout` s for one (None when none came)."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._stack, timeout):
                return None
            return self._stack.pop()

    def take_ready(self, ready: Callable[[_Worker], bool]) -> _Worker | None:
        """The idle worker put back last among those `ready` accepts, or None: a worker stopped after a time-out is
        put back too, and must not hide a live one below it (it would be restarted while the live one sat idle)."""
        with self._ready:
            for i in range(len(self._stack) - 1, -1, -1):
                if ready(self._stack[i]):
                    return self._stack.pop(i)
            return None

    def take(self, worker: _Worker) -> bool:
        """Take this very worker if it is idle (the warm-up starts each worker once, whatever the order)."""
        with self._ready:
            if worker in self._stack:
                self._stack.remove(worker)
                return True
            return False


class Turns:
    """Worker slots handed out by turns: when a worker frees, the waiting request whose client has the fewest
    queries running gets it (ties: the one that waited longest), so a client that keeps several queries in cannot
    keep every worker while others wait.

    And the last free slot is kept for a client with nothing running while other clients are about: one client may
    then hold every worker but one (however many it may have in, QIKG_QUERY_PER_CLIENT), so another client's query
    starts at once instead of waiting for a runaway to reach the time limit. "About" is running or waiting now, or
    seen (a query of theirs began or ended) in the last `keep_for` seconds: a person at a query page sends the next
    query some seconds after reading the last answer, and is still there. A client alone (nobody else about) takes
    the last worker too, rather than queue behind its own queries while a worker idles; whoever comes next then waits
    at most until one of those ends (the time limit, for a runaway), and from then on the slot is kept again for
    `keep_for` seconds after they were last seen. A query kept waiting only by that reservation is let go by a
    timer when the reservation lapses. With one worker there is nothing to keep. Used on one event loop only (no
    lock); `clock` is for tests."""

    def __init__(self, slots: int, keep_for: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.free = slots
        self.running: dict[str, int] = {}
        self.keep_for = keep_for
        self._clock = clock
        self._seen: dict[str, float] = {}  # client -> when a query of theirs last began or ended
        self._waiting: list[tuple[int, str, asyncio.Future[None]]] = []
        self._order = 0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def taken(self) -> int:
        return sum(self.running.values())

    def _forget(self) -> None:
        """Drop the sightings older than `keep_for` (so the record holds only the clients of the last moments)."""
        since = self._clock() - self.keep_for
        if any(t <= since for t in self._seen.values()):
            self._seen = {c: t for c, t in self._seen.items() if t > since}

    def _about(self) -> set[str]:
        """The clients running or waiting now, or seen within `keep_for`."""
        self._forget()
        return set(self._seen) | set(self.running) | {entry[1] for entry in self._waiting}

    def others_about(self, client: str) -> bool:
        return bool(self._about() - {client})

    def may_take(self, client: str) -> bool:
        """Whether `client` may have a free slot: any but the last; the last only with nothing running, or when no
        other client is about."""
        if self.free > 1:
            return True
        return self.free == 1 and (not self.running.get(client) or not self.others_about(client))

    def starts_at_once(self, client: str) -> bool:
        """Whether `client` would have a slot now: it may have one and nobody waits who may."""
        return self.may_take(client) and not any(self.may_take(entry[1]) for entry in self._waiting)

    def take_now(self, client: str) -> bool:
        """Take a slot for `client` if it may have one and nobody waits who may (no task, no timer: the usual case;
        those still waiting are clients who have their share running)."""
        self._forget()
        self._seen[client] = self._clock()
        if self.starts_at_once(client):
            self._take(client)
            return True
        return False

    async def acquire(self, client: str) -> None:
        """Wait for a slot for `client` (cancel the wait to give up; a slot granted meanwhile is given back)."""
        if self.take_now(client):
            return
        self._order += 1
        entry = (self._order, client, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        self._lapse_later()
        try:
            await entry[2]
        except asyncio.CancelledError:
            if entry[2].done() and not entry[2].cancelled():
                self.release(client)  # granted just as the wait was given up
            elif entry in self._waiting:
                self._waiting.remove(entry)
            raise

    def close(self, error: Exception) -> None:
        """Turn every waiting request away with `error` (the server is stopping): none is left to wait for a turn."""
        waiting, self._waiting = self._waiting, []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for _, _, future in waiting:
            if not future.done():
                future.set_exception(error)

    def release(self, client: str) -> None:
        left = self.running.pop(client) - 1
        if left:
            self.running[client] = left
        self._seen[client] = self._clock()
        self.free += 1
        self._hand_out()

    def _hand_out(self) -> None:
        """Give the free slots to the waiting requests entitled to them, fewest running first."""
        while self.free and self._waiting:
            entitled = [e for e in self._waiting if self.may_take(e[1])]
            if not entitled:  # only clients who have their share running wait: the slot stays free for others
                break
            entry = min(entitled, key=lambda e: (self.running.get(e[1], 0), e[0]))
            self._waiting.remove(entry)
            if entry[2].done():  # its wait was cancelled and has not run its except yet: it takes no slot
                continue
            self._take(entry[1])
            entry[2].set_result(None)
        self._lapse_later()

    def _lapse_later(self) -> None:
        """While a slot is free and requests wait, the slot is kept by some client's recent sighting: look again when
        the first sighting lapses (then the next), so the wait ends with the reservation, not only at a release."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not (self.free and self._waiting):
            return
        self._forget()
        if self._seen:
            delay = max(0.0, min(self._seen.values()) + self.keep_for - self._clock())
            self._timer = asyncio.get_running_loop().call_later(delay + 0.01, self._on_lapse)

    def _on_lapse(self) -> None:
        self._timer = None
        self._hand_out()

    def _take(self, client: str) -> None:
        self.free -= 1
        self.running[client] = self.running.get(client, 0) + 1


_ERRORS: dict[str, type[Exception]] = {
    "malformed": MalformedQuery,
    "forbidden": PolicyError,
    "too_many": RowLimitExceeded,
    "too_large": AnswerTooLarge,
    "out_of_memory": WorkerFailed,
    "failed": QueryFailed,
}


def _outcome(status: str, payload: object) -> tuple[CheckedQuery, QueryResult | Encoded]:
    """A worker's reply as the checked query and its answer, or the matching error raised."""
    if status == "ok":
        return cast(tuple[CheckedQuery, QueryResult | Encoded], payload)
    raise _ERRORS[status](payload)


class QuerySandbox:
    """A small pool of killable query workers behind a bounded queue. `run` blocks the calling thread; the server
    uses `admit` and `run_async`, which wait on the event loop and in the sandbox's own threads."""

    def __init__(
        self,
        spec: Callable[[], StoreSpec],
        workers: int = 2,
        limits: WorkerLimits | None = None,
        capacity: Capacity | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        self._spec = spec
        self.base_iri = base_iri  # what relative IRIs of every query resolve against (the engine's option, no text)
        # prefixes every query may use undeclared (`qikg query`'s known ones), also an option beside the text
        self.prefixes = dict(prefixes) if prefixes else None
        self._spawner = _Spawner()
        self._idle = _IdleWorkers()
        self._all = [_Worker(self._spawner, limits or WorkerLimits()) for _ in range(workers)]
        self._warming: threading.Thread | None = None
        for worker in self._all:
            self._idle.put(worker)
        self.capacity = capacity or Capacity()
        # one thread per worker starts it, joins it or serialises its answer: never a thread of the shared pool
        self._runners = ThreadPoolExecutor(workers, thread_name_prefix="qikg-sandbox-run")
        self._turns = Turns(workers, self.capacity.keep_for_s)  # used from the server's event loop only
        self._admitted = 0  # requests let in (waiting, running or being encoded)
        self._by_client: dict[str, int] = {}
        self._stopping = False

    def load(self) -> dict[str, int]:
        """How busy /sparql is (for /health): workers, queries running, requests waiting or being encoded."""
        running = self._turns.taken
        return {
            "workers": len(self._all),
            "running": running,
            "waiting": self._admitted - running,
            "queue": self.capacity.queue,
        }

    @asynccontextmanager
    async def admit(self, client: str, *, timeout: float) -> AsyncIterator[None]:
        """Let one request in for its whole life (queue, run, encoding), or refuse it at once: 429 when `client`
        already has `per_client` requests in, 503 when every worker is busy and the queue is full. A request that
        would start at once (a worker is free for it: the one kept for a client with nothing running) is let in
        however full the queue is, since it does not wait: the queue of one client's queries must not turn away
        the client the kept worker idles for. (The /sparql route asks `run_async` in the same step of the event
        loop, so the free worker is still there when it takes it.)"""
        retry = max(1, math.ceil(timeout))
        if self._stopping:
            raise SandboxBusy(_STOPPING, retry)
        if self._by_client.get(client, 0) >= self.capacity.per_client:
            raise TooManyFromClient(
                f"this client already has {self.capacity.per_client} queries running or "
                "waiting, the most one client may have (the server's QIKG_QUERY_PER_CLIENT "
                "setting); wait for an answer before sending more",
                retry,
            )
        if self._admitted >= len(self._all) + self.capacity.queue and not self._turns.starts_at_once(client):
            raise SandboxBusy(
                f"all {len(self._all)} query workers are busy and {self.capacity.queue} queries are "
                "waiting (the server's QIKG_QUERY_QUEUE setting); try again shortly",
                retry,
            )
        self._admitted += 1  # no await since the checks: nothing else ran in between
        self._by_client[client] = self._by_client.get(client, 0) + 1
        try:
            yield
        finally:
            self._admitted -= 1
            left = self._by_client.pop(client) - 1
            if left:
                self._by_client[client] = left

    async def run_async(
        self,
        sparql: str,
        *,
        client: str,
        timeout: float,
        row_limit: int,
        allowed_graphs: Iterable[str],
        encode: Callable[[CheckedQuery, QueryResult | Encoded], T],
        gone: Callable[[], Awaitable[bool]] | None = None,
        dataset: ProtocolDataset | None = None,
        wanted: Mapping[str, str | None] | None = None,
    ) -> T:
        """`run` for the event loop: wait for a free worker without holding any thread (by turns between clients,
        see `Turns`), then run the query and `encode` its answer: on the loop when the worker is up and wrote the
        answer itself (`_run_here`), else in the sandbox's own thread for that worker (which starts it first). The
        worker's turn lasts until the answer is encoded, so the server holds at most one answer per worker. The
        wait is bounded: every query ahead ends within the time limit, and a worker killed at that limit is replaced
        within the start time-out (slow on a loaded machine: a wait of twice the limit alone turned waiting queries
        away as busy there)."""
        # a client's own queries beyond its share wait behind each other (up to per_client of them) as well
        wait = max(2, self.capacity.per_client) * timeout + _START_TIMEOUT
        if not self._turns.take_now(client):
            try:
                async with asyncio.timeout(wait):
                    await self._wait_turn(client, gone)
            except TimeoutError:
                raise SandboxBusy(
                    f"every query worker stayed busy for {wait:g} s; try again shortly", max(1, math.ceil(timeout))
                ) from None
        graphs = list(allowed_graphs)
        worker = self._idle_and_ready()
        if worker is not None:  # the usual case: the query goes from the event loop straight to the worker
            here = asyncio.ensure_future(
                self._run_here(worker, client, sparql, timeout, row_limit, graphs, encode, dataset, wanted)
            )
            return await asyncio.shield(here)  # run to the end even if the request is cancelled: the slot frees then
        loop = asyncio.get_running_loop()

        # a slot means a worker is idle or being warmed up: wait for that start, not only for the time limit
        def run_and_encode() -> T:
            return encode(
                *self.run(
                    sparql,
                    timeout=timeout,
                    row_limit=row_limit,
                    allowed_graphs=graphs,
                    wait=timeout + _START_TIMEOUT,
                    dataset=dataset,
                    wanted=wanted,
                )
            )

        job = self._runners.submit(run_and_encode)

        def free(_: Future) -> None:  # the slot is the worker's: it frees when the run ends, even if nobody waits
            try:
                loop.call_soon_threadsafe(self._turns.release, client)
            except RuntimeError:  # the loop has closed: nobody waits for a slot any more
                pass

        job.add_done_callback(free)
        return await asyncio.shield(asyncio.wrap_future(job))

    def _idle_and_ready(self) -> _Worker | None:
        """An idle worker already up on the store of the moment, or None (then one is started in a thread)."""
        spec = self._spec()
        return self._idle.take_ready(lambda worker: worker.ready_for(spec))

    async def _run_here(
        self,
        worker: _Worker,
        client: str,
        sparql: str,
        timeout: float,
        row_limit: int,
        graphs: list[str],
        encode: Callable[[CheckedQuery, QueryResult | Encoded], T],
        dataset: ProtocolDataset | None,
        wanted: Mapping[str, str | None] | None,
    ) -> T:
        """One query on the event loop, holding its slot (and `worker`, idle and up) until the answer is encoded: an
        answer the worker wrote itself is only wrapped, so `encode` runs here; one to serialise (graphs, TSV, the
        page) is encoded in the sandbox's thread. A worker that failed is joined off the loop before it is idle."""
        loop = asyncio.get_running_loop()
        try:
            broken = True
            try:
                status, payload = await worker.ask_async(
                    self._request(worker, sparql, row_limit, graphs, wanted, dataset), timeout
                )
                worker.graphs = graphs
                broken = (
                    status == "out_of_memory"
                )  # it is ending itself; the next query must not meet it on its way out
            finally:
                if broken and worker.process is not None:
                    await loop.run_in_executor(self._runners, worker.stop)
                self._idle.put(worker)
            checked, result = _outcome(status, payload)
            if isinstance(result, Encoded):
                return encode(checked, result)
            return await loop.run_in_executor(self._runners, encode, checked, result)
        finally:
            self._turns.release(client)

    def _request(
        self,
        worker: _Worker,
        sparql: str,
        row_limit: int,
        graphs: list[str],
        wanted: Mapping[str, str | None] | None,
        dataset: ProtocolDataset | None,
    ) -> tuple:
        """What a worker is sent: the allowed graphs only when they differ from what it was sent last."""
        sent = None if worker.graphs == graphs else graphs
        worker.graphs = None  # unknown until the worker has read the request
        return (sparql, row_limit, sent, dict(wanted or {}), dataset, self.base_iri, self.prefixes)

    async def _wait_turn(self, client: str, gone: Callable[[], Awaitable[bool]] | None) -> None:
        """Wait for a worker's slot; a client that has gone meanwhile gives its place up (ClientGone), so a burst of
        abandoned requests cannot hold the queue (the Turns' cancel gives back a slot granted at that moment)."""
        if gone is None:
            await self._turns.acquire(client)
            return
        waiting = asyncio.ensure_future(self._turns.acquire(client))
        try:
            while not waiting.done():
                await asyncio.wait({waiting}, timeout=_GONE_POLL_S)
                if not waiting.done() and await gone():
                    raise ClientGone("the client went away while waiting for a query worker")
            waiting.result()
        except BaseException:
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            raise

    def stop_queries(self) -> None:
        """The server is stopping (Ctrl+C, SIGTERM): answer every /sparql request now instead of letting the stop
        wait for each runaway's time limit and the queries queued behind it (uvicorn's graceful shutdown waits for
        every request in flight). Waiting requests and new ones are turned away (503, Retry-After), running queries'
        workers are killed (503: the worker ended), and none is started again. Call it on the event loop."""
        self._stopping = True
        self._turns.close(SandboxBusy(_STOPPING, 1))
        self._spawner.close()
        for worker in self._all:
            worker._kill()

    def stop_on_signals(self) -> Callable[[], None]:
        """Have SIGINT and SIGTERM `stop_queries` (on the running loop) before the handlers already set (the
        server's own, which then shut it down gracefully); returns what puts those handlers back. Only from the main
        thread, where signal handlers live (an app in a test client's thread does without)."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        loop = asyncio.get_running_loop()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handler(sig: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(self.stop_queries)  # never mid-way through the loop's own work
            before = previous[signal.Signals(sig)]
            if callable(before):
                before(sig, frame)
            elif before == signal.SIG_DFL:  # what the signal did before: end the process
                signal.signal(sig, signal.SIG_DFL)
                signal.raise_signal(sig)

        for sig in previous:
            signal.signal(sig, handler)

        def restore() -> None:
            for sig, before in previous.items():
                if signal.getsignal(sig) is handler:
                    signal.signal(sig, before)

        return restore

    def warm(self) -> threading.Thread:
        """Start the workers in the background so the first query does not pay for it."""

        def start() -> None:  # one worker at a time, so a first query waits for one start at most
            for worker in self._all:
                if not self._idle.take(worker):
                    continue  # a request holds it, and starts it itself
                try:
                    worker.ensure(self._spec())
                except StoreError:
                    pass
                finally:
                    self._idle.put(worker)

        thread = threading.Thread(target=start, daemon=True, name="qikg-sandbox-warm")
        self._warming = thread
        thread.start()
        return thread

    def run(
        self,
        sparql: str,
        *,
        timeout: float,
        row_limit: int,
        allowed_graphs: Iterable[str],
        wait: float | None = None,
        dataset: ProtocolDataset | None = None,
        wanted: Mapping[str, str | None] | None = None,
    ) -> tuple[CheckedQuery, QueryResult | Encoded]:
        """Check and run one query in a worker (waiting at most `wait`, default `timeout`, for an idle one), over the
        request's `dataset` if it names one; raise the matching error from kg.store / kg.sparql.policy. `wanted`
        names the media type the caller will send per query form (SELECT, ASK): when the worker can write that format
        itself (`formats.NATIVE_FORMATS`, on the embedded store) the answer comes back `Encoded`, else as a
        `QueryResult`."""
        worker = self._idle.get(timeout if wait is None else wait)
        if worker is None:
            raise SandboxBusy("all query workers are busy; try again shortly", max(1, math.ceil(timeout))) from None
        try:
            worker.ensure(self._spec())
            graphs = list(allowed_graphs)
            status, payload = worker.ask(self._request(worker, sparql, row_limit, graphs, wanted, dataset), timeout)
            worker.graphs = graphs
            if status == "out_of_memory":
                worker.stop()  # it is ending itself; make sure the next query does not meet it on its way out
        finally:
            self._idle.put(worker)
        return _outcome(status, payload)

    def close(self) -> None:
        if self._warming is not None:
            self._warming.join(_START_TIMEOUT)  # never kill a worker halfway through its start
        self._runners.shutdown(wait=False, cancel_futures=True)
        for worker in self._all:
            worker.stop()
        self._spawner.close()
