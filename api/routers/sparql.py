"""The SPARQL 1.1 Protocol endpoint: ``GET /sparql`` and ``POST /sparql``.

Read-only by default. The handlers are ``async def`` but never block the event loop: the query
runs in a worker process (``graph/sparql/executor.py``) and the handler awaits its socket; the
only blocking call, an update, goes to a thread. See ``docs/sparql.md``.

The two routes are plain Starlette routes, not FastAPI ``APIRoute``s: they take the raw request
and parse the protocol themselves, so FastAPI's dependency and validation machinery (about a
fifth of the per-request cost of a trivial query) is skipped. They are therefore not in the
OpenAPI schema; the service description (``GET /sparql``) and ``docs/sparql.md`` describe them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import Coroutine
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from scalekg.graph.sparql.errors import (
    NotAcceptableError,
    SparqlError,
    UpdateNotAllowedError,
)
from scalekg.graph.sparql.formats import negotiate
from scalekg.graph.sparql.guard import check_query
from scalekg.graph.sparql.service import service_description

from ..errors import json_error, to_response
from ..security import base_url, client_id

router = APIRouter(tags=["sparql"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
POST_TYPES = [FORM, SPARQL_QUERY, SPARQL_UPDATE]
TRUNCATED = "X-ScaleKG-Truncated"
ROW_LIMIT = "X-ScaleKG-Row-Limit"
_CONTENT_TYPES = {
    "text/csv": b"text/csv; charset=utf-8",
    "text/tab-separated-values": b"text/tab-separated-values; charset=utf-8",
    "text/turtle": b"text/turtle; charset=utf-8",
}


class _Answer(Response):
    """A query's answer, with its raw headers written directly (this is the hot path)."""

    def __init__(self, result) -> None:
        self.status_code = 200
        self.body = result.body
        self.background = None
        ctype = _CONTENT_TYPES.get(result.media_type) or result.media_type.encode()
        headers = [
            (b"content-length", str(len(result.body)).encode()),
            (b"content-type", ctype),
            (b"vary", b"Accept"),
        ]
        if result.truncated:
            headers.append((TRUNCATED.lower().encode(), b"true"))
            headers.append((ROW_LIMIT.lower().encode(), str(result.row_limit).encode()))
        self.raw_headers = headers


READ_ONLY = (
    "This endpoint is read-only: SPARQL updates are disabled. They need a remote store "
    "(SCALEKG_STORE=sparql:...) and an update token (SCALEKG_UPDATE_TOKEN, sent as "
    "'Authorization: Bearer <token>')."
)
EMBEDDED_READ_ONLY = (
    "SPARQL updates are not applied to an embedded store (memory or oxigraph:): they would be "
    "lost on restart and differ between query workers. Updates need a remote store "
    "(SCALEKG_STORE=sparql:QUERY_URL,update=URL)."
)


def _error(status: int, error: str, message: str, **extra) -> Response:
    return json_error(status, error, message, **extra)


def _error_response(exc: SparqlError) -> Response:
    response = to_response(exc)
    assert response is not None  # every SparqlError has its answer
    return response


@lru_cache(maxsize=4096)
def _query_items(raw: bytes) -> list[tuple[str, str]]:
    """The URL's parameters, strictly UTF-8 (cached: clients repeat their queries).

    UnicodeDecodeError for bytes that are not UTF-8 (``%FF``): never silently U+FFFD."""
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True, errors="strict")


def _url_params(request: Request) -> list[tuple[str, str]] | Response:
    try:
        return list(_query_items(request.scope.get("query_string", b"")))
    except UnicodeDecodeError:
        return _error(400, "protocol", "the query string is not valid UTF-8")


