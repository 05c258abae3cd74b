"""One error path for the whole app: every 4xx and 5xx has the same JSON body, or an HTML page.

The body is ``{"error": <short kind>, "message": <words>, ...extra}`` (``api/error_shape.py``).
``install(app)`` registers app-wide exception handlers, so a route raises and never builds an
error response itself:

- ``ApiError`` (our own), ``UnknownConceptError``, ``UnparseableQuestionError``,
  ``InvalidQuestionError``, ``ViewError``
  (graph view parameters), ``AssessmentValidationError``, ``SparqlError``, ``StoreError``;
- FastAPI's ``RequestValidationError`` and Starlette's ``HTTPException``: unknown routes (404),
  methods a path does not take (405, with an ``Allow`` header listing every method of that path),
  and the like;
- anything else: a logged 500 (a 500 is a bug).

A browser that asks for a page (``Accept: text/html``, a path outside ``/api/`` and ``/sparql``)
gets the same error rendered as HTML; every other client gets JSON.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from scalekg.graph.ask import SUPPORTED_PATTERNS, InvalidQuestionError, UnparseableQuestionError
from scalekg.graph.assessment.model import AssessmentValidationError
from scalekg.graph.backends.base import StoreError, StoreUnavailableError
from scalekg.graph.search import UnknownConceptError
from scalekg.graph.sparql import errors as sparql_errors
from scalekg.viz.select import ViewError

from .error_shape import (
    RETRY_AFTER_S,
    assessment_error_body,
    error_body,
    excerpt,
    invalid_question_body,
    unknown_concept_body,
    unparseable_question_body,
)

log = logging.getLogger("scalekg.api")

JSON = "application/json"
# Paths whose errors are always JSON, whatever the Accept header says.
JSON_ONLY_PREFIXES = ("/api/", "/sparql", "/health", "/openapi.json")
JSON_ONLY_SUFFIXES = (".json", ".graphml")


class ApiError(Exception):
    """An error with a status code, a short kind, a message and extra JSON fields."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers
        self.extra = extra


