"""JSON error bodies for the look-up API, Linked Data and pages: a clear message, never a 500 for bad input.

Every error body has the same shape::

    {"error": "<short kind>", "message": "<what went wrong, in words>", ...extra fields}

Extra fields carry what a client needs to recover: ``suggestions`` for an unknown concept,
``patterns`` for a question that fits no pattern, ``valid`` for an unknown relation, type or format,
``detail`` for parameter validation errors.

The handlers are applied by ``api.caching.ReadRoute`` around each route of our routers (so they
need no change to the app factory), and they can also be installed app-wide with ``install``.
"""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from scalekg.graph.ask import SUPPORTED_PATTERNS, InvalidQuestionError, UnparseableQuestionError
from scalekg.graph.backends.base import StoreError
from scalekg.graph.search import UnknownConceptError

log = logging.getLogger("scalekg.api")

JSON = "application/json"


class ApiError(Exception):
    """An error with a status code, a short kind, a message and extra JSON fields."""

    def __init__(self, status: int, error: str, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.extra = extra


def error_body(error: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": error, "message": message, **extra}


def json_error(
    status: int,
    error: str,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = json.dumps(error_body(error, message, **extra), ensure_ascii=False, default=str)
    return Response(body.encode("utf-8"), status_code=status, media_type=JSON, headers=headers)


def _short(text: str) -> str:
    from scalekg.graph.question.interpret import excerpt

    return excerpt(text)


def unknown_concept(exc: UnknownConceptError) -> Response:
    return json_error(
        404,
        "unknown concept",
        f"No concept matches {_short(exc.text)!r}."
        + (" Did you mean one of the suggestions?" if exc.suggestions else ""),
        concept=_short(exc.text),
        suggestions=[m.as_dict() for m in exc.suggestions],
    )


def unparseable_question(exc: UnparseableQuestionError) -> Response:
    return json_error(
        422,
        "unparseable question",
        f"Cannot read the question {exc.excerpt!r}: {exc.reason} "
        "Ask it like one of the patterns, e.g. 'how do we avoid premature scaling'.",
        question=exc.excerpt,
        patterns=list(SUPPORTED_PATTERNS),
        suggestions=[c.as_dict() for c in exc.suggestions],
    )


def invalid_question(exc: InvalidQuestionError) -> Response:
    return json_error(422, "invalid question", exc.message, reason=exc.reason, question=exc.excerpt)


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        item = {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        if "input" in err and isinstance(err["input"], str | int | float | bool | None):
            item["input"] = err["input"]
        out.append(item)
    return out


def validation_error(exc: RequestValidationError) -> Response:
    detail = _clean_validation_errors(exc.errors())
    parts = [
        f"{'.'.join(d['loc'][1:] or d['loc'])}: {d['msg']}"  # drop the "query"/"path" prefix
        for d in detail
    ]
    return json_error(
        422,
        "invalid request",
        "Invalid parameters: " + "; ".join(parts) if parts else "Invalid parameters.",
        detail=detail,
    )


def http_error(exc: StarletteHTTPException) -> Response:
    detail = exc.detail
    headers = dict(exc.headers or {})
    if isinstance(detail, dict):
        body = {"error": detail.get("error", _reason(exc.status_code)), **detail}
        body.setdefault("message", body["error"])
        return json_error(exc.status_code, headers=headers or None, **body)
    return json_error(
        exc.status_code, _reason(exc.status_code), str(detail), headers=headers or None
    )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


def to_response(exc: Exception) -> Response | None:
    """The JSON error response for a known exception, or None to let it propagate."""
    if isinstance(exc, ApiError):
        return json_error(exc.status, exc.error, exc.message, **exc.extra)
    if isinstance(exc, UnknownConceptError):
        return unknown_concept(exc)
    if isinstance(exc, UnparseableQuestionError):
        return unparseable_question(exc)
    if isinstance(exc, InvalidQuestionError):
        return invalid_question(exc)
    if isinstance(exc, RequestValidationError):
        return validation_error(exc)
    if isinstance(exc, StarletteHTTPException):
        return http_error(exc)
    if isinstance(exc, StoreError):
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        response = json_error(exc.status, exc.kind, exc.message)
        response.headers.update(headers or {})
        return response
    return None


def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_error(500, "internal error", "The server failed to answer this request.")


def install(app: FastAPI) -> None:
    """Register the same handlers app-wide (optional: ``ReadRoute`` already applies them)."""

    async def handle(_request: Request, exc: Exception) -> Response:
        response = to_response(exc)
        assert response is not None
        return response

    for kind in (
        ApiError,
        UnknownConceptError,
        UnparseableQuestionError,
        InvalidQuestionError,
        RequestValidationError,
        StarletteHTTPException,
    ):
        app.add_exception_handler(kind, handle)
