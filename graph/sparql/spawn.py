"""Starting a SPARQL worker process (``worker.py``) and waiting until it has loaded the snapshot."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
import time

from .wire import Channel, Deadline

try:
    CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
except (ValueError, OSError, AttributeError):
    CLOCK_TICKS = 100


class Spawner:
    """Starts every worker process from one long-lived thread.

    Linux sends a worker its PR_SET_PDEATHSIG signal when the *thread* that forked it exits,
    not the process. Replacements are started from short-lived threads, so the fork happens
    here, in a thread that lives exactly as long as the pool."""

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


class Worker:
    __slots__ = ("chan", "cpu_mark", "pid", "proc", "sandbox", "sizes")

    def __init__(self, proc: subprocess.Popen, chan: Channel):
        self.proc = proc
        self.chan = chan
        self.pid = proc.pid
        self.sandbox = ""
        self.sizes: dict[str, int] = {}
        self.cpu_mark = 0.0  # the worker's CPU seconds when it last answered

    def cpu_seconds(self) -> float | None:
        """The worker's CPU time so far (user + system), from /proc; None where unknown."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.chan.close()


def start_worker(spawner: Spawner, init: bytes, sandbox: bool, timeout_s: float) -> Worker:
    """Fork a worker (from the spawner's thread) and send it the encoded ``init`` message."""
    parent, child = socket.socketpair()
    module = __name__.rsplit(".", 1)[0] + ".worker"
    cmd = [
        sys.executable,
        "-c",
        f"from {module} import main; main()",
        str(child.fileno()),
        str(os.getpid()),
        "1" if sandbox else "0",
    ]
    env = dict(os.environ)
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    try:
        proc = spawner.call(
            subprocess.Popen,
            cmd,
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
    finally:
        child.close()
    worker = Worker(proc, Channel(parent))
    try:
        worker.chan.send(init, time.monotonic() + timeout_s)
    except (Deadline, OSError) as exc:
        worker.kill()
        raise RuntimeError(f"could not start a SPARQL worker: {exc}") from exc
    return worker


def wait_ready(worker: Worker, timeout_s: float) -> Worker:
    """Wait for the worker's ``("ready", pid, sizes, sandbox)``."""
    try:
        reply = worker.chan.recv(time.monotonic() + timeout_s)
    except (Deadline, EOFError) as exc:
        worker.kill()
        raise RuntimeError(f"SPARQL worker did not start: {exc!r}") from exc
    if reply[0] != "ready":
        worker.kill()
        raise RuntimeError(f"SPARQL worker failed to start: {reply!r}")
    _, worker.pid, worker.sizes, worker.sandbox, worker.cpu_mark = reply
    return worker
