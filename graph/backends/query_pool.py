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

import asyncio
import contextlib
import functools
import http.client
import socket
import threading
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import httptools
import httpx

FORM = "application/x-www-form-urlencoded"
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@functools.lru_cache(maxsize=64)
def _encoded_rest(items: tuple[tuple[str, tuple[str, ...] | str], ...]) -> str:
    return urlencode([(k, v) for k, v in items], doseq=True)


def encode_form(data: Mapping[str, str | list[str]]) -> bytes:
    """The form body: the query encoded per request, the rest (the dataset's graph IRIs, the
    same for every query) encoded once and cached."""
    query = data.get("query")
    rest = tuple(
        (k, tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k != "query"
    )
    head = urlencode({"query": query}) if query is not None else ""
    tail = _encoded_rest(rest) if rest else ""
    return (f"{head}&{tail}" if head and tail else head or tail).encode()


def pool_usable(url: str) -> bool:
    """Plain http:// and no proxy from the environment (httpx would honour one; we do not)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get("http") or proxies.get("all")):
        return True
    # In the standard library on every platform, missing from typeshed's stubs.
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return bool(bypass(parts.hostname, proxies))


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
        self._request = httpx.Request("POST", url)  # what the responses name (error messages)
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
        body = encode_form(data)
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
                request=self._request,
            )
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _Response:
    """httptools callbacks: the status, headers and body of one response."""

    __slots__ = ("body", "complete", "headers", "headers_done", "keep_alive", "parser")

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.complete = False
        self.headers_done = False
        self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()  # (reset once the message is done)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class _AsyncConnection:
    __slots__ = ("loop", "sock")

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        self.loop = loop
        self.sock = sock

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class AsyncQueryPool:
    """The same POSTs on the running asyncio loop: non-blocking sockets, no thread hop.

    A web handler that waited for the store in a worker thread (anyio.to_thread) spent about
    300 µs more CPU per query on the hand-off than on the request itself (issue 15). Responses
    are parsed by httptools, the C parser uvicorn uses. Connections belong to the loop that
    opened them (one per uvicorn worker; the tests' clients have their own)."""

    def __init__(self, url: str, *, user_agent: str = "scalekg", max_idle: int = 32) -> None:
        parts = urlsplit(url)
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = self.host if self.port == 80 else f"{self.host}:{self.port}"
        self._head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {user_agent}\r\n"
        self.max_idle = max_idle
        self._idle: list[_AsyncConnection] = []
        self._request = httpx.Request("POST", url)

    async def _connect(self, loop: asyncio.AbstractEventLoop, timeout: httpx.Timeout):
        try:
            async with asyncio.timeout(timeout.connect):
                infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
                family, kind, proto, _, address = infos[0]
                sock = socket.socket(family, kind, proto)
                sock.setblocking(False)
                try:
                    await loop.sock_connect(sock, address)
                except BaseException:
                    sock.close()
                    raise
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connect timeout after {timeout.connect:g} s") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _AsyncConnection(loop, sock)

    def _take(self, loop: asyncio.AbstractEventLoop) -> _AsyncConnection | None:
        while self._idle:
            conn = self._idle.pop()
            if conn.loop is loop:
                return conn
            conn.close()  # opened by another (finished) loop
        return None

    async def apost_form(
        self,
        data: Mapping[str, str | list[str]],
        *,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        loop = asyncio.get_running_loop()
        body = encode_form(data)
        head = self._head + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"{head}Content-Type: {FORM}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        )
        for attempt in (1, 2):
            conn = self._take(loop)
            reused = conn is not None
            if conn is None:
                conn = await self._connect(loop, timeout)
            done = False
            try:
                async with asyncio.timeout(timeout.read):
                    response, keep = await self._exchange(conn, request)
                done = True
            except TimeoutError as exc:
                raise httpx.ReadTimeout(f"no answer within {timeout.read:g} s") from exc
            except (_Dropped, ConnectionError) as exc:
                if reused and attempt == 1:
                    continue  # closed by the server while idle: once more, on a new connection
                raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
            except (httptools.HttpParserError, OSError) as exc:
                raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
            finally:
                if not done:  # failed, timed out or cancelled mid-exchange: never reused
                    conn.close()
            if keep and len(self._idle) < self.max_idle:
                self._idle.append(conn)
            else:
                conn.close()
            return response
        raise AssertionError("unreachable")

    async def _exchange(self, conn: _AsyncConnection, request: bytes):
        await conn.loop.sock_sendall(conn.sock, request)
        state = _Response()
        parser = state.parser
        received = False
        while not state.complete:
            chunk = await conn.loop.sock_recv(conn.sock, 1 << 16)
            if not chunk:
                if not received:
                    raise _Dropped("the server closed the connection")
                if state.headers_done and not _has_length(state.headers):
                    break  # a body delimited by the end of the connection
                raise httpx.RemoteProtocolError("the server closed the connection mid-answer")
            received = True
            parser.feed_data(chunk)
        keep = state.complete and state.keep_alive
        response = httpx.Response(
            parser.get_status_code(),
            headers=state.headers,
            content=b"".join(state.body),
            request=self._request,
        )
        return response, keep

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _Dropped(Exception):
    """The server closed a kept connection before answering."""


def _has_length(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in headers)
