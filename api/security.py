"""Who may write, from where; which origins get CORS; who the client is; what our own URL is.

Writes (``POST /api/assessments``) are protected against other websites (CSRF):

- the body must be ``application/json`` or YAML: not a type a cross-site form or a "simple"
  ``fetch`` can send without a CORS preflight (``text/plain``, form types are refused with 415);
- a browser's ``Origin`` must be the server's own origin (``public_base_url``, or the bound address
  and its loopback aliases) or one listed in ``write_origins``; ``Sec-Fetch-Site: cross-site``
  without such an origin is refused too (403). Clients that are not browsers send neither;
- a bearer token (``update_token``) is required whenever the server is not bound to loopback, or
  runs behind a reverse proxy (``behind_proxy``), since every request then comes from the proxy.

CORS: the read-only routes answer any origin in ``cors_origins`` (``*`` by default, never with
credentials). Assessment routes never get a wildcard: only ``write_origins`` (none by default).

The Host header is never reflected: links and the SPARQL service description use
``public_base_url``, or the bound address.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scalekg.graph.settings import Settings

from .errors import ApiError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# Paths that hold users' assessments: never wildcard CORS.
PRIVATE_PREFIXES = ("/api/assessments", "/assessments", "/assess")
EXPOSED_HEADERS = ["ETag", "X-ScaleKG-Truncated", "X-ScaleKG-Row-Limit", "Retry-After"]


def split_origins(text: str) -> list[str]:
    return [o.strip().rstrip("/") for o in text.split(",") if o.strip()]


def is_loopback(settings: Settings) -> bool:
    return settings.host in LOOPBACK_HOSTS or settings.host.startswith("127.")


def base_url(settings: Settings) -> str:
    """The server's own URL, without a trailing slash: ``public_base_url`` or the bound address."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    host = settings.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origins(settings: Settings) -> frozenset[str]:
    """Origins whose pages are ours (and so may write)."""
    origins = {_origin(base_url(settings))}
    if is_loopback(settings):
        for alias in ("127.0.0.1", "localhost", "[::1]"):
            origins.add(f"http://{alias}:{settings.port}")
    origins.update(_origin(o) for o in split_origins(settings.write_origins))
    return frozenset(origins)


def client_id(request: Request, settings: Settings) -> str:
    """The client's address; behind a proxy, the address the proxy saw (the last hop it added)."""
    if settings.behind_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else "unknown"


def require_write(request: Request) -> None:
    """Refuse a write from another site, or without the token when one is needed."""
    settings: Settings = request.app.state.scalekg.settings
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site", "").lower()
    allowed = own_origins(settings)
    if origin is not None and origin.lower().rstrip("/") not in allowed:
        raise ApiError(
            403,
            "forbidden",
            f"Writes from pages of {origin[:100]!r} are refused (cross-site request). Allowed "
            "origins: this server's own, and those in SCALEKG_WRITE_ORIGINS.",
        )
    if origin is None and site == "cross-site":
        raise ApiError(403, "forbidden", "Cross-site writes are refused.")
    if is_loopback(settings) and not settings.behind_proxy:
        return
    token = settings.update_token
    if not token:
        raise ApiError(
            403,
            "forbidden",
            "Writes are disabled: the server is not bound to loopback (or runs behind a proxy) "
            "and no update token is set (SCALEKG_UPDATE_TOKEN).",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    ):
        raise ApiError(
            401,
            "unauthorized",
            "A bearer token is required to write (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": 'Bearer realm="scalekg"'},
        )


class ScopedCORS:
    """CORS for the read-only routes (``cors_origins``), and a stricter one (``write_origins``,
    no wildcard) for the assessment routes."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        public = split_origins(settings.cors_origins)
        private = [o for o in split_origins(settings.write_origins) if o != "*"]
        self.public = CORSMiddleware(
            app,
            allow_origins=public,
            allow_credentials=False,
            allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
        )
        self.private: ASGIApp = app  # no CORS at all, unless write_origins names some
        if private:
            self.private = CORSMiddleware(
                app,
                allow_origins=private,
                allow_credentials=False,
                allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                allow_headers=["Accept", "Content-Type", "Authorization"],
                expose_headers=EXPOSED_HEADERS,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        target = self.private if path.startswith(PRIVATE_PREFIXES) else self.public
        await target(scope, receive, send)


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes`` with a 413 in the app's error shape:
    at once when Content-Length says so, else as soon as the streamed body passes the limit
    (the route's read raises, and the app-wide handler answers)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> ApiError:
        return ApiError(
            413,
            "content too large",
            f"The request body is larger than {self.max_bytes} bytes (SCALEKG_MAX_BODY_BYTES).",
            limit=self.max_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    from .errors import Failure, render

                    error = self._too_large()
                    failure = Failure(413, {"error": error.error, "message": error.message,
                                            **error.extra}, {"Connection": "close"})  # fmt: skip
                    await render(Request(scope, receive), failure)(scope, receive, send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited, send)
