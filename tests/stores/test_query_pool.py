"""The keep-alive query transports of the remote store (graph/backends/query_pool.py: threads with
http.client, and the asyncio one with httptools), against a real HTTP server on 127.0.0.1:
connection reuse, a connection the server closed while idle, timeouts, refusal, and the errors
the backend maps."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from scalekg.graph.backends import StoreUnavailableError
from scalekg.graph.backends.query_pool import AsyncQueryPool, QueryPool, pool_usable
from scalekg.graph.backends.remote import RemoteBackend
from scalekg.graph.backends.remote_protocol import RemoteAuthError, RemoteSpec, RemoteTimeoutError

TIMEOUT = httpx.Timeout(2.0, connect=1.0)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        form = parse_qs(body.decode())
        server.seen.append((self.client_address[1], self.headers.get("Content-Type"), form))
        query = form["query"][0]
        if query == "SLOW":
            time.sleep(1.5)
        status = 401 if query == "AUTH" else 200
        payload = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(payload)))
        if query == "CLOSE":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    httpd.handle_error = lambda request, address: None  # the client gave up on SLOW: expected
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/sparql"


def test_queries_reuse_one_connection(server):
    pool = QueryPool(url(server))
    for i in range(3):
        r = pool.post_form(
            {"query": f"ASK {{}} # {i}", "default-graph-uri": ["urn:a", "urn:b"]},
            headers={"Accept": "application/sparql-results+json"},
            timeout=TIMEOUT,
        )
        assert r.status_code == 200
        assert r.json() == {"head": {"vars": []}, "results": {"bindings": []}}
    ports = {port for port, _, _ in server.seen}
    assert len(server.seen) == 3 and len(ports) == 1  # keep-alive: one TCP connection
    _, ctype, form = server.seen[0]
    assert ctype == "application/x-www-form-urlencoded"
    assert form == {"query": ["ASK {} # 0"], "default-graph-uri": ["urn:a", "urn:b"]}
    pool.close()


def test_a_connection_closed_by_the_server_is_replaced(server):
    pool = QueryPool(url(server))
    assert pool.post_form({"query": "CLOSE"}, headers={}, timeout=TIMEOUT).status_code == 200
    assert pool.post_form({"query": "ASK {}"}, headers={}, timeout=TIMEOUT).status_code == 200
    # a kept connection that the server drops while idle: retried once, on a new connection
    conn = pool._idle[0]
    conn.sock.shutdown(socket.SHUT_RDWR)
    assert pool.post_form({"query": "ASK {}"}, headers={}, timeout=TIMEOUT).status_code == 200
    assert len({port for port, _, _ in server.seen}) == 3
    pool.close()


def test_read_timeout_and_refused_connection_are_httpx_errors(server):
    pool = QueryPool(url(server))
    with pytest.raises(httpx.ReadTimeout):
        pool.post_form({"query": "SLOW"}, headers={}, timeout=httpx.Timeout(0.3, connect=1.0))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        refused = QueryPool(f"http://127.0.0.1:{port}/sparql")
        with pytest.raises(httpx.ConnectError):
            refused.post_form({"query": "ASK {}"}, headers={}, timeout=TIMEOUT)


def test_the_backend_maps_pool_errors_as_before(server):
    backend = RemoteBackend(RemoteSpec(url(server)), timeout=0.3)
    assert backend._query_pool is not None
    with pytest.raises(RemoteTimeoutError):
        backend.query_response("SLOW", "application/sparql-results+json")
    server.shutdown()
    server.server_close()
    backend._query_pool.close()  # (its handler thread would keep a kept connection alive)
    with pytest.raises(StoreUnavailableError):
        backend.query_response("ASK {}", "application/sparql-results+json")
    backend.close()


def test_a_server_that_wants_credentials_to_read_moves_reads_to_httpx(server):
    backend = RemoteBackend(RemoteSpec(url(server)), user="u", password="p", auth="basic")
    with pytest.raises(RemoteAuthError):  # still 401 with the credentials: a clear error
        backend.query_response("AUTH", "application/sparql-results+json")
    assert backend._query_pool is None  # httpx (and its auth) from now on
    assert backend.query_response("ASK {}", "application/json").status_code == 200
    backend.close()


def test_pool_only_for_plain_http_without_a_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert pool_usable("http://127.0.0.1:8890/sparql")
    assert not pool_usable("https://example.org/sparql")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    assert not pool_usable("http://store.internal:8890/sparql")
    monkeypatch.setenv("NO_PROXY", "store.internal")
    assert pool_usable("http://store.internal:8890/sparql")


# ------------------------------------------------------------------------------ on the event loop


def test_async_queries_reuse_one_connection_per_loop(server):
    pool = AsyncQueryPool(url(server))

    async def three() -> list[int]:
        statuses = []
        for i in range(3):
            r = await pool.apost_form(
                {"query": f"ASK {{}} # {i}", "default-graph-uri": ["urn:a", "urn:b"]},
                headers={"Accept": "application/sparql-results+json"},
                timeout=TIMEOUT,
            )
            statuses.append(r.status_code)
            assert r.json() == {"head": {"vars": []}, "results": {"bindings": []}}
            assert r.headers["content-type"] == "application/sparql-results+json"
        return statuses

    assert asyncio.run(three()) == [200, 200, 200]
    assert len({port for port, _, _ in server.seen}) == 1
    _, ctype, form = server.seen[0]
    assert ctype == "application/x-www-form-urlencoded"
    assert form == {"query": ["ASK {} # 0"], "default-graph-uri": ["urn:a", "urn:b"]}
    asyncio.run(three())  # another loop: the first loop's connection is not used
    assert len({port for port, _, _ in server.seen}) == 2
    pool.close()


def test_async_dropped_connection_timeout_and_refusal(server):
    pool = AsyncQueryPool(url(server))

    async def run() -> None:
        r = await pool.apost_form({"query": "CLOSE"}, headers={}, timeout=TIMEOUT)
        assert r.status_code == 200 and not pool._idle  # "Connection: close" is honoured
        await pool.apost_form({"query": "ASK {}"}, headers={}, timeout=TIMEOUT)
        pool._idle[0].sock.shutdown(socket.SHUT_RDWR)  # as if the server had dropped it
        r = await pool.apost_form({"query": "ASK {}"}, headers={}, timeout=TIMEOUT)
        assert r.status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            await pool.apost_form(
                {"query": "SLOW"}, headers={}, timeout=httpx.Timeout(0.3, connect=1.0)
            )
        assert not pool._idle  # the connection that timed out was closed, not kept

    asyncio.run(run())
    # CLOSE's connection, the dropped one, and its replacement (which SLOW then used)
    assert len({port for port, _, _ in server.seen}) == 3
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = AsyncQueryPool(f"http://127.0.0.1:{s.getsockname()[1]}/sparql")
        with pytest.raises(httpx.ConnectError):
            asyncio.run(refused.apost_form({"query": "ASK {}"}, headers={}, timeout=TIMEOUT))


def test_the_backend_maps_async_pool_errors_as_before(server):
    backend = RemoteBackend(RemoteSpec(url(server)), timeout=0.3)
    ok = asyncio.run(backend.aquery_response("ASK {}", "application/sparql-results+json"))
    assert ok.status_code == 200
    with pytest.raises(RemoteTimeoutError):
        asyncio.run(backend.aquery_response("SLOW", "application/sparql-results+json"))
    server.shutdown()
    server.server_close()
    with pytest.raises(StoreUnavailableError):
        asyncio.run(backend.aquery_response("ASK {}", "application/sparql-results+json"))
    backend.close()


def test_async_reads_move_to_httpx_when_the_server_wants_credentials(server):
    backend = RemoteBackend(RemoteSpec(url(server)), user="u", password="p", auth="basic")
    with pytest.raises(RemoteAuthError):
        asyncio.run(backend.aquery_response("AUTH", "application/sparql-results+json"))
    assert backend._async_pool is None and backend._query_pool is None
    r = asyncio.run(backend.aquery_response("ASK {}", "application/json"))
    assert r.status_code == 200  # through httpx, in a worker thread
    backend.close()
