"""Run SPARQL queries with a hard time limit, in worker processes that can be killed.

pyoxigraph has no timeout and no cancel (docs/sparql.md, "The workers"). So the executor keeps a small pool
of worker processes (``worker.py``), each holding the whole snapshot in an in-memory Store. A
query goes to an idle worker over a socket pair; if the answer is not back within the limit, the
worker is killed with SIGKILL and a fresh one is started in the background. The other workers go
on serving meanwhile.

Per request, the parent process only does the cheap things: the guard (``guard.py``, cached),
content negotiation (cached), one pickle each way. The worker evaluates, applies the row cap and
serializes, so the bytes that come back are the HTTP body.

Two entry points share one pool: ``execute`` blocks the calling thread, ``aexecute`` is a
coroutine that waits on the socket through the asyncio event loop (no thread hop, so a web
handler can be ``async def`` without ever blocking the loop). Queued async queries are sent to
a worker from the very loop callback that read the worker's previous answer: a busy web process
does not leave workers idle while its tasks wait for their turn.

Wire protocol (8-byte length + pickle, see ``worker.py``):

- parent -> worker, once: ``{"snapshot": bytes, "extension": str, "prefixes": dict, ...}``;
  worker -> parent: ``("ready", pid, {graph: triples}, sandbox)``;
- ``("query", pending_updates, text, base_iri|None, prefixes|None, union,
  default_graphs|None, named_graphs|None, media_type, max_rows)``
  -> ``("ok", kind, media_type, truncated, body)``;
- ``("update", pending_updates, text, base_iri)`` -> ``("ok",)``;
- errors: ``("syntax", message, line, column)``, ``("error", message)``, ``("fatal", message)``
  (the worker exits after a fatal reply and is replaced).

Updates (only when the web layer allows them) are kept in an in-memory log: a worker applies the
entries it has not seen yet before its next request, and a replacement worker replays the whole
log. So every worker sees every update, and nothing survives a restart of the server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import pickle
import queue
import select
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path

from .errors import (
    ExecutorBusyError,
    ForbiddenQueryError,
    QueryExecutionError,
    QuerySyntaxError,
    QueryTimeoutError,
    UpdateFailedError,
)
from .formats import negotiate
from .guard import check_dataset_params, check_query
from .worker import HEADER

log = logging.getLogger(__name__)

DEFAULT_BASE_IRI = "https://w3id.org/scalekg/sparql"


@dataclass(slots=True)
class QueryResult:
    body: bytes
    media_type: str
    truncated: bool
    query_type: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    row_limit: int = 0
    elapsed_s: float = 0.0
    cached: bool = False


class _ResultCache:
    """Answers already computed, by (query, media type, dataset, base): LRU, bounded in bytes.

    The snapshot does not change while the server runs, so an answer stays right until an
    update, which clears the cache. Queries using NOW(), RAND(), UUID(), STRUUID() or BNODE()
    are never cached, nor are errors, timeouts or answers larger than ``max_entry`` bytes."""

    def __init__(self, max_bytes: int, max_entry: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry = min(max_entry, max_bytes)
        self._entries: OrderedDict[tuple, QueryResult] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> QueryResult | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def put(self, key: tuple, result: QueryResult) -> None:
        size = len(result.body) + len(key[0]) + 200
        if size > self.max_entry:
            return
        cached = QueryResult(
            result.body, result.media_type, result.truncated, result.query_type,
            result.row_limit, 0.0, True,
        )  # fmt: skip
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body) + len(key[0]) + 200
            self._entries[key] = cached
            self._size += size
            while self._size > self.max_bytes and self._entries:
                k, v = self._entries.popitem(last=False)
                self._size -= len(v.body) + len(k[0]) + 200

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


class _Deadline(Exception):
    pass


class _Channel:
    """The parent's end of a socket pair: non-blocking and framed. Sync callers wait with
    ``select``; async callers register ``try_read`` with the event loop (``add_reader``)."""

    __slots__ = ("buf", "fd", "sock")

    def __init__(self, sock: socket.socket):
        sock.setblocking(False)
        self.sock = sock
        self.fd = sock.fileno()
        self.buf = bytearray()

    def send(self, payload: bytes, deadline: float) -> None:
        data = memoryview(HEADER.pack(len(payload)) + payload)
        while data:
            try:
                sent = self.sock.send(data)
                data = data[sent:]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Deadline from None
                select.select([], [self.sock], [], remaining)

    def try_read(self):
        """The next whole message if it has arrived, else None. EOFError if the worker is gone."""
        buf = self.buf
        while True:
            try:
                chunk = self.sock.recv(1 << 20)
            except BlockingIOError:
                break
            except OSError as exc:
                raise EOFError(str(exc)) from exc
            if not chunk:
                raise EOFError("worker closed its socket")
            buf += chunk
            if len(chunk) < (1 << 20):
                break
        if len(buf) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(buf)
        end = HEADER.size + size
        if len(buf) < end:
            return None
        message = pickle.loads(memoryview(buf)[HEADER.size : end])
        del buf[:end]
        return message

    def recv(self, deadline: float):
        while True:
            message = self.try_read()
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Deadline
            select.select([self.sock], [], [], remaining)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class _Spawner:
    """Starts every worker process from one long-lived thread.

    Linux sends a worker its PR_SET_PDEATHSIG signal when the *thread* that forked it exits,
    not the process. Replacements are started from short-lived threads, so the fork happens
    here, in a thread that lives exactly as long as the executor."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._gate = threading.Lock()  # a job is queued before the stop marker, or refused
        self._thread = threading.Thread(target=self._run, name="sparql-spawner", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, args, kwargs, fut = job
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(*args, **kwargs))
                except BaseException as exc:
                    fut.set_exception(exc)

    def call(self, fn, *args, **kwargs):
        fut: concurrent.futures.Future = concurrent.futures.Future()
        with self._gate:
            if self._closed:  # after close() nobody would run the job: never wait for it
                raise RuntimeError("the executor is closed")
            self._jobs.put((fn, args, kwargs, fut))
        return fut.result()

    def close(self) -> None:
        with self._gate:
            self._closed = True
            self._jobs.put(None)


