"""HTTP caching for read responses: an ETag from the snapshot hash, 304s, and a response cache.

The snapshot is immutable while the app runs, so a GET's response depends only on its path, its
query string and (for negotiated resources) its Accept header. ``ReadRoute`` is the route class of
our routers. Around each route it:

- answers from an in-memory cache of encoded responses, keyed by (path, query string[, Accept]);
  the first request computes the response through the normal FastAPI handler (validation, the
  threadpool for ``def`` endpoints); later ones skip all of that;
- adds ``ETag`` (built from the snapshot hash; a negotiated representation adds its own suffix)
  and ``Cache-Control`` to every successful read response;
- answers ``If-None-Match`` (a strong or weak tag, a list of tags, or ``*``) with 304.

Exceptions pass through to the app-wide handlers (``api.errors.install``).

Only 200 and 303 responses are cached and tagged; errors are computed every time.
"""

import gc
import gzip
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from .state import AppState

CACHE_CONTROL = "public, max-age=60"
MAX_ENTRIES = 4096
MAX_BYTES = 64 * 1024 * 1024
CACHEABLE = (200, 303)
_VARIES = object()  # marks a (path, query) whose response depends on the Accept header

# Short suffixes for negotiated representations, so that each has its own strong ETag.
VARIANT_SUFFIX = {
    "text/html": "html",
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
    "application/json": "json",
}


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison: ``*``, a single tag, a list, with or without ``W/``."""
    header = if_none_match.strip()
    if not header:
        return False
    if header == "*":
        return True
    opaque = etag[2:] if etag.startswith("W/") else etag
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == opaque:
            return True
    return False


def accepts_gzip(accept_encoding: str) -> bool:
    """True when Accept-Encoding allows gzip (``gzip`` or ``*``, without ``q=0``)."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.replace(" ", "")
            return not (q.startswith("q=0") and q.strip("q=0.") == "")
    return False


def snapshot_etag(snapshot_hash: str, variant: str = "") -> str:
    return f'"{snapshot_hash}-{variant}"' if variant else f'"{snapshot_hash}"'


