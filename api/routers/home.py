"""``/``: a small landing page, and ``/assets/*``: the pages' own CSS and JS (no CDN, ever)."""

import hashlib
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from scalekg.graph.confidence import CONFIDENCE_ORDER

from ..caching import ReadRoute, freeze_heap
from ..deps import STATIC_DIR, render_html
from ..errors import ApiError

# freeze_heap: runs once at startup (FastAPI merges a router's lifespan into the app's).
router = APIRouter(tags=["pages"], route_class=ReadRoute, lifespan=freeze_heap)

ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
EXAMPLE_QUESTIONS = (
    "how do we avoid premature scaling",
    "what does continuous software delivery mitigate",
    "why do we have slow cycle time",
    "how does be frugal affect premature scaling",
    "which mechanisms apply own it",
)


@router.get("/", summary="Landing page", response_class=Response, include_in_schema=False)
def home(request: Request) -> Response:
    state = request.app.state.scalekg
    counts = state.kg.counts()
    main_classes = [
        (name, counts["classes"].get(name, 0))
        for name in (
            "Value",
            "Mechanism",
            "InputMetric",
            "Capability",
            "FailureFactor",
            "ContributingFactor",
            "PositiveOutcome",
        )
    ]
    return render_html(
        "home.html",
        snapshot=state.snapshot.hash,
        triples=state.snapshot.stats.get("triples"),
        concepts=len(state.kg.concepts),
        edges=len(state.kg.edges),
        classes=main_classes,
        questions=[{"text": q, "href": "/ask?" + urlencode({"q": q})} for q in EXAMPLE_QUESTIONS],
        question="",
        min_confidence="",
        confidences=CONFIDENCE_ORDER,
    )


@lru_cache(maxsize=32)
def _asset(name: str) -> tuple[bytes, str, str] | None:
    path = STATIC_DIR / name
    if path.suffix not in ASSET_TYPES or not path.is_file():
        return None
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return body, ASSET_TYPES[path.suffix], etag


@router.get("/assets/{name}", summary="Static CSS and JS of the pages", include_in_schema=False)
def asset(name: Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]) -> Response:
    found = _asset(name) if ".." not in name else None
    if found is None:
        raise ApiError(404, "not found", f"No asset {name!r}.")
    body, media_type, etag = found
    return Response(body, media_type=media_type, headers={"ETag": etag})