class _Worker:
    __slots__ = ("applied", "chan", "pid", "proc", "sandbox", "sizes")

    def __init__(self, proc: subprocess.Popen, chan: _Channel):
        self.proc = proc
        self.chan = chan
        self.applied = 0
        self.pid = proc.pid
        self.sandbox = ""
        self.sizes: dict[str, int] = {}

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.chan.close()


class _Waiter:
    """A thread waiting in ``execute`` for a free worker."""

    __slots__ = ("abandoned", "event", "worker")

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.abandoned = False
        self.event = threading.Event()


class _Job:
    """A query from ``aexecute``: queued, then running on a worker, then done.

    Jobs are dispatched by whoever frees a worker, inside the event loop's callback that read the
    previous answer, so a worker gets its next query without waiting for any task to run."""

    __slots__ = (
        "applied", "cancelled", "fut", "loop", "plan", "query", "state", "timer", "worker",
    )  # fmt: skip

    def __init__(self, loop, query: str, plan: tuple) -> None:
        self.loop = loop
        self.fut = loop.create_future()
        self.query = query
        self.plan = plan
        self.state = "queued"  # queued, assigned, running, done
        self.cancelled = False
        self.timer: asyncio.TimerHandle | None = None
        self.worker: _Worker | None = None
        self.applied = 0

    def settle(self, reply=None, error: BaseException | None = None) -> None:
        self.state = "done"
        if self.timer is not None:
            self.timer.cancel()
        if not self.fut.done():
            if error is not None:
                self.fut.set_exception(error)
            else:
                self.fut.set_result(reply)


def _syntax_error(reply) -> QuerySyntaxError:
    _, message, line, column = reply
    return QuerySyntaxError(message, line, column)