def _single(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def _format_param(params: list[tuple[str, str]]) -> str | None:
    """Every ``format=`` and ``output=`` value, in order, as one comma list (see negotiate)."""
    values = [v for k, v in params if k in ("format", "output") and v.strip()]
    return ",".join(values) if values else None


async def _until_disconnected(request: Request) -> None:
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _unless_client_leaves(request: Request, work: Coroutine[Any, Any, Any]) -> Any:
    """Await ``work``; if the client hangs up first, cancel it (the executor then recycles the
    worker that was evaluating the query) and raise ClientGone."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_until_disconnected(request))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, SparqlError):
            await task
        raise ClientGone
    return task.result()


class ClientGone(Exception):
    """The client closed the connection before its answer was ready."""


async def _run_query(request: Request, query: str, params: list[tuple[str, str]]) -> Response:
    state = request.app.state.scalekg
    executor = state.executor
    if executor is None:
        return _error(503, "unavailable", "the SPARQL executor is not running")
    accept, fmt = request.headers.get("accept"), _format_param(params)
    defaults, named = _single(params, "default-graph-uri"), _single(params, "named-graph-uri")
    try:
        # A cached answer first: it needs no watch for a client that hangs up (two tasks).
        result = executor.cached_answer(
            query, accept=accept, fmt=fmt, default_graph_uris=defaults, named_graph_uris=named
        )
        if result is None:
            result = await _unless_client_leaves(
                request,
                executor.aexecute(
                    query,
                    accept=accept,
                    fmt=fmt,
                    default_graph_uris=defaults,
                    named_graph_uris=named,
                    client=client_id(request, state.settings),
                ),
            )
    except UpdateNotAllowedError:
        return _error(
            400,
            "forbidden",
            "This is an update, not a query: send it with POST as update= or "
            "application/sparql-update. " + READ_ONLY,
        )
    except SparqlError as exc:
        return _error_response(exc)
    except ClientGone:
        return Response(status_code=499)  # nobody reads it: the connection is closed
    return _Answer(result)


async def _run_update(request: Request, update: str, params: list[tuple[str, str]]) -> Response:
    state = request.app.state.scalekg
    token = state.settings.update_token
    if not token:
        return _error(403, "forbidden", READ_ONLY)
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return _error(403, "forbidden", "A valid 'Authorization: Bearer <token>' is required.")
    executor = state.executor
    try:  # the guard first, so that LOAD and SERVICE are refused as such on every store
        info = check_query(
            update,
            known_graphs=executor.graphs,
            base_iri=executor.base_iri,
            prefixes=executor.prefixes,
            allow_update=True,
        )
    except SparqlError as exc:
        return _error_response(exc)
    if not info.is_update:
        return _error(400, "forbidden", f"this is a {info.form} query, not an update")
    execute_update = getattr(executor, "execute_update", None)
    if execute_update is None:
        return _error(403, "forbidden", EMBEDDED_READ_ONLY)
    if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in params):
        return _error(
            400, "unsupported", "using-graph-uri and using-named-graph-uri are not supported"
        )
    try:
        await run_in_threadpool(execute_update, update)
    except SparqlError as exc:
        return _error_response(exc)
    return JSONResponse({"status": "ok", "message": "Update applied to the remote store."})


def _service_description(request: Request, params: list[tuple[str, str]]) -> Response:
    state = request.app.state.scalekg
    try:
        media_type = negotiate("DESCRIBE", request.headers.get("accept"), _format_param(params))
    except NotAcceptableError as exc:
        return _error_response(exc)
    endpoint = base_url(state.settings) + "/sparql"  # never built from the Host header
    executor = state.executor
    body = service_description(
        endpoint,
        executor.graph_sizes if executor is not None else {},
        update_enabled=bool(state.settings.update_token) and hasattr(executor, "execute_update"),
        media_type=media_type,
    )
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _dispatch_params(params: list[tuple[str, str]], *, method: str) -> tuple[str, str] | Response:
    """("query"|"update", text) from the protocol parameters, or an error response."""
    queries = _single(params, "query")
    updates = _single(params, "update")
    if queries and updates:
        return _error(400, "protocol", "send either query= or update=, not both")
    if len(queries) > 1 or len(updates) > 1:
        return _error(400, "protocol", "send exactly one query= (or update=) parameter")
    if updates:
        if method == "GET":
            return _error(400, "protocol", "updates must be sent with POST, never GET")
        return ("update", updates[0])
    if queries:
        return ("query", queries[0])
    return _error(400, "protocol", "missing query= (or update=) parameter")


async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 query (GET), or the service description when there is no query."""
    params = _url_params(request)
    if isinstance(params, Response):
        return params
    if not any(k in ("query", "update") for k, _ in params):
        return _service_description(request, params)
    op = _dispatch_params(params, method="GET")
    if isinstance(op, Response):
        return op
    return await _run_query(request, op[1], params)


async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 query or update (POST: form-encoded, sparql-query or sparql-update)."""
    ctype = request.headers.get("content-type", "")
    mtype, _, rest = ctype.partition(";")
    mtype = mtype.strip().lower()
    charset = "utf-8"
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    url_params = _url_params(request)
    if isinstance(url_params, Response):
        return url_params
    if mtype not in POST_TYPES:
        return _error(
            415,
            "unsupported_media_type",
            f"POST needs one of these Content-Types: {', '.join(POST_TYPES)}",
            supported=POST_TYPES,
        )
    if charset not in ("utf-8", "utf8"):
        return _error(415, "unsupported_media_type", "the request body must be UTF-8")
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "protocol", "the request body is not valid UTF-8")
    text = text.removeprefix("\ufeff")
    if mtype == FORM:
        try:
            form = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return _error(400, "protocol", "the form is not valid UTF-8")
        params = url_params + form
        op = _dispatch_params(params, method="POST")
        if isinstance(op, Response):
            return op
        if op[0] == "update":
            return await _run_update(request, op[1], params)
        return await _run_query(request, op[1], params)
    if any(k in ("query", "update") for k, _ in url_params):
        return _error(400, "protocol", "the body is the operation: no query= or update= in the URL")
    if mtype == SPARQL_UPDATE:
        return await _run_update(request, text, url_params)
    return await _run_query(request, text, url_params)


router.add_route("/sparql", sparql_get, methods=["GET"], include_in_schema=False)
router.add_route("/sparql", sparql_post, methods=["POST"], include_in_schema=False)
