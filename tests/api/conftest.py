"""Fixtures of the SPARQL endpoint tests: a small dataset, a tiny app around the router, and a
real uvicorn server on 127.0.0.1.

The app is built here (FastAPI + the sparql router + ``app.state.scalekg``) rather than with
``create_app``: that needs the full build, and these tests need their own small dataset, limits and
update token. Fixture names start with ``sparql_`` so that they never shadow the shared ones.
"""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

SKG = "https://w3id.org/scalekg/ontology#"
KG = "https://w3id.org/scalekg/id/"
GRAPH = "https://w3id.org/scalekg/graph/"
KASEI = "http://kasei.us/2009/09/sparql/data/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
TOKEN = "s3cret-token"

# 7 patterns over the whole dataset: far more than 10**6 solutions.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u }"
)


def quads() -> list[str]:
    q = [
        f"<{SKG}Capability> <{RDF_TYPE}> <http://www.w3.org/2002/07/owl#Class> <{GRAPH}ontology> .",
        f"<{KG}premature-scaling> <{RDF_TYPE}> <{SKG}FailureFactor> <{GRAPH}data> .",
        f'<{KG}premature-scaling> <http://www.w3.org/2004/02/skos/core#prefLabel> "Premature scaling"@en <{GRAPH}data> .',
        f"<{KG}premature-scaling> <{SKG}mitigatedBy> <{KG}lean-product-development> <{GRAPH}inferred> .",
    ]
    for c in ("lean-product-development", "continuous-delivery", "keep-financial-discipline"):
        q.append(f"<{KG}{c}> <{SKG}mitigates> <{KG}premature-scaling> <{GRAPH}data> .")
        q.append(f"<{KG}{c}> <{RDF_TYPE}> <{SKG}Capability> <{GRAPH}data> .")
    # The W3C protocol tests' graphs: data0..data3.rdf, each describing itself as a document.
    for n in range(4):
        g = f"{KASEI}data{n}.rdf"
        q.append(f"<{g}> <{RDF_TYPE}> <{FOAF_DOCUMENT}> <{g}> .")
    return q


QUADS = quads()


def make_app(snapshot: Path, **settings):
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    from scalekg.api import errors
    from scalekg.api.routers.sparql import router
    from scalekg.graph.settings import Settings
    from scalekg.graph.sparql.executor import QueryExecutor

    s = Settings(**{"query_timeout": 5.0, "max_rows": 1000, "query_workers": 2, **settings})
    executor = QueryExecutor(
        snapshot, workers=s.query_workers, timeout_s=s.query_timeout, max_rows=s.max_rows
    )
    app = FastAPI()
    app.add_middleware(  # as the real app does
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["ETag", "X-ScaleKG-Truncated", "X-ScaleKG-Row-Limit"],
    )
    errors.install(app)  # as create_app does
    app.include_router(router)
    app.state.scalekg = SimpleNamespace(executor=executor, settings=s)
    return app


@pytest.fixture(scope="session")
def sparql_snapshot_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sparql-api") / "snapshot-test.nq"
    path.write_text("\n".join(QUADS) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sparql_consts() -> SimpleNamespace:
    return SimpleNamespace(
        SKG=SKG, KG=KG, GRAPH=GRAPH, KASEI=KASEI, TOKEN=TOKEN, RUNAWAY=RUNAWAY, QUADS=QUADS
    )


@pytest.fixture(scope="session")
def sparql_client(sparql_snapshot_path) -> Iterator:
    """Read-only endpoint (no update token)."""
    from fastapi.testclient import TestClient

    app = make_app(sparql_snapshot_path)
    with TestClient(app) as client:
        yield client
    app.state.scalekg.executor.close()


@pytest.fixture
def sparql_token_client(sparql_snapshot_path) -> Iterator:
    """An endpoint with an update token (fresh per test: updates change its data)."""
    from fastapi.testclient import TestClient

    app = make_app(sparql_snapshot_path, update_token=TOKEN)
    with TestClient(app) as client:
        yield client
    app.state.scalekg.executor.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SparqlServer:
    """A real uvicorn server on 127.0.0.1 (in a thread of this process), stopped at the end."""

    def __init__(self, app):
        import uvicorn

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.scalekg.executor.close()


@pytest.fixture(scope="module")
def sparql_server(sparql_snapshot_path) -> Iterator[SparqlServer]:
    """Real server: 2 s time limit, row cap 5, updates enabled with TOKEN (to prove LOAD is
    refused even then)."""
    server = SparqlServer(
        make_app(sparql_snapshot_path, query_timeout=2.0, max_rows=5, update_token=TOKEN)
    )
    yield server
    server.stop()


@pytest.fixture
def sparql_http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client
