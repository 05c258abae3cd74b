"""Who may run a query now, and on which lane: per-client limits, and memory of slow clients.

The executor has two lanes of workers (``executor.py``). Every query starts on the fast lane with
a short limit; one that outlives it is moved to the slow lane, and its client is *remembered as
slow* for ``slow_memory_s`` (also when it hangs up on a running query, or runs one to the time
limit): that client's next queries go straight to the slow lane. So a client sending runaways
occupies the fast lane for at most one short limit now and then, and cheap queries from everyone
else do not wait behind its runaways.

A client (an IP address, or what the web layer says) may have at most ``per_client`` queries in
flight, and at most ``slow_per_client`` on the slow lane; beyond that it gets
TooManyQueriesError (HTTP 429 with Retry-After).

Also here: the memory cap of one worker, derived from the machine.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from contextlib import suppress

from .errors import TooManyQueriesError

# Share of the machine's memory that all SPARQL workers together may take.
MEMORY_SHARE = 0.5
MIN_WORKER_MB = 512
MAX_WORKER_MB = 4096


class ClientGate:
    """Counts the queries each client has in flight, by lane, and remembers slow clients."""

    def __init__(self, per_client: int, slow_per_client: int, slow_memory_s: float = 60.0) -> None:
        self.per_client = per_client
        self.slow_per_client = slow_per_client
        self.slow_memory_s = slow_memory_s
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._slow: dict[str, int] = {}
        self._slow_until: OrderedDict[str, float] = OrderedDict()
        self.refused = 0

    def enter(self, client: str) -> None:
        with self._lock:
            n = self._in_flight.get(client, 0)
            if n >= self.per_client:
                self.refused += 1
                raise TooManyQueriesError(
                    f"this client already has {n} SPARQL queries running (the limit is "
                    f"{self.per_client}); wait for an answer before sending more",
                    self.per_client,
                )
            self._in_flight[client] = n + 1

    def leave(self, client: str) -> None:
        with self._lock:
            n = self._in_flight.get(client, 1) - 1
            if n > 0:
                self._in_flight[client] = n
            else:
                self._in_flight.pop(client, None)

    def is_slow(self, client: str) -> bool:
        until = self._slow_until.get(client)
        return until is not None and until > time.monotonic()

    def remember_slow(self, client: str) -> None:
        """The client's query outlived the fast limit, ran to the time limit, or was dropped
        while running: send its queries to the slow lane for ``slow_memory_s``."""
        with self._lock:
            self._slow_until[client] = time.monotonic() + self.slow_memory_s
            self._slow_until.move_to_end(client)
            while len(self._slow_until) > 10000:
                self._slow_until.popitem(last=False)

    def enter_slow(self, client: str) -> None:
        """Run one of the client's queries on the slow lane, within its share of it."""
        with self._lock:
            n = self._slow.get(client, 0)
            if n >= self.slow_per_client:
                self.refused += 1
                raise TooManyQueriesError(
                    f"this client already has {n} long-running SPARQL queries (the limit is "
                    f"{self.slow_per_client}); wait for them before sending more",
                    self.slow_per_client,
                )
            self._slow[client] = n + 1

    def leave_slow(self, client: str) -> None:
        with self._lock:
            n = self._slow.get(client, 1) - 1
            if n > 0:
                self._slow[client] = n
            else:
                self._slow.pop(client, None)


def machine_memory_mb() -> int:
    """Physical memory, or the cgroup limit when it is lower (containers), in MiB."""
    total = 0
    with suppress(ValueError, OSError, AttributeError):
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with suppress(OSError, ValueError), open(path) as f:
            text = f.read().strip()
            if text.isdigit() and 0 < int(text) < (total or 1 << 62):
                total = int(text)
    return total // (1024 * 1024) if total else 8192


def worker_memory_mb(workers: int, machine_mb: int | None = None) -> int:
    """The address-space cap of one worker: ``MEMORY_SHARE`` of the machine split among all the
    workers, within [MIN_WORKER_MB, MAX_WORKER_MB]."""
    machine = machine_memory_mb() if machine_mb is None else machine_mb
    share = int(machine * MEMORY_SHARE / max(1, workers))
    return max(MIN_WORKER_MB, min(MAX_WORKER_MB, share))
