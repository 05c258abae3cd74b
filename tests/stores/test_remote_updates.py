"""SPARQL updates go to the remote store, guarded, behind the token (issue 13 item 8): a real
HTTP server on 127.0.0.1 stands in for the store's update endpoint and records what arrives."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs

import pytest

from scalekg.graph.backends.remote import RemoteBackend, RemoteSpec
from scalekg.graph.backends.remote_executor import RemoteQueryExecutor
from scalekg.graph.sparql.errors import ForbiddenQueryError, UpdateNotAllowedError


class Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length).decode()
        if self.path == "/update":
            Recorder.received.append(parse_qs(body)["update"][0])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def remote():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    Recorder.received = []
    backend = RemoteBackend(RemoteSpec(f"{base}/query", update_url=f"{base}/update"), timeout=5)
    executor = RemoteQueryExecutor(backend, timeout_s=5, max_rows=10)
    yield executor, backend
    backend.close()
    server.shutdown()


def test_an_update_is_forwarded_to_the_remote_store(remote):
    executor, _ = remote
    executor.execute_update('INSERT DATA { kg:x skos:prefLabel "x" }')
    [sent] = Recorder.received
    assert sent.rstrip().endswith('INSERT DATA { kg:x skos:prefLabel "x" }')
    assert "PREFIX kg:" in sent


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <file:///etc/passwd>",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o }",
    ],
)
def test_the_guard_runs_before_forwarding(remote, update):
    executor, _ = remote
    with pytest.raises(ForbiddenQueryError):
        executor.execute_update(update)
    assert Recorder.received == []


def test_a_store_without_an_update_url_refuses(remote):
    executor, backend = remote
    backend.spec = RemoteSpec(backend.spec.query_url)
    with pytest.raises(UpdateNotAllowedError):
        executor.execute_update("CLEAR ALL")
    assert Recorder.received == []