class Failure:
    """What an error response says: status, body, headers (rendered as JSON or HTML)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_error(
    status: int,
    error: str,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    return _json(Failure(status, error_body(error, message, **extra), headers))


def _json(failure: Failure) -> Response:
    body = json.dumps(failure.body, ensure_ascii=False, default=str).encode("utf-8")
    return Response(body, failure.status, headers=failure.headers or None, media_type=JSON)


def reason(status: int) -> str:
    """``"not found"`` for 404: the HTTP reason phrase, lower case."""
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


# ---------------------------------------------------------------------------- exception -> Failure


def _validation(exc: RequestValidationError) -> Failure:
    detail = []
    for err in exc.errors():
        item: dict[str, Any] = {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        value = err.get("input")
        if isinstance(value, str | int | float | bool) or value is None:
            item["input"] = excerpt(value) if isinstance(value, str) else value
        detail.append(item)
    parts = [f"{'.'.join(d['loc'][1:] or d['loc'])}: {d['msg']}" for d in detail]
    message = "Invalid parameters: " + "; ".join(parts) if parts else "Invalid parameters."
    return Failure(422, error_body("invalid request", message, detail=detail))


def _http(exc: StarletteHTTPException) -> Failure:
    headers = dict(exc.headers or {})
    detail = exc.detail
    if isinstance(detail, dict):
        body = {"error": detail.get("error", reason(exc.status_code)), **detail}
        body.setdefault("message", body["error"])
        return Failure(exc.status_code, error_body(**body), headers)
    return Failure(exc.status_code, error_body(reason(exc.status_code), str(detail)), headers)


def _view(exc: ViewError) -> Failure:
    kind = "unknown concept" if exc.status == 404 else "invalid parameter"
    extra: dict[str, Any] = {"param": exc.param}
    if exc.allowed:
        extra["allowed"] = list(exc.allowed)
    if exc.status == 404:
        extra["suggestions"] = list(exc.suggestions)
    return Failure(exc.status, error_body(kind, exc.message, **extra))


def _store(exc: StoreError) -> Failure:
    headers = {"Retry-After": str(RETRY_AFTER_S)} if isinstance(exc, StoreUnavailableError) else {}
    return Failure(exc.status, error_body(exc.kind, exc.message), headers)


def sparql_failure(exc: sparql_errors.SparqlError) -> Failure:
    """The status and body of a SPARQL error (``graph/sparql/errors.py``)."""
    e = sparql_errors
    retry = {"Retry-After": str(RETRY_AFTER_S)}
    if isinstance(exc, e.QuerySyntaxError):
        return Failure(400, error_body("syntax", exc.message, line=exc.line, column=exc.column))
    if isinstance(exc, e.QueryTooComplexError):
        return Failure(400, error_body("too_complex", exc.message, limit=exc.limit))
    if isinstance(exc, e.ForbiddenQueryError):  # SERVICE, LOAD, FROM <elsewhere>, update
        return Failure(400, error_body("forbidden", exc.message))
    if isinstance(exc, e.NotAcceptableError):
        return Failure(406, error_body("not_acceptable", exc.message, supported=exc.supported))
    if isinstance(exc, e.TooManyQueriesError):
        return Failure(429, error_body("too_many_queries", exc.message, limit=exc.limit), retry)
    if isinstance(exc, e.QueryTimeoutError):
        return Failure(504, error_body("timeout", exc.message, limit_s=exc.limit_s))
    if isinstance(exc, e.QueryMemoryError):
        return Failure(422, error_body("too_expensive", exc.message, limit_mb=exc.limit_mb))
    if isinstance(exc, e.ExecutorBusyError):
        return Failure(503, error_body("busy", exc.message, limit_s=exc.limit_s), retry)
    if isinstance(exc, e.UpdateFailedError):
        return Failure(400, error_body("update_failed", exc.message))
    if isinstance(exc, e.QueryExecutionError):
        return Failure(500, error_body("execution", exc.message))
    return Failure(500, error_body("error", exc.message))


def failure_for(exc: BaseException) -> Failure | None:
    """The error answer for a known exception, or None for a bug."""
    if isinstance(exc, ApiError):
        return Failure(exc.status, error_body(exc.error, exc.message, **exc.extra), exc.headers)
    if isinstance(exc, UnknownConceptError):
        return Failure(404, unknown_concept_body(exc))
    if isinstance(exc, UnparseableQuestionError):
        return Failure(422, unparseable_question_body(exc, SUPPORTED_PATTERNS))
    if isinstance(exc, InvalidQuestionError):
        return Failure(422, invalid_question_body(exc))
    if isinstance(exc, ViewError):
        return _view(exc)
    if isinstance(exc, AssessmentValidationError):
        return Failure(422, assessment_error_body(exc))
    if isinstance(exc, sparql_errors.SparqlError):
        return sparql_failure(exc)
    if isinstance(exc, StoreError):
        return _store(exc)
    if isinstance(exc, RequestValidationError):
        return _validation(exc)
    if isinstance(exc, StarletteHTTPException):
        return _http(exc)
    return None


def to_response(exc: BaseException) -> Response | None:
    """The JSON error response for a known exception, or None."""
    failure = failure_for(exc)
    return _json(failure) if failure is not None else None


# ---------------------------------------------------------------------------- rendering


def _quality(accept: str, media: str) -> float:
    """The q-value Accept gives one media type by name (0 when it is not named)."""
    best = 0.0
    for part in accept.split(","):
        name, *params = part.split(";")
        if name.strip().lower() != media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_html(request: Request) -> bool:
    """A browser asking for a page: Accept names text/html, at least as high as JSON."""
    path = request.url.path
    if path.startswith(JSON_ONLY_PREFIXES) or path.endswith(JSON_ONLY_SUFFIXES):
        return False
    accept = request.headers.get("accept", "")
    html = _quality(accept, "text/html")
    return html > 0 and html >= _quality(accept, "application/json")


def render(request: Request, failure: Failure) -> Response:
    """The failure as JSON, or as an HTML page for a browser."""
    if request.method != "HEAD" and wants_html(request):
        from .deps import render_html

        return render_html(
            "error.html",
            failure.status,
            headers=failure.headers,
            status=failure.status,
            title=reason(failure.status).capitalize(),
            error=failure.body,
        )
    return _json(failure)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, scope: dict[str, Any]) -> list[str]:
    """Every method some route of ``app`` takes on this path (for the Allow header of a 405).

    Starlette's own 405 names only the methods of the first route that matched the path."""
    allowed = []
    for method in METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


def without_trailing_slash(request: Request) -> str | None:
    """``/graph`` for a request to ``/graph/`` when that route exists: a *relative* Location,
    so the Host header is never reflected (Starlette's own redirect builds it from Host)."""
    path = request.url.path
    if len(path) < 2 or not path.endswith("/"):
        return None
    scope = {**request.scope, "path": path.rstrip("/")}
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    query = request.url.query
    return scope["path"] + (f"?{query}" if query else "")


def store_name(request: Request) -> str:
    """The store an error came from, as the settings or the backend describe it."""
    state = request.app.state.scalekg
    store = getattr(state, "store", None)
    return getattr(store, "description", "") or state.settings.store


def install(app: FastAPI) -> None:
    """Register the handlers app-wide; ``Exception`` becomes a logged 500."""

    async def handle(request: Request, exc: Exception) -> Response:
        failure = failure_for(exc)
        if failure is None:
            return internal_error(request, exc)
        if isinstance(exc, StoreError):
            failure.body["store"] = store_name(request)
        if failure.status == 404:
            moved = without_trailing_slash(request)
            if moved is not None:
                return RedirectResponse(moved, status_code=307)
        if failure.status == 405:
            allow = allowed_methods(request.app, request.scope)
            failure.headers["Allow"] = ", ".join(allow)
            failure.body["allowed"] = allow
            failure.body["message"] = (
                f"{request.method} is not allowed on {request.url.path}; use {', '.join(allow)}."
            )
        return render(request, failure)

    for kind in (
        ApiError,
        UnknownConceptError,
        UnparseableQuestionError,
        InvalidQuestionError,
        ViewError,
        AssessmentValidationError,
        sparql_errors.SparqlError,
        StoreError,
        RequestValidationError,
        StarletteHTTPException,
    ):
        app.add_exception_handler(kind, handle)
    app.add_exception_handler(Exception, internal_error)


def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    failure = Failure(
        500, error_body("internal error", "The server failed to answer this request.")
    )
    return render(request, failure)
