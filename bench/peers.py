"""The servers ScaleKG is measured against, on 127.0.0.1, loaded with the same snapshot.

- **The native Oxigraph server** (``oxigraph serve-read-only``, PyPI package ``oxigraph``, Rust):
  our engine with no Python around it. Installed into the venv when missing (the ``bench`` extra
  of pyproject.toml), at the version of the pyoxigraph that ScaleKG runs, so both run one engine.
- **Virtuoso** (Debian ``virtuoso-opensource``): run by ``tests/stores/virtuoso_server.py``, the
  recipe the store tests use (one home for it; this module only loads it). Installed with apt-get
  when missing and running as root.

Every server binds 127.0.0.1 on a free port and is stopped by its own PID.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx

from bench.processes import stop_process

ROOT = Path(__file__).resolve().parents[1]
VIRTUOSO_HELPER = ROOT / "tests" / "stores" / "virtuoso_server.py"


def virtuoso_helper() -> ModuleType:
    """``tests/stores/virtuoso_server.py``, loaded by path (tests/ is not a package here)."""
    name = "scalekg_bench_virtuoso_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, VIRTUOSO_HELPER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    return virtuoso_helper().free_port()


def status_kb(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` field in kB (VmRSS, VmHWM), 0 when the process is gone."""
    return virtuoso_helper().status_kb(pid, field)


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (uvicorn and its SPARQL query workers, for example)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def tree_rss_kb(pid: int) -> int:
    """VmRSS of a process and its descendants, in kB."""
    return sum(status_kb(p, "VmRSS") for p in process_tree(pid))


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return total / _TICK


# --------------------------------------------------------------------------- installing


def ensure_virtuoso(install: bool) -> str:
    """'' when ``virtuoso-t`` is on PATH (installing the Debian package if allowed), else why not."""
    if shutil.which("virtuoso-t"):
        return ""
    if not install:
        return "virtuoso-t is not installed (--no-install)"
    if os.geteuid() != 0:
        return "virtuoso-t is not installed, and only root may apt-get install virtuoso-opensource"
    print("installing virtuoso-opensource (Debian) for the benchmark ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "virtuoso-opensource"],
    ):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            return f"apt-get could not install virtuoso-opensource: {done.stderr.strip()[-300:]}"
    return "" if shutil.which("virtuoso-t") else "virtuoso-t is still not on PATH after apt-get"


def oxigraph_cli() -> str | None:
    """The ``oxigraph`` command next to this Python (the venv's), or on PATH."""
    here = Path(sys.executable).with_name("oxigraph")
    return str(here) if here.exists() else shutil.which("oxigraph")


def ensure_oxigraph_cli(install: bool) -> str:
    """'' when the ``oxigraph`` server is installed (pip-installing it if allowed), else why not.

    The version installed is that of pyoxigraph, so the server runs the engine ScaleKG embeds."""
    import pyoxigraph

    if oxigraph_cli():
        return ""
    if not install:
        return "the oxigraph server is not installed (--no-install)"
    wanted = f"oxigraph=={pyoxigraph.__version__}"
    print(f"installing {wanted} into the venv (for the benchmark only) ...", flush=True)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", wanted],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if pip.returncode != 0 or not oxigraph_cli():
        return f"{wanted} could not be installed: " + (pip.stderr.strip()[-300:] or "?")
    return ""


def oxigraph_version() -> str:
    cli = oxigraph_cli()
    if cli is None:
        return "?"
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.strip().rsplit(" ", 1)[-1] or "?"


# --------------------------------------------------------------------------- servers


class OxigraphServer:
    """``oxigraph serve-read-only`` over a store loaded from the snapshot, with the union of the
    named graphs as the default graph (as ScaleKG's endpoint). SPARQL at ``/query``."""

    def __init__(self, root: Path, snapshot: Path, *, timeout_s: int | None = None) -> None:
        # No time limit by default: with ``--timeout-s`` the native server (0.5.13) starts a
        # thread per query for the limit and, under wrk -c32 with a nonce per request, died
        # after about 10,000 requests on this machine ("failed to set up alternative stack guard
        # page: Cannot allocate memory", then "Resource temporarily unavailable"). Running it
        # without a limit is a concession in its favour: ScaleKG enforces one on every query.
        cli = oxigraph_cli()
        if cli is None:
            raise RuntimeError("the oxigraph server is not installed")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.location = self.root / "store"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sparql_url = self.base + "/query"
        load = subprocess.run(
            [cli, "load", "--location", str(self.location), "--file", str(snapshot)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if load.returncode != 0:
            raise RuntimeError(f"oxigraph load failed: {load.stderr.strip()[-500:]}")
        self.log = open(self.root / "oxigraph.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                cli,
                "serve-read-only",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
                *(["--timeout-s", str(timeout_s)] if timeout_s else []),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = (self.root / "oxigraph.log").read_text(errors="replace")[-1000:]
                raise RuntimeError(f"the oxigraph server exited:\n{text}")
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the oxigraph server did not answer within {timeout:g} s")

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def start_virtuoso(
    root: Path, *, max_query_s: int = 30, buffers: int = 20000, http_threads: int = 32
):
    """A started ``VirtuosoServer`` (tests/stores/virtuoso_server.py) in ``root``."""
    server = virtuoso_helper().VirtuosoServer(
        root, max_query_s=max_query_s, buffers=buffers, http_threads=http_threads
    )
    return server.start()


def load_into_virtuoso(server, snapshot: Path, digest: str) -> int:
    """Push the snapshot's shipped graphs into Virtuoso as ``scalekg load`` does; the quad count."""
    from scalekg.graph.backends import SnapshotRef, open_backend
    from scalekg.graph.settings import Settings

    env = server.env()
    settings = Settings(
        store=server.store_spec(),
        store_user=env["SCALEKG_STORE_USER"],
        store_password=env["SCALEKG_STORE_PASSWORD"],
        store_auth=env["SCALEKG_STORE_AUTH"],
        query_timeout=120.0,
    )
    backend = open_backend(settings)
    try:
        report = backend.ensure_snapshot(SnapshotRef(Path(snapshot), digest), force=True)
    finally:
        backend.close()
    return report.quads


def virtuoso_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    for word in (out.stdout + out.stderr).split("Version ", 1)[1:]:
        return word.split()[0]
    return "?"
