"""A real Virtuoso (``virtuoso-t``) on free 127.0.0.1 ports, in a throwaway directory.

Used by the store tests and by the benchmarks (``bench/peers.py`` loads it); docs/scaling.md has
the server-side settings. The recipe: our own virtuoso.ini with every file under DIR, both ports
on 127.0.0.1, DirsAllowed, an empty VADInstallDir; ``virtuoso-t +foreground +configfile
DIR/virtuoso.ini``; ready when ``/sparql?query=ASK{}`` answers (about 5-7 s on a fresh
database). Stopped by PID, never by name. ``restart()`` keeps the directory and the ports, as
a server restart in production would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

USER = "dba"
PASSWORD = "dba"  # Virtuoso's default; the database is thrown away after the test

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 20
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
AllowOSCalls             = 0
DirsAllowed              = ., {dir}
VADInstallDir            = {dir}/vad
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty_buffers}
ThreadsPerQuery          = 2
MaxQueryMem              = 1G

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {dir}/www
MaxClientConnections        = 32
ServerThreads               = {http_threads}
MaxKeepAlives               = 32
KeepAliveTimeout            = 10
Charset                     = UTF-8
EnabledGzipContent          = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 1000
MaxQueryExecutionTime      = {max_query_s}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def virtuoso_binary() -> str:
    """The path of virtuoso-t, or a clear failure (the Virtuoso tests must run, not skip)."""
    path = shutil.which("virtuoso-t")
    if path is None:
        raise RuntimeError(
            "virtuoso-t is not installed, and the Virtuoso tests must run, not be skipped. "
            "Install it: DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource "
            "(.ci/run does this)."
        )
    return path


class VirtuosoServer:
    """One virtuoso-t process on 127.0.0.1 over a throwaway directory."""

    def __init__(
        self,
        root: Path,
        *,
        max_query_s: int = 30,
        buffers: int = 20000,
        http_threads: int = 32,
    ) -> None:
        self.binary = virtuoso_binary()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "vad").mkdir(exist_ok=True)
        (self.root / "www").mkdir(exist_ok=True)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.ini = self.root / "virtuoso.ini"
        self.ini.write_text(
            INI.format(
                dir=self.root,
                sql_port=self.sql_port,
                http_port=self.http_port,
                max_query_s=max_query_s,
                buffers=buffers,
                dirty_buffers=buffers * 3 // 4,
                http_threads=http_threads,
            ),
            encoding="utf-8",
        )
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.startup_s: float | None = None

    # -- URLs and the store spec --------------------------------------------------------------

    @property
    def sparql_url(self) -> str:
        return self.base + "/sparql"

    @property
    def update_url(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def gsp_url(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def store_spec(self, *, gsp: bool = True, update: bool = False) -> str:
        spec = f"sparql:{self.sparql_url}"
        if update:
            spec += f",update={self.update_url}"
        if gsp:
            spec += f",gsp={self.gsp_url}"
        return spec

    def env(self) -> dict[str, str]:
        """Credentials for ScaleKG, the way users pass them: environment variables."""
        return {
            "SCALEKG_STORE_USER": USER,
            "SCALEKG_STORE_PASSWORD": PASSWORD,
            "SCALEKG_STORE_AUTH": "digest",
        }

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> VirtuosoServer:
        if self.proc is not None and self.proc.poll() is None:
            return self
        log = open(self.root / "stdout.log", "ab")  # noqa: SIM115 - kept open by the child
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [self.binary, "+foreground", "+configfile", str(self.ini)],
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal does not reach it
        )
        log.close()
        self._wait_ready(timeout)
        self.startup_s = time.monotonic() - started
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"virtuoso-t exited with {self.proc.returncode} while starting:\n{self.log_tail()}"
                )
            if self.is_up():
                return
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"virtuoso-t did not answer within {timeout:g} s:\n{self.log_tail()}")

    def is_up(self) -> bool:
        try:
            r = httpx.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2)
            return r.status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM by PID (Virtuoso checkpoints and exits), SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def restart(self, timeout: float = 90.0) -> None:
        self.stop()
        self._wait_port_free(self.http_port)
        self.start(timeout)

    @staticmethod
    def _wait_port_free(port: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                    return
                except OSError:
                    time.sleep(0.2)

    def rss_kb(self) -> int:
        """Resident memory of the server process now (VmRSS), in kB."""
        if self.pid is None:
            return 0
        return status_kb(self.pid, "VmRSS")

    def peak_rss_kb(self) -> int:
        if self.pid is None:
            return 0
        return status_kb(self.pid, "VmHWM")

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for name in ("stdout.log", "virtuoso.log"):
            path = self.root / name
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {name}\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def status_kb(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` field in kB (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0
