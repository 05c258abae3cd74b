"""Run read-only SPARQL queries with a hard time limit, on two lanes of killable workers.

pyoxigraph has no timeout and no cancel (docs/sparql.md, "The workers"). So queries run in worker processes (``pool.py``,
``worker.py``), each holding the whole snapshot in an in-memory Store; a query that outlives its
limit, or whose caller has gone, is stopped by killing its worker, which is then replaced.

Two lanes, so that cheap queries never wait behind runaways (``admission.py``):

- the **fast lane** (``workers`` processes): every query starts here, with ``fast_limit_s`` of
  run time; a query that got less than half of that in CPU time (the machine is busy) is left
  to run on, so that a loaded machine does not pass cheap queries for runaways;
- the **slow lane** (``slow_workers`` processes, at the lowest CPU priority): a query that
  outlives the fast limit is stopped and run again here, with what remains of ``timeout_s``; its client is remembered as
  slow for a while, and its next queries start on the slow lane directly.

Per-client limits (``per_client`` in flight, ``slow_per_client`` on the slow lane) answer
TooManyQueriesError. Every worker's address space is capped (``memory_limit_mb``, derived from
the machine's memory by default).

Per request, the parent process only does the cheap things: the guard (``guard.py``, cached:
refuses SERVICE, LOAD, updates, foreign FROM and queries too deeply nested for the engine),
content negotiation (cached), the answer cache (``result_cache.py``), one pickle each way. The
worker evaluates, applies the row cap and serializes, so the bytes that come back are the body.

Requests to a worker (see ``worker.py``): ``("query", text, base_iri|None, prefixes|None, union,
default_graphs|None, named_graphs|None, media_type, max_rows)`` -> ``("ok", kind, media_type,
truncated, body)``, ``("syntax", message, line, column)``, ``("error", message)`` or
``("fatal", message)`` (the worker exits and is replaced).

SPARQL Update is not run here: embedded stores are read-only (an update kept in memory would be
lost on restart and its blank nodes would differ between workers). Updates need the remote store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from .admission import ClientGate, worker_memory_mb
from .errors import (
    ExecutorBusyError,
    QueryExecutionError,
    QueryMemoryError,
    QuerySyntaxError,
    QueryTimeoutError,
)
from .formats import negotiate
from .guard import QueryInfo, check_dataset_params, check_query
from .pool import PoolBusy, PoolClosed, PoolTimeout, WorkerDied, WorkerPool
from .result_cache import QueryResult, ResultCache
from .wire import encode

log = logging.getLogger(__name__)

DEFAULT_BASE_IRI = "https://w3id.org/scalekg/sparql"
SLOW_LANE_NICE = 19  # the slow lane's CPU priority (nice): the lowest

__all__ = ["DEFAULT_BASE_IRI", "QueryExecutor", "QueryResult"]


class QueryExecutor:
    """Answers SPARQL queries over one snapshot, on a fast and a slow lane of worker processes.

    - ``snapshot_path``: N-Quads (or TriG, Turtle, N-Triples, by extension) loaded by every worker.
    - ``workers``, ``slow_workers``: processes of the fast and the slow lane.
    - ``timeout_s``: hard limit of one query (queueing, evaluation and serialization).
    - ``fast_limit_s``: how long a query may run on the fast lane before it moves.
    - ``max_rows``: row cap of SELECT results and triple cap of CONSTRUCT/DESCRIBE results.
    - ``prefixes``: prefixes a query may use without declaring them (default: ScaleKG's).
    - ``memory_limit_mb``: address-space cap of each worker; None derives it from the machine,
      0 sets no cap.
    - ``per_client``, ``slow_per_client``: queries one client may have in flight, in all and on
      the slow lane (only for calls that name their client).
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
        slow_workers: int = 1,
        timeout_s: float = 10.0,
        fast_limit_s: float = 0.5,
        max_rows: int = 10000,
        prefixes: dict[str, str] | None = None,
        base_iri: str = DEFAULT_BASE_IRI,
        memory_limit_mb: int | None = None,
        per_client: int = 4,
        slow_per_client: int = 1,
        sandbox: bool = True,
        require_sandbox: bool = False,
        start_timeout_s: float = 60.0,
        cache_bytes: int = 32 * 1024 * 1024,
        cache_entry_bytes: int = 1024 * 1024,
    ) -> None:
        if workers < 1 or slow_workers < 1:
            raise ValueError("each lane needs at least 1 worker")
        if prefixes is None:
            from ..namespaces import PREFIXES

            prefixes = dict(PREFIXES)
        self.snapshot_path = Path(snapshot_path)
        self.timeout_s = float(timeout_s)
        self.fast_limit_s = min(float(fast_limit_s), self.timeout_s)
        self.max_rows = int(max_rows)
        self.prefixes = dict(prefixes)
        self.base_iri = base_iri
        self.workers = workers
        self.slow_workers = slow_workers
        if memory_limit_mb is None:
            memory_limit_mb = worker_memory_mb(workers + slow_workers)
        self.memory_limit_mb = memory_limit_mb or None
        self.gate = ClientGate(per_client, slow_per_client)
        init = {
            "snapshot": self.snapshot_path.read_bytes(),
            "extension": self.snapshot_path.suffix.lstrip(".") or "nq",
            "prefixes": self.prefixes,
            "memory_limit_mb": self.memory_limit_mb,
        }
        self.fast = WorkerPool(
            "fast", workers, init, sandbox=sandbox, start_timeout_s=start_timeout_s
        )
        try:  # the slow lane runs at the lowest CPU priority: its runaways yield to the rest
            self.slow = WorkerPool(
                "slow",
                slow_workers,
                {**init, "nice": SLOW_LANE_NICE},
                sandbox=sandbox,
                start_timeout_s=start_timeout_s,
            )
        except BaseException:
            self.fast.close()
            raise
        self._counts = {"queries": 0, "cache_hits": 0, "timeouts": 0, "errors": 0, "busy": 0}
        self._counts["moved_to_slow_lane"] = 0
        self._cache = ResultCache(cache_bytes, cache_entry_bytes) if cache_bytes > 0 else None
        self.graph_sizes: dict[str, int] = dict(self.fast.sizes)
        self.graphs = frozenset(g for g in self.graph_sizes if g)
        self.sandboxed = self.fast.sandboxed and self.slow.sandboxed
        self._closed = False
        if sandbox and not self.sandboxed:
            message = "SPARQL workers could not drop network access (no Linux namespaces)"
            if require_sandbox:
                self.close()
                raise RuntimeError(message)
            log.warning("%s; the guard alone keeps SERVICE out", message)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: queries, cache hits, timeouts, errors, busy, moves to the slow lane, fast
        limits extended (a query starved of CPU by a busy machine is not moved), worker restarts
        (every kill) and deaths (a worker that exited on its own), refused clients."""
        pools = (self.fast.stats, self.slow.stats)
        return {
            **self._counts,
            "restarts": sum(p["restarts"] for p in pools),
            "deaths": sum(p["deaths"] for p in pools),
            "cancelled": sum(p["cancelled"] for p in pools),
            "extended": sum(p["extended"] for p in pools),
            "clients_refused": self.gate.refused,
        }

    # ------------------------------------------------------------------ planning

    def _prepare(self, query, accept, fmt, default_graph_uris, named_graph_uris, base_iri):
        """Guard, negotiate, and work out what the worker needs: ``(info, plan)``.

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
        return info, plan

    def _lookup(self, query, accept, fmt, default_graph_uris, named_graph_uris, base_iri):
        """Guard and plan the query, and look its answer up in the answer cache."""
        info, plan = self._prepare(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        cache = self._cache
        key = (query, plan) if cache is not None and info.deterministic else None
        hit = cache.get(key) if cache is not None and key is not None else None
        if hit is not None:
            self._counts["cache_hits"] += 1
        return info, plan, key, hit

    def cached_answer(
        self,
        query: str,
        *,
        accept: str | None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
    ) -> QueryResult | None:
        """The answer cache's answer to this request, or None; the guard's and negotiation's
        errors are raised. For a caller that sets up more per request than a cache hit costs
        (the router's watch for a client that hangs up): about 40 µs per cached answer."""
        return self._lookup(query, accept, fmt, default_graph_uris, named_graph_uris, base_iri)[3]

    # ------------------------------------------------------------------ running

    def execute(
        self,
        query: str,
        *,
        accept: str | None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
        client: str | None = None,
    ) -> QueryResult:
        """Run one query, blocking the calling thread (at most about ``timeout_s``)."""
        info, plan, key, hit = self._lookup(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        if hit is not None:
            return hit
        return asyncio.run(self._run(query, info, plan, key, client))

    async def aexecute(
        self,
        query: str,
        *,
        accept: str | None,
        fmt: str | None = None,
        default_graph_uris: list[str] | tuple[str, ...] = (),
        named_graph_uris: list[str] | tuple[str, ...] = (),
        base_iri: str | None = None,
        client: str | None = None,
    ) -> QueryResult:
        """``execute`` for asyncio code: waits on the worker's socket, never blocks the loop.

        Cancelling the awaiting task (the client hung up) stops the query: its worker is killed
        and replaced."""
        info, plan, key, hit = self._lookup(
            query, accept, fmt, default_graph_uris, named_graph_uris, base_iri
        )
        if hit is not None:
            return hit
        return await self._run(query, info, plan, key, client)

    async def _run(
        self, query: str, info: QueryInfo, plan: tuple, key: tuple | None, client: str | None
    ) -> QueryResult:
        if self._closed:
            raise QueryExecutionError("the query executor is closed")
        started = time.monotonic()
        deadline = started + self.timeout_s
        payload = encode(("query", query, *plan, self.max_rows))
        if client is None:
            return await self._lanes(payload, info, started, deadline, key)
        self.gate.enter(client)
        try:
            return await self._lanes(payload, info, started, deadline, key, client)
        except (asyncio.CancelledError, QueryTimeoutError):
            # A client that hangs up on a slow query, or runs one to the limit, is remembered:
            # its next queries start on the slow lane (they cannot tie up the fast lane).
            if time.monotonic() - started > self.fast_limit_s / 4:
                self.gate.remember_slow(client)
            raise
        finally:
            self.gate.leave(client)

    async def _lanes(
        self,
        payload: bytes,
        info: QueryInfo,
        started: float,
        deadline: float,
        key: tuple | None,
        client: str | None = None,
    ) -> QueryResult:
        """The fast lane first (unless the client is remembered as slow), then the slow one."""
        if client is None or not self.gate.is_slow(client):
            try:
                reply = await self._on(self.fast, payload, deadline, self.fast_limit_s)
                return self._answer(reply, info, started, key)
            except PoolTimeout:
                if time.monotonic() >= deadline - 0.01:
                    raise self._timeout() from None
                self._counts["moved_to_slow_lane"] += 1
                if client is not None:
                    self.gate.remember_slow(client)
        if client is not None:
            self.gate.enter_slow(client)
        try:
            reply = await self._on(self.slow, payload, deadline, self.timeout_s)
        except PoolTimeout:
            raise self._timeout() from None
        finally:
            if client is not None:
                self.gate.leave_slow(client)
        return self._answer(reply, info, started, key)

    async def _on(self, pool: WorkerPool, payload: bytes, deadline: float, run_s: float):
        """The worker's reply to one request on one lane (cancelling it recycles the worker)."""
        self._counts["queries"] += 1
        try:
            job = pool.submit(payload, deadline=deadline, run_s=run_s)
        except PoolClosed:
            raise QueryExecutionError("the query executor is closed") from None
        try:
            return await job.fut
        except asyncio.CancelledError:
            pool.cancel(job)
            raise
        except PoolBusy:
            self._counts["busy"] += 1
            raise ExecutorBusyError(
                f"all {pool.size} {pool.name}-lane query workers stayed busy for "
                f"{self.timeout_s:g} s; try again later",
                self.timeout_s,
            ) from None
        except PoolClosed:
            raise QueryExecutionError("the query executor is closed") from None
        except WorkerDied as exc:
            self._counts["errors"] += 1
            raise QueryMemoryError(
                f"the query was stopped: it needed more than a worker may use "
                f"({self.memory_limit_mb or 'unlimited'} MB of memory) or crashed its worker "
                f"({exc}); the worker has been replaced. Narrow the patterns or add a LIMIT.",
                self.memory_limit_mb,
            ) from None

    def _answer(self, reply, info: QueryInfo, started: float, key: tuple | None) -> QueryResult:
        status = reply[0]
        if status == "ok":
            _, _, media_type, truncated, body = reply
            result = QueryResult(
                body=body,
                media_type=media_type,
                truncated=truncated,
                query_type=info.form,
                row_limit=self.max_rows,
                elapsed_s=time.monotonic() - started,
            )
            if key is not None and self._cache is not None:
                self._cache.put(key, result)
            return result
        if status == "syntax":
            _, message, line, column = reply
            raise QuerySyntaxError(message, line, column)
        self._counts["errors"] += 1
        raise QueryExecutionError(reply[1])

    def _timeout(self) -> QueryTimeoutError:
        self._counts["timeouts"] += 1
        return QueryTimeoutError(
            f"the query ran longer than the limit of {self.timeout_s:g} s and was stopped",
            self.timeout_s,
        )

    # ------------------------------------------------------------------ shutdown

    def close(self) -> None:
        """Kill every worker of both lanes. Waiting callers get QueryExecutionError."""
        self._closed = True
        self.fast.close()
        self.slow.close()

    def __enter__(self) -> QueryExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
