"""Keep-alive POSTs of SPARQL queries to a remote store, with the standard library's http.client.

Queries are the hot path of a remote store: ``/sparql``, the linked-data pages and the model's
reads each send one per request. httpx, which the remote backend keeps for everything else
(Digest and Basic auth, Graph Store Protocol writes, updates), spends about 550-600 µs of CPU
on one loopback query round trip here, http.client about 200-250 µs (measured against Virtuoso,
issue 15). So form-encoded query POSTs over plain ``http://`` go through this pool of persistent
connections, and the result is handed back as an ``httpx.Response``: the backend's status and
error mapping stays the one in ``remote.py``.

Failures are raised as the httpx exceptions the backend already maps: a refused connection or
a connect timeout as ``httpx.ConnectError`` / ``httpx.ConnectTimeout`` (store unavailable), a
read timeout as ``httpx.ReadTimeout`` (the query ran too long), a connection closed under us as
``httpx.RemoteProtocolError``. A pooled connection that the server closed while idle (Virtuoso's
KeepAliveTimeout, a restart) is retried once on a fresh one: queries are idempotent.
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import httpx

FORM = "application/x-www-form-urlencoded"
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def pool_usable(url: str) -> bool:
    """Plain http:// and no proxy from the environment (httpx would honour one; we do not)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get("http") or proxies.get("all")):
        return True
    return bool(urllib.request.proxy_bypass_environment(parts.hostname, proxies))


class QueryPool:
    """Persistent HTTP/1.1 connections to one query URL; thread-safe, at most ``max_idle`` kept."""

    def __init__(self, url: str, *, user_agent: str = "scalekg", max_idle: int = 32) -> None:
        parts = urlsplit(url)
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.user_agent = user_agent
        self.max_idle = max_idle
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connect(self, timeout: httpx.Timeout) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout.connect)
        try:
            conn.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connect timeout: {exc}") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        # small requests on kept-alive connections: do not wait for ACKs (Nagle)
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _take(self) -> http.client.HTTPConnection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def post_form(
        self,
        data: Mapping[str, str | list[str]],
        *,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        body = urlencode(data, doseq=True).encode()
        sent = {"User-Agent": self.user_agent, **headers, "Content-Type": FORM}
        for attempt in (1, 2):
            conn = self._take()
            reused = conn is not None
            if conn is None:
                conn = self._connect(timeout)
            conn.sock.settimeout(timeout.read)
            try:
                conn.request("POST", self.path, body=body, headers=sent)
                response = conn.getresponse()
                content = response.read()
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout(f"read timeout: {exc}") from exc
            except (*_DROPPED, http.client.HTTPException, OSError) as exc:
                conn.close()
                if reused and attempt == 1 and isinstance(exc, _DROPPED):
                    continue  # closed by the server while idle: once more, on a new connection
                raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
            if response.will_close:
                conn.close()
            else:
                self._give_back(conn)
            return httpx.Response(
                response.status,
                headers=response.getheaders(),
                content=content,
                request=httpx.Request("POST", self.url),
            )
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