class QueryExecutor:
    """A pool of killable worker processes that answer SPARQL over one snapshot.

    - ``snapshot_path``: N-Quads (or TriG, Turtle, N-Triples, by extension) loaded by every worker.
    - ``workers``: number of processes; a runaway query occupies one until the time limit.
    - ``timeout_s``: hard limit of one query (evaluation plus serialization); also the longest
      wait for a free worker before ExecutorBusyError.
    - ``max_rows``: row cap of SELECT results and triple cap of CONSTRUCT/DESCRIBE results.
    - ``prefixes``: prefixes a query may use without declaring them (default: ScaleKG's).
    - ``memory_limit_mb``: address-space cap of each worker (None for no cap).
    - ``sandbox``: run workers without network access (Linux namespaces); ``require_sandbox``
      makes start-up fail when the kernel refuses.
    - ``cache_bytes``: size of the cache of answers in this process (0: no cache); answers
      bigger than ``cache_entry_bytes`` are not kept.
    """

    def __init__(
        self,
        snapshot_path: Path,
        *,
        workers: int = 2,
        timeout_s: float = 10.0,
        max_rows: int = 10000,
        prefixes: dict[str, str] | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
        memory_limit_mb: int | None = 4096,
        sandbox: bool = True,
        require_sandbox: bool = False,
        start_timeout_s: float = 60.0,
        cache_bytes: int = 32 * 1024 * 1024,
        cache_entry_bytes: int = 1024 * 1024,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if prefixes is None:
            from ..namespaces import PREFIXES

            prefixes = dict(PREFIXES)
        self.snapshot_path = Path(snapshot_path)
        self.timeout_s = float(timeout_s)
        self.max_rows = int(max_rows)
        self.prefixes = dict(prefixes)
        self.base_iri = base_iri
        self.workers = workers
        self.sandbox = sandbox
        self.require_sandbox = require_sandbox
        self.start_timeout_s = start_timeout_s
        self._init = {
            "snapshot": self.snapshot_path.read_bytes(),
            "extension": self.snapshot_path.suffix.lstrip(".") or "nq",
            "prefixes": self.prefixes,
            "memory_limit_mb": memory_limit_mb,
        }
        self._lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[_Waiter] = deque()
        self._jobs: deque[_Job] = deque()
        self._all: set[_Worker] = set()
        self._starting: set[_Worker] = set()  # replacements not ready yet
        self._updates: list[tuple[str, str]] = []
        self._closed = False
        self.stats = {
            "queries": 0,
            "cache_hits": 0,
            "timeouts": 0,
            "restarts": 0,
            "errors": 0,
            "busy": 0,
        }
        self._cache = _ResultCache(cache_bytes, cache_entry_bytes) if cache_bytes > 0 else None
        self.graph_sizes: dict[str, int] = {}
        self.sandboxed = False
        self._spawner = _Spawner()
        started = [self._start() for _ in range(workers)]
        try:
            ready = [self._wait_ready(w) for w in started]
        except BaseException:
            for w in started:
                w.kill()
            self._spawner.close()
            raise
        first = ready[0]
        self.graph_sizes = dict(first.sizes)
        self.graphs = frozenset(g for g in first.sizes if g)
        self.sandboxed = all(w.sandbox for w in ready)
        if sandbox and not self.sandboxed:
            message = "SPARQL workers could not drop network access (no Linux namespaces)"
            if require_sandbox:
                self.close()
                raise RuntimeError(message)
            log.warning("%s; the guard alone keeps SERVICE out", message)
        for w in ready:
            self._all.add(w)
            self._idle.append(w)

    # ------------------------------------------------------------------ worker lifecycle

    def _start(self) -> _Worker:
        parent, child = socket.socketpair()
        module = __name__.rsplit(".", 1)[0] + ".worker"
        cmd = [
            sys.executable,
            "-c",
            f"from {module} import main; main()",
            str(child.fileno()),
            str(os.getpid()),
            "1" if self.sandbox else "0",
        ]
        env = dict(os.environ)
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        try:
            proc = self._spawner.call(
                subprocess.Popen,
                cmd,
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            child.close()
        worker = _Worker(proc, _Channel(parent))
        payload = pickle.dumps(self._init, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            worker.chan.send(payload, time.monotonic() + self.start_timeout_s)
        except (_Deadline, OSError) as exc:
            worker.kill()
            raise RuntimeError(f"could not start a SPARQL worker: {exc}") from exc
        return worker

    def _wait_ready(self, worker: _Worker) -> _Worker:
        try:
            reply = worker.chan.recv(time.monotonic() + self.start_timeout_s)
        except (_Deadline, EOFError) as exc:
            worker.kill()
            raise RuntimeError(f"SPARQL worker did not start: {exc!r}") from exc
        if reply[0] != "ready":
            worker.kill()
            raise RuntimeError(f"SPARQL worker failed to start: {reply!r}")
        _, worker.pid, worker.sizes, worker.sandbox = reply
        return worker

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker (runaway, dead or in an unknown state) and start its replacement."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.stats["restarts"] += 1
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, old: _Worker) -> None:
        try:
            old.proc.wait(10)
        except subprocess.TimeoutExpired:
            log.error("SPARQL worker %s did not die", old.pid)
        delay = 0.5
        while not self._closed:
            try:
                worker = self._start()
                with self._lock:
                    if self._closed:
                        worker.kill()
                        return
                    self._starting.add(worker)  # close() kills it too
                try:
                    worker = self._wait_ready(worker)
                finally:
                    with self._lock:
                        self._starting.discard(worker)
            except Exception:
                if self._closed:  # close() won the race: its kill is why the start failed
                    log.debug("executor closed while a SPARQL worker was being replaced")
                    return
                log.exception("could not restart a SPARQL worker; retrying")
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            with self._lock:
                if self._closed:
                    worker.kill()
                    return
                self._all.add(worker)
            self._release(worker)
            return

    # ------------------------------------------------------------------ the pool

    def _release(self, worker: _Worker) -> None:
        """A worker is free: hand it to a waiting thread, else to the first queued job."""
        job = None
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.abandoned:
                    waiter.worker = worker
                    waiter.event.set()
                    return
            while self._jobs:
                candidate = self._jobs.popleft()
                if not candidate.cancelled and candidate.state == "queued":
                    candidate.state = "assigned"
                    job = candidate
                    break
            if job is None:
                self._idle.append(worker)
                return
        if asyncio._get_running_loop() is job.loop:
            self._dispatch(job, worker)
        else:
            job.loop.call_soon_threadsafe(self._dispatch, job, worker)

    def _dispatch(self, job: _Job, worker: _Worker) -> None:
        """Send a job's query to a worker and watch the worker's socket (on the job's loop)."""
        if job.cancelled or job.fut.done():
            self._release(worker)
            return
        payload, job.applied = self._request(worker, job.query, job.plan)
        try:
            worker.chan.send(payload, time.monotonic() + self.timeout_s)
        except (_Deadline, OSError):  # the worker died while idle: retry on another
            self._discard(worker)
            with self._lock:
                job.state = "queued"
                self._jobs.appendleft(job)
            if job.timer is None:
                job.timer = job.loop.call_later(self.timeout_s, self._expired, job)
            return
        self.stats["queries"] += 1
        job.state = "running"
        job.worker = worker
        if job.timer is not None:
            job.timer.cancel()
        job.timer = job.loop.call_later(self.timeout_s, self._expired, job)
        job.loop.add_reader(worker.chan.fd, self._readable, job)

    def _readable(self, job: _Job) -> None:
        worker = job.worker
        try:
            reply = worker.chan.try_read()
        except EOFError:
            job.loop.remove_reader(worker.chan.fd)
            job.settle(error=self._died(worker))
            return
        if reply is None:
            return
        job.loop.remove_reader(worker.chan.fd)
        if reply[0] == "fatal":
            self._discard(worker)
            self.stats["errors"] += 1
            job.settle(error=QueryExecutionError(reply[1]))
            return
        worker.applied = job.applied
        job.settle(reply)
        self._release(worker)  # the next queued query starts now, in this callback

    def _expired(self, job: _Job) -> None:
        if job.state == "queued":
            with self._lock:
                try:
                    self._jobs.remove(job)
                except ValueError:
                    return  # just assigned a worker: the dispatch is on its way
            job.settle(error=self._busy())
        elif job.state == "running":
            job.loop.remove_reader(job.worker.chan.fd)
            job.settle(error=self._timeout(job.worker))

    def _busy(self) -> ExecutorBusyError:
        self.stats["busy"] += 1
        return ExecutorBusyError(
            f"all {self.workers} query workers stayed busy for {self.timeout_s:g} s; try again later",
            self.timeout_s,
        )

    def _acquire(self, timeout: float) -> _Worker:
        with self._lock:
            if self._closed:
                raise QueryExecutionError("the query executor is closed")
            if self._idle:
                return self._idle.popleft()
            waiter = _Waiter()
            self._waiters.append(waiter)
        waiter.event.wait(timeout)
        with self._lock:
            if waiter.worker is None:
                waiter.abandoned = True
                raise self._busy()
        return waiter.worker

    # ------------------------------------------------------------------ queries

    def _prepare(self, query, accept, fmt, default_graph_uris, named_graph_uris, base_iri):
        """Guard, negotiate, and work out what the worker needs: ``(info, media_type, plan)``.

        The plan sends the base IRI and the default prefixes only when the query needs them
        (relative IRIs, undeclared prefixes): each costs the engine 10-15 us per query."""
        base = base_iri or self.base_iri
        info = check_query(query, known_graphs=self.graphs, base_iri=base, prefixes=self.prefixes)
        media_type = negotiate(info.form, accept, fmt)
        if default_graph_uris or named_graph_uris:
            check_dataset_params(default_graph_uris, named_graph_uris, self.graphs)
            union, dgs, ngs = False, tuple(default_graph_uris), tuple(named_graph_uris)
        else:
            # The union default graph, unless the query has its own FROM / FROM NAMED
            # (pyoxigraph ignores them when asked for the union).
            union, dgs, ngs = not (info.default_graphs or info.named_graphs), None, None
        prefixes = tuple(
            (p, self.prefixes[p]) for p in info.undeclared_prefixes if p in self.prefixes
        )
        plan = (base if info.relative_iris else None, prefixes or None, union, dgs, ngs, media_type)
        return info, media_type, plan

    def _cache_key(self, info, query, plan) -> tuple | None:
        if self._cache is None or not info.deterministic:
            return None
        # The number of updates applied so far makes answers from before an update unreachable.
        return (query, plan, len(self._updates))

    def _cached(self, key: tuple | None) -> QueryResult | None:
        if key is None:
            return None
        hit = self._cache.get(key)
        if hit is not None:
            self.stats["cache_hits"] += 1
        return hit

    def _request(self, worker: _Worker, query: str, plan: tuple) -> tuple[bytes, int]:
        applied = len(self._updates)
        pending = tuple(self._updates[worker.applied : applied])
        request = ("query", pending, query, *plan, self.max_rows)
        return pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL), applied

    def _finish(self, worker: _Worker, reply, applied: int, info, started: float) -> QueryResult:
        if reply[0] == "fatal":
            self._discard(worker)
            self.stats["errors"] += 1
            raise QueryExecutionError(reply[1])
        worker.applied = applied
        self._release(worker)
        return self._answer(reply, info, started)

    def _answer(self, reply, info, started: float) -> QueryResult:
        status = reply[0]
        if status == "ok":
            _, _, media_type, truncated, body = reply
            return QueryResult(
                body=body,
                media_type=media_type,
                truncated=truncated,
                query_type=info.form,
                row_limit=self.max_rows,
                elapsed_s=time.monotonic() - started,
            )
        if status == "syntax":
            raise _syntax_error(reply)
        self.stats["errors"] += 1
        raise QueryExecutionError(reply[1])

    def _timeout(self, worker: _Worker) -> QueryTimeoutError:
        self._discard(worker)
        self.stats["timeouts"] += 1
        return QueryTimeoutError(
            f"the query ran longer than the limit of {self.timeout_s:g} s and was stopped",
            self.timeout_s,
        )

    def _died(self, worker: _Worker) -> QueryExecutionError:
        self._discard(worker)
        self.stats["errors"] += 1
        return QueryExecutionError(
            "the query worker died during evaluation (out of memory?); it has been replaced"
        )

    def _lookup(self, query, accept, fmt, default_graph_uris, named_graph_uris, base_iri):
        """Guard and plan the query, and look its answer up in the result cache."""
        info, _, plan = self._prepare(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        key = self._cache_key(info, query, plan)
        return info, plan, key, self._cached(key)

    def execute(
        self,
        query: str,
        *,
        accept: str | None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run one read-only query, blocking the calling thread (at most about ``timeout_s``)."""
        info, plan, key, hit = self._lookup(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        if hit is not None:
            return hit
        started = time.monotonic()
        worker = self._acquire(self.timeout_s)
        self.stats["queries"] += 1
        deadline = time.monotonic() + self.timeout_s
        try:
            payload, applied = self._request(worker, query, plan)
            worker.chan.send(payload, deadline)
            reply = worker.chan.recv(deadline)
        except _Deadline:
            raise self._timeout(worker) from None
        except EOFError:
            raise self._died(worker) from None
        except BaseException:
            self._discard(worker)
            raise
        result = self._finish(worker, reply, applied, info, started)
        if key is not None:
            self._cache.put(key, result)
        return result

    async def aexecute(
        self,
        query: str,
        *,
        accept: str | None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """``execute`` for asyncio code: waits on the worker's socket, never blocks the loop."""
        info, plan, key, hit = self._lookup(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        if hit is not None:
            return hit
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        job = _Job(loop, query, plan)
        with self._lock:
            if self._closed:
                raise QueryExecutionError("the query executor is closed")
            worker = self._idle.popleft() if self._idle else None
            if worker is None:
                self._jobs.append(job)
            else:
                job.state = "assigned"
        if worker is None:
            job.timer = loop.call_later(self.timeout_s, self._expired, job)
        else:
            self._dispatch(job, worker)
        try:
            reply = await job.fut
        except asyncio.CancelledError:
            # Queued: it is skipped. Running: the worker finishes it and is freed as usual.
            job.cancelled = True
            raise
        result = self._answer(reply, info, started)
        if key is not None:
            self._cache.put(key, result)
        return result

    # ------------------------------------------------------------------ updates

    def execute_update(self, update: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL update to every worker (the caller has checked the update token).

        It runs on one worker first; if it succeeds it joins the update log, which every other
        worker applies before its next request. SERVICE and LOAD are refused."""
        base = base_iri or self.base_iri
        info = check_query(
            update,
            known_graphs=self.graphs,
            base_iri=base,
            prefixes=self.prefixes,
            allow_update=True,
        )
        if not info.is_update:
            raise ForbiddenQueryError(f"this is a {info.form} query, not an update")
        with self._update_lock:
            worker = self._acquire(self.timeout_s)
            deadline = time.monotonic() + self.timeout_s
            applied = len(self._updates)
            pending = tuple(self._updates[worker.applied : applied])
            payload = pickle.dumps(("update", pending, update, base))
            try:
                worker.chan.send(payload, deadline)
                reply = worker.chan.recv(deadline)
            except _Deadline:
                raise self._timeout(worker) from None
            except EOFError:
                raise self._died(worker) from None
            except BaseException:
                self._discard(worker)
                raise
            if reply[0] == "fatal":
                self._discard(worker)
                raise QueryExecutionError(reply[1])
            worker.applied = applied
            if reply[0] == "ok":
                self._updates.append((update, base))
                worker.applied = len(self._updates)
                if self._cache is not None:
                    self._cache.clear()
            self._release(worker)
        if reply[0] == "syntax":
            raise _syntax_error(reply)
        if reply[0] != "ok":
            raise UpdateFailedError(reply[1])

    @property
    def updates_applied(self) -> int:
        return len(self._updates)

    # ------------------------------------------------------------------ shutdown

    def close(self) -> None:
        """Kill every worker. Waiting callers get QueryExecutionError or ExecutorBusyError."""
        with self._lock:
            self._closed = True
            workers = list(self._all) + list(self._starting)
            self._all.clear()
            self._starting.clear()
            self._idle.clear()
        for w in workers:
            w.kill()
        self._spawner.close()
        for w in workers:
            try:
                w.proc.wait(5)
            except subprocess.TimeoutExpired:
                log.error("SPARQL worker %s did not die", w.pid)

    def __enter__(self) -> QueryExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
