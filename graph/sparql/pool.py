"""A pool of killable worker processes (``worker.py``), each holding the snapshot in memory.

pyoxigraph has no timeout and no cancel, so a request that runs past its limit, or whose caller
has gone, is stopped by killing its worker with SIGKILL; a replacement is started in the
background (about 0.1 s for the shipped snapshot) while the other workers go on serving.

Requests are ``Job``s awaited on an asyncio loop: a job waits in the queue until its ``deadline``
at most, then runs for at most ``run_s`` (and never past the deadline). A job is sent to a worker from the very loop callback that read
the worker's previous answer, so a busy web process does not leave workers idle while its tasks
wait for their turn. Jobs from several event loops (the web loop, the private loops of sync
callers) share one pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator

from .spawn import Spawner, Worker, start_worker, wait_ready
from .wire import Deadline, encode

log = logging.getLogger(__name__)


class PoolTimeout(Exception):
    """The job ran past its ``run_s``; its worker was killed and is being replaced."""


class PoolBusy(Exception):
    """No worker became free before the job's deadline."""


class PoolClosed(Exception):
    """The pool was closed."""


class WorkerDied(Exception):
    """The worker exited during the job (out of memory, a crash) or said it must stop."""


class Job:
    """One request: queued, then running on a worker, then done (its future settled)."""

    __slots__ = (
        "cancelled", "deadline", "extended", "fut", "loop", "payload", "run_s", "state", "timer",
        "worker",
    )  # fmt: skip

    def __init__(
        self, loop: asyncio.AbstractEventLoop, payload: bytes, deadline: float, run_s: float
    ) -> None:
        self.loop = loop
        self.fut = loop.create_future()
        self.payload = payload
        self.deadline = deadline  # time.monotonic() by which it must be done
        self.run_s = run_s
        self.extended = False  # run_s granted once more: the machine starved it of CPU
        self.state = "queued"  # queued, assigned, running, done
        self.cancelled = False
        self.timer: asyncio.TimerHandle | None = None
        self.worker: Worker | None = None

    def settle(self, reply=None, error: BaseException | None = None) -> None:
        self.state = "done"
        if self.timer is not None:
            self.timer.cancel()
        if not self.fut.done():
            if error is not None:
                self.fut.set_exception(error)
            else:
                self.fut.set_result(reply)


