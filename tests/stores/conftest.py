"""Fixtures of the store tests: a real Virtuoso, apps over each backend, size-limited and
read-only directories, and real ``scalekg serve`` processes.

The Virtuoso tests are marked ``virtuoso`` and must run: if ``virtuoso-t`` is missing they fail
with a message saying how to install it, they are never skipped.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.processes import stop_process
from scalekg.graph.build import Snapshot, ensure_built
from scalekg.graph.settings import Settings

from .virtuoso_server import PASSWORD, USER, VirtuosoServer, free_port

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("SCALEKG_TEST_BUILD_DIR", ROOT / "build"))
BACKENDS = ("memory", "oxigraph", "virtuoso")


def store_settings(store: str, **overrides) -> Settings:
    base = {
        "build_dir": BUILD_DIR,
        "query_workers": 1,
        "query_timeout": 2.0,
        "max_rows": 50,
        "store": store,
        "assessments": "store",  # these tests are about the store: keep assessments in it
    }
    if store.startswith("sparql:"):
        base.update(store_user=USER, store_password=PASSWORD, store_auth="digest")
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
def built() -> Snapshot:
    return ensure_built(BUILD_DIR)


# ----------------------------------------------------------------------------- Virtuoso


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory) -> Iterator[VirtuosoServer]:
    """One Virtuoso for the session, loaded with the snapshot through ``scalekg load``."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"), max_query_s=10)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_loaded(virtuoso: VirtuosoServer, built: Snapshot) -> VirtuosoServer:
    result = run_cli(["load", "--store", virtuoso.store_spec()], env=virtuoso.env())
    assert result.returncode == 0, result.stdout + result.stderr
    return virtuoso


# ----------------------------------------------------------------------------- apps per backend


def _spec_for(name: str, request, tmp_path_factory) -> str:
    if name == "memory":
        return "memory"
    if name == "oxigraph":
        return f"oxigraph:{tmp_path_factory.mktemp('oxstore') / 'db'}"
    server = request.getfixturevalue("virtuoso_loaded")
    return server.store_spec()


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("memory"),
        pytest.param("oxigraph"),
        pytest.param("virtuoso", marks=pytest.mark.virtuoso),
    ],
)
def backend_client(request, tmp_path_factory, built):
    """(backend name, TestClient) for an app over each of the three backends."""
    from fastapi.testclient import TestClient

    from scalekg.api.app import create_app

    spec = _spec_for(request.param, request, tmp_path_factory)
    app = create_app(store_settings(spec))
    with TestClient(app) as client:
        yield request.param, client
    del app
    gc.collect()


# ----------------------------------------------------------------------------- processes


def run_cli(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "SCALEKG_BUILD_DIR": str(BUILD_DIR), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scalekg.api.cli", *args],
        env=full_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class ServeProcess:
    """A real ``scalekg serve`` on 127.0.0.1 (stopped by PID). Output goes to a log file."""

    def __init__(
        self,
        args: list[str] | None = None,
        env: dict[str, str] | None = None,
        log: Path | None = None,
        wait: bool = True,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log or Path(os.environ.get("TMPDIR", "/tmp")) / f"scalekg-{self.port}.log"
        full_env = {
            **os.environ,
            "SCALEKG_BUILD_DIR": str(BUILD_DIR),
            "SCALEKG_QUERY_WORKERS": "1",
            **(env or {}),
        }
        cmd = [
            sys.executable,
            "-m",
            "scalekg.api.cli",
            "serve",
            "--port",
            str(self.port),
            *(args or []),
        ]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, env=full_env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        if wait:
            self.wait_ready()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in time:\n{self.output()}")

    def wait_exit(self, timeout: float = 60.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        finally:
            self._log.close()

    def stop(self) -> None:
        stop_process(self.proc, 15)
        self._log.close()


# ----------------------------------------------------------------------------- fault directories


def _run(cmd: list[str]) -> bool:
    return subprocess.run(cmd, capture_output=True).returncode == 0


class LimitedDir:
    """A directory on a small filesystem of its own (tmpfs, else a loop-mounted ext4 image),
    which can be grown, or remounted read-only, in place."""

    def __init__(self, base: Path, size_mb: int) -> None:
        self.mount = base / "mnt"
        self.mount.mkdir(parents=True, exist_ok=True)
        self.kind = ""
        self.image = base / "fs.img"
        if _run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(self.mount)]):
            self.kind = "tmpfs"
        elif shutil.which("mkfs.ext4") and self._loop(size_mb):
            self.kind = "ext4-loop"
        else:
            raise OSError("cannot mount a size-limited filesystem here (tmpfs or loop ext4)")

    def _loop(self, size_mb: int) -> bool:
        with open(self.image, "wb") as fh:
            fh.truncate(size_mb * 1024 * 1024)
        return _run(["mkfs.ext4", "-q", "-F", str(self.image)]) and _run(
            ["mount", "-o", "loop", str(self.image), str(self.mount)]
        )

    def remount(self, options: str) -> None:
        assert _run(["mount", "-o", f"remount,{options}", str(self.mount)]), options

    def grow(self, size_mb: int) -> None:
        if self.kind == "tmpfs":
            self.remount(f"size={size_mb}m")
        else:  # copy to a roomy directory is simpler than resizing a loop image
            raise NotImplementedError

    def read_only(self) -> None:
        self.remount("ro")

    def writable(self) -> None:
        self.remount("rw")

    def cleanup(self) -> None:
        gc.collect()
        for _ in range(20):
            if _run(["umount", str(self.mount)]):
                return
            time.sleep(0.2)
        _run(["umount", "-l", str(self.mount)])


@pytest.fixture
def limited_dir(tmp_path) -> Iterator[callable]:
    """``limited_dir(size_mb)`` -> LimitedDir; unmounted at the end."""
    made: list[LimitedDir] = []

    def make(size_mb: int) -> LimitedDir:
        try:
            d = LimitedDir(tmp_path / f"fs{len(made)}", size_mb)
        except OSError as exc:  # not root / no mount rights: the RLIMIT_FSIZE test still runs
            pytest.skip(f"needs a mountable filesystem: {exc}")
        made.append(d)
        return d

    yield make
    for d in made:
        with contextlib.suppress(Exception):
            d.cleanup()


def can_mount() -> bool:
    return os.geteuid() == 0