class CachedResponse(Response):
    """A response replayed from pre-encoded bytes and pre-built raw headers."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: bytes):
        self.status_code = status_code
        self.body = body
        self.raw_headers = raw_headers
        self.background = None


COMPRESSIBLE = (
    b"application/json",
    b"application/ld+json",
    b"application/n-triples",
    b"application/rdf+xml",
    b"text/",
)
GZIP_MIN_BYTES = 1024


def _vary_with(raw: list[tuple[bytes, bytes]], token: bytes) -> list[tuple[bytes, bytes]]:
    """The headers with ``token`` added to Vary (once)."""
    for i, (k, v) in enumerate(raw):
        if k == b"vary":
            if token.lower() not in v.lower():
                raw[i] = (k, v + b", " + token)
            return raw
    return [*raw, (b"vary", token)]


class Entry:
    """One encoded response: its body (and gzip body), headers, and ETag(s)."""

    __slots__ = (
        "body",
        "etag",
        "gzip_body",
        "gzip_etag",
        "gzip_headers",
        "gzip_headers_304",
        "headers_304",
        "raw_headers",
        "size",
        "status",
    )

    def __init__(self, response: Response, etag: str | None):
        self.status = response.status_code
        self.body = bytes(response.body)
        self.etag = etag
        raw = [
            (k, v)
            for k, v in response.raw_headers
            if k not in (b"etag", b"cache-control", b"set-cookie")
        ]
        media = next((v for k, v in raw if k == b"content-type"), b"")
        self.gzip_body = self.gzip_etag = self.gzip_headers = self.gzip_headers_304 = None
        compress = (
            etag is not None
            and len(self.body) >= GZIP_MIN_BYTES
            and media.startswith(COMPRESSIBLE)
            and not any(k == b"content-encoding" for k, _ in raw)
        )
        if compress:
            raw = _vary_with(raw, b"Accept-Encoding")
        cache_control = (b"cache-control", CACHE_CONTROL.encode())
        kept = [(k, v) for k, v in raw if k == b"vary"]
        if etag is not None:
            tags = [(b"etag", etag.encode("latin-1")), cache_control]
            self.raw_headers = raw + tags
            self.headers_304 = kept + tags
        else:
            self.raw_headers = raw
            self.headers_304 = kept
        if compress:
            # Compressed once, replayed to every client that accepts gzip (browsers, httpx, ...).
            self.gzip_body = gzip.compress(self.body, compresslevel=6, mtime=0)
            self.gzip_etag = etag[:-1] + '-gzip"'
            tags = [(b"etag", self.gzip_etag.encode("latin-1")), cache_control]
            headers = [(k, v) for k, v in raw if k != b"content-length"]
            headers += [
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(self.gzip_body)).encode()),
            ]
            self.gzip_headers = headers + tags
            self.gzip_headers_304 = kept + tags
        self.size = len(self.body) + len(self.gzip_body or b"") + 64

    def respond(self, request: Request) -> Response:
        headers = request.headers
        gz = self.gzip_body is not None and accepts_gzip(headers.get("accept-encoding", ""))
        if self.etag is not None:
            inm = headers.get("if-none-match")
            if inm is not None and (
                etag_matches(inm, self.etag)
                or (self.gzip_etag is not None and etag_matches(inm, self.gzip_etag))
            ):
                return CachedResponse(
                    304, list(self.gzip_headers_304 if gz else self.headers_304), b""
                )
        if gz:
            return CachedResponse(self.status, list(self.gzip_headers), self.gzip_body)
        return CachedResponse(self.status, list(self.raw_headers), self.body)


class ResponseCache:
    """A bounded FIFO of encoded responses, one per app (the snapshot never changes under it)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries: dict[tuple, Any] = {}
        self.bytes = 0

    def get(self, key: tuple) -> Any:
        return self.entries.get(key)

    def put(self, key: tuple, value: Any) -> None:
        size = value.size if isinstance(value, Entry) else 16
        if size > self.max_bytes // 4:
            return  # too large to be worth keeping
        old = self.entries.pop(key, None)
        if isinstance(old, Entry):
            self.bytes -= old.size
        while self.entries and (
            len(self.entries) >= self.max_entries or self.bytes + size > self.max_bytes
        ):
            first = next(iter(self.entries))
            evicted = self.entries.pop(first)
            if isinstance(evicted, Entry):
                self.bytes -= evicted.size
        self.entries[key] = value
        self.bytes += size if isinstance(value, Entry) else 0

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0


def response_cache(state: AppState) -> ResponseCache:
    cache = state.caches.responses
    if cache is None:
        cache = state.caches.responses = ResponseCache()
    return cache


def _etag_for(state: AppState, response: Response) -> str | None:
    if response.status_code != 200:
        return None
    own = response.headers.get("etag")
    if own:
        return own  # a resource versioned by its own content (e.g. a static asset)
    variant = ""
    vary = response.headers.get("vary", "")
    if "accept" in vary.lower():
        media = response.headers.get("content-type", "").split(";")[0].strip()
        variant = VARIANT_SUFFIX.get(media, media.replace("/", "-"))
    return snapshot_etag(state.snapshot.hash, variant)


class ReadRoute(APIRoute):
    """Route class for read-only GET routes: response cache and ETag/304."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            state = request.app.state.scalekg
            cache = response_cache(state)
            scope = request.scope
            key: tuple = (scope["path"], scope["query_string"])
            entry = cache.get(key)
            if entry is _VARIES:
                key = (*key, request.headers.get("accept", ""))
                entry = cache.get(key)
            if entry is not None:
                return entry.respond(request)
            response = await original(request)
            if response.status_code not in CACHEABLE or not hasattr(response, "body"):
                return response
            entry = Entry(response, _etag_for(state, response))
            if "accept" in response.headers.get("vary", "").lower() and len(key) == 2:
                cache.put(key, _VARIES)
                key = (*key, request.headers.get("accept", ""))
            cache.put(key, entry)
            return entry.respond(request)

        return handler


@asynccontextmanager
async def freeze_heap(_app: FastAPI) -> AsyncIterator[None]:
    """At startup, move the (immutable) graph and everything built so far out of the collector's way.

    The app holds ~130k long-lived objects (the knowledge graph, networkx, rdflib, pyoxigraph
    wrappers). A full collection walks all of them, about 40 ms here, and under load that pause
    lands on whichever requests are in flight: it was most of our p99. ``gc.freeze()`` puts them
    in a permanent generation that collections skip; objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()
    yield