class WorkerPool:
    """``size`` worker processes started with the ``init`` message (see ``worker.py``)."""

    def __init__(
        self,
        name: str,
        size: int,
        init: dict,
        *,
        sandbox: bool = True,
        start_timeout_s: float = 60.0,
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least 1 worker")
        self.name = name
        self.size = size
        self.sandbox = sandbox
        self.start_timeout_s = start_timeout_s
        self._init = encode(init)
        self._lock = threading.Lock()
        self._idle: deque[Worker] = deque()
        self._jobs: deque[Job] = deque()
        self._all: set[Worker] = set()
        self._starting: set[Worker] = set()  # replacements not ready yet
        self._running: set[Job] = set()
        self._closed = False
        self.stats = {
            "jobs": 0, "timeouts": 0, "cancelled": 0, "deaths": 0, "restarts": 0, "extended": 0,
        }  # fmt: skip
        self._spawner = Spawner()
        started = [self._start() for _ in range(size)]
        try:
            ready = [self._wait_ready(w) for w in started]
        except BaseException:
            for w in started:
                w.kill()
            self._spawner.close()
            raise
        self.sizes = dict(ready[0].sizes)
        self.sandboxed = all(w.sandbox for w in ready)
        for w in ready:
            self._all.add(w)
            self._idle.append(w)

    # ------------------------------------------------------------------ worker lifecycle

    def _start(self) -> Worker:
        return start_worker(self._spawner, self._init, self.sandbox, self.start_timeout_s)

    def _wait_ready(self, worker: Worker) -> Worker:
        return wait_ready(worker, self.start_timeout_s)

    def discard(self, worker: Worker) -> None:
        """Kill a worker (runaway, abandoned, dead or in an unknown state); start its replacement."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.stats["restarts"] += 1
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, old: Worker) -> None:
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
                    log.debug("pool closed while a SPARQL worker was being replaced")
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

    # ------------------------------------------------------------------ jobs

    def submit(self, payload: bytes, *, deadline: float, run_s: float) -> Job:
        """Queue an encoded request (call on the running loop); await ``job.fut`` for the reply.

        The future fails with PoolBusy (no worker free before ``deadline``), PoolTimeout (ran
        past ``run_s`` or the deadline), WorkerDied or PoolClosed."""
        loop = asyncio.get_running_loop()
        job = Job(loop, payload, deadline, run_s)
        with self._lock:
            if self._closed:
                raise PoolClosed(f"the {self.name} worker pool is closed")
            worker = self._idle.popleft() if self._idle else None
            if worker is None:
                self._jobs.append(job)
            else:
                job.state = "assigned"
        if worker is None:
            job.timer = loop.call_later(max(0.0, deadline - time.monotonic()), self._expired, job)
        else:
            self._dispatch(job, worker)
        return job

    def cancel(self, job: Job) -> None:
        """The caller has gone: a queued job is skipped, a running one's worker is recycled."""
        job.cancelled = True
        if job.state == "running" and job.worker is not None:
            self._running.discard(job)
            job.loop.remove_reader(job.worker.chan.fd)
            self.stats["cancelled"] += 1
            worker = job.worker
            job.settle(error=PoolClosed("cancelled"))
            self.discard(worker)

    def _release(self, worker: Worker) -> None:
        """A worker is free: hand it to the first queued job, else make it idle."""
        job = None
        with self._lock:
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

    def _dispatch(self, job: Job, worker: Worker) -> None:
        """Send a job to a worker and watch the worker's socket (on the job's loop)."""
        if job.cancelled or job.fut.done():
            self._release(worker)
            return
        if self._closed:
            job.settle(error=PoolClosed("the worker pool is closed"))
            return
        try:
            worker.chan.send(job.payload, time.monotonic() + 5.0)
        except (Deadline, OSError):
            if self._closed:  # close() closed the socket under us
                job.settle(error=PoolClosed("the worker pool is closed"))
                return
            # The worker died while idle: retry on another.
            self.stats["deaths"] += 1
            self.discard(worker)
            with self._lock:
                job.state = "queued"
                self._jobs.appendleft(job)
            if job.timer is None:
                wait = max(0.0, job.deadline - time.monotonic())
                job.timer = job.loop.call_later(wait, self._expired, job)
            return
        self.stats["jobs"] += 1
        job.state = "running"
        job.worker = worker
        if job.timer is not None:
            job.timer.cancel()
        run = min(job.run_s, job.deadline - time.monotonic())
        job.timer = job.loop.call_later(max(0.0, run), self._expired, job)
        self._running.add(job)
        job.loop.add_reader(worker.chan.fd, self._readable, job)

    def _readable(self, job: Job) -> None:
        worker = job.worker
        assert worker is not None
        try:
            reply = worker.chan.try_read()
        except EOFError:
            self._running.discard(job)
            job.loop.remove_reader(worker.chan.fd)
            self.stats["deaths"] += 1
            self.discard(worker)
            job.settle(error=WorkerDied("the worker exited during evaluation"))
            return
        if reply is None:
            return
        self._running.discard(job)
        job.loop.remove_reader(worker.chan.fd)
        reply, worker.cpu_mark = reply
        if reply[0] == "fatal":
            self.stats["deaths"] += 1
            self.discard(worker)
            job.settle(error=WorkerDied(reply[1]))
            return
        job.settle(reply)
        self._release(worker)  # the next queued job starts now, in this callback

    def _expired(self, job: Job) -> None:
        if job.state == "queued":
            with self._lock:
                try:
                    self._jobs.remove(job)
                except ValueError:
                    return  # just assigned a worker: the dispatch is on its way
            job.settle(error=PoolBusy())
        elif job.state == "running" and job.worker is not None:
            if self._starved(job):  # slow because the machine is busy, not because of the query
                job.extended = True
                self.stats["extended"] += 1
                run = min(job.run_s, job.deadline - time.monotonic())
                job.timer = job.loop.call_later(max(0.0, run), self._expired, job)
                return
            self._running.discard(job)
            job.loop.remove_reader(job.worker.chan.fd)
            self.stats["timeouts"] += 1
            self.discard(job.worker)
            job.settle(error=PoolTimeout())

    # ------------------------------------------------------------------ inspection, shutdown

    @staticmethod
    def _starved(job: Job) -> bool:
        """Did the job get less than half of its ``run_s`` in CPU time (a loaded machine), with
        time left before its deadline? Then it is not a runaway: it may run on here, once."""
        worker = job.worker
        if worker is None or job.extended or job.deadline - time.monotonic() <= 0.01:
            return False
        used = worker.cpu_seconds()
        return used is not None and used - worker.cpu_mark < job.run_s / 2

    @staticmethod
    def _abort(job: Job) -> None:
        """End a job because the pool closed (on the job's loop)."""
        if job.worker is not None and job.state == "running":
            with contextlib.suppress(Exception):
                job.loop.remove_reader(job.worker.chan.fd)
        job.settle(error=PoolClosed("the worker pool is closed"))

    @property
    def pids(self) -> set[int]:
        with self._lock:
            return {w.pid for w in self._all}

    @contextlib.contextmanager
    def borrow(self) -> Iterator[Worker]:
        """An idle worker for direct use (diagnostics and tests), returned afterwards."""
        with self._lock:
            if not self._idle:
                raise PoolBusy()
            worker = self._idle.popleft()
        try:
            yield worker
        except BaseException:
            self.discard(worker)
            raise
        self._release(worker)

    def close(self) -> None:
        """Kill every worker; queued jobs fail with PoolClosed."""
        with self._lock:
            self._closed = True
            workers = list(self._all) + list(self._starting)
            self._all.clear()
            self._starting.clear()
            self._idle.clear()
            jobs = list(self._jobs) + list(self._running)
            self._jobs.clear()
            self._running.clear()
        for job in jobs:
            if not job.fut.done():
                job.loop.call_soon_threadsafe(self._abort, job)
        for w in workers:
            w.kill()
        self._spawner.close()
        for w in workers:
            try:
                w.proc.wait(5)
            except subprocess.TimeoutExpired:
                log.error("SPARQL worker %s did not die", w.pid)
