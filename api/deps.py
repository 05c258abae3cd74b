"""Shared dependencies and helpers of the routers: the app state, the graph, JSON and HTML responses."""

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from scalekg.graph.confidence import CONFIDENCE_ORDER, parse_min_confidence
from scalekg.graph.model import Concept, KnowledgeGraph
from scalekg.graph.search import UnknownConceptError, search
from scalekg.viz.html import render

from .state import AppState

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Pages load nothing from anywhere but this server; the JS lives in /assets, never inline.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)


def get_state(request: Request) -> AppState:
    return request.app.state.scalekg


StateDep = Annotated[AppState, Depends(get_state)]


def get_kg(request: Request) -> KnowledgeGraph:
    return request.app.state.scalekg.kg


KGDep = Annotated[KnowledgeGraph, Depends(get_kg)]


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status_code: int = 200, headers: dict | None = None) -> Response:
    """Pre-encoded JSON (no jsonable_encoder pass: our data is already plain dicts and lists)."""
    return Response(dumps(data), status_code, headers=headers, media_type="application/json")


def concept_or_404(kg: KnowledgeGraph, concept_id: str) -> Concept:
    """The concept whose slug (or IRI) is ``concept_id``; else UnknownConceptError with suggestions."""
    concept = kg.concept(concept_id.strip())
    if concept is not None:
        return concept
    suggestions = search(kg, concept_id.replace("-", " "), limit=5, threshold=0.4)
    raise UnknownConceptError(concept_id, suggestions)


MinConfidence = Annotated[
    str | None,
    Query(
        max_length=40,
        description="Only answers, chains and edges at least this sure: "
        + ", ".join(f"`{c}`" for c in CONFIDENCE_ORDER)
        + " (surest first).",
    ),
]


def min_confidence_or_422(value: str | None) -> str | None:
    """``min_confidence`` checked, or a 422 listing the allowed values."""
    from .errors import ApiError

    try:
        return parse_min_confidence(value)
    except ValueError as exc:
        raise ApiError(
            422, "invalid min_confidence", str(exc), valid=list(CONFIDENCE_ORDER)
        ) from exc


def render_html(
    template: str, status_code: int = 200, headers: dict | None = None, **ctx
) -> Response:
    body = render(template, **ctx)
    all_headers = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"}
    all_headers.update(headers or {})
    return Response(
        body.encode("utf-8"),
        status_code,
        headers=all_headers,
        media_type="text/html; charset=utf-8",
    )
