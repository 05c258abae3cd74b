"""``/api/ask``: the question door. Same JSON shape as ``scalekg ask --json``."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from scalekg.graph.ask import SUPPORTED_PATTERNS, ask

from ..caching import ReadRoute
from ..deps import KGDep, json_response
from ..errors import ApiError

router = APIRouter(prefix="/api", tags=["ask"], route_class=ReadRoute)


@router.get(
    "/ask",
    summary="Ask a question in plain words",
    description="Supported patterns: "
    + "; ".join(f"`{p}`" for p in SUPPORTED_PATTERNS)
    + ". An unknown concept gives a 404 with `suggestions`; a question that fits no pattern "
    "gives a 422 listing the `patterns`.",
)
def ask_question(
    kg: KGDep,
    q: Annotated[
        str,
        Query(
            max_length=500,
            description="The question, e.g. `what mitigates premature scaling`.",
            examples=["what mitigates premature scaling"],
        ),
    ],
) -> Response:
    if not q.strip():
        raise ApiError(
            422,
            "missing question",
            "The parameter q is empty. Ask in one of the supported patterns.",
            patterns=list(SUPPORTED_PATTERNS),
        )
    return json_response(ask(kg, q).as_dict())
