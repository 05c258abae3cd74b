"""Shared fixtures: the built snapshot, the knowledge graph, an in-process client, a real server."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.processes import stop_process
from scalekg.graph.build import Snapshot, ensure_built
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.settings import Settings
from scalekg.graph.store import load_memory_store, store_selector

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = Path(os.environ.get("SCALEKG_TEST_BUILD_DIR", ROOT / "build"))
ARTIFACTS = ROOT / "test-artifacts"


# A test that uses one of these fixtures gets the marker even if its author forgot it, so that
# `make test-fast` (-m "not browser and not virtuoso and not soak") never starts Chromium or Virtuoso.
FIXTURE_MARKERS = {
    "browser": "browser",
    "page": "browser",
    "virtuoso": "virtuoso",
    "virtuoso_loaded": "virtuoso",
    "live_server": "server",
    "sparql_server": "server",
}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = FIXTURE_MARKERS.get(fixture)
            if marker and item.get_closest_marker(marker) is None:
                item.add_marker(marker)


@pytest.fixture(scope="session", autouse=True)
def user_data_dir(tmp_path_factory) -> Iterator[Path]:
    """Point ``data_dir`` at a temporary directory, so no test writes into the user's own.

    ``SCALEKG_BUILD_DIR`` keeps naming the shared test build (the repository's ``build/`` unless
    ``SCALEKG_TEST_BUILD_DIR`` says otherwise), so the tests and their servers reuse one snapshot.
    """
    path = tmp_path_factory.mktemp("data-dir")
    saved = {k: os.environ.get(k) for k in ("SCALEKG_DATA_DIR", "SCALEKG_BUILD_DIR")}
    os.environ["SCALEKG_DATA_DIR"] = str(path)
    os.environ["SCALEKG_BUILD_DIR"] = str(BUILD_DIR)
    yield path
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    return ensure_built(BUILD_DIR)


@pytest.fixture(scope="session")
def shipped_report(snapshot: Snapshot):
    """The quality gates' report on the shipped ontology and data, computed once per session
    and kept in the test build's validation cache, where `scalekg check` finds it too."""
    from scalekg.graph.build import input_files
    from scalekg.graph.loader import load_sources
    from scalekg.graph.validate import validate_cached

    sources = load_sources()
    union = sources.ontology + sources.data
    return validate_cached(union, input_files(), BUILD_DIR / "validation-cache")


@pytest.fixture(scope="session")
def kg(snapshot: Snapshot) -> KnowledgeGraph:
    return KnowledgeGraph.from_store(
        store_selector(load_memory_store(snapshot.path)), snapshot.hash
    )


def make_settings(**overrides) -> Settings:
    base = {"build_dir": BUILD_DIR, "query_workers": 1, "query_timeout": 5.0}
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
def app(snapshot: Snapshot):
    from scalekg.api.app import create_app

    return create_app(make_settings())


@pytest.fixture(scope="session")
def client(app) -> Iterator:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real ``scalekg serve`` process on 127.0.0.1, stopped at the end."""

    def __init__(self, env: dict[str, str] | None = None, args: list[str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "SCALEKG_BUILD_DIR": str(BUILD_DIR), **(env or {})}
        cmd = [
            sys.executable,
            "-m",
            "scalekg.api.cli",
            "serve",
            "--port",
            str(self.port),
            *(args or []),
        ]
        self.proc = subprocess.Popen(
            cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT
        )
        self._wait()

    def _wait(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                raise RuntimeError(f"server exited early:\n{out}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="session")
def live_server(snapshot: Snapshot) -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def start_server() -> Iterator:
    """Start real ``scalekg serve`` processes with their own settings (``env``); all are
    stopped at the end of the session."""
    started: list[LiveServer] = []

    def start(env: dict[str, str] | None = None, args: list[str] | None = None) -> LiveServer:
        server = LiveServer(env=env, args=args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
