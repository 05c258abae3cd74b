"""``/api/concepts``: forgiving search, and one concept with every edge and its sources."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from scalekg.graph import params
from scalekg.graph.answers import describe
from scalekg.graph.model import TYPE_PRIORITY
from scalekg.graph.params import STAGES
from scalekg.graph.search import search

from ..caching import ReadRoute
from ..deps import KGDep, MinConfidence, concept_or_404, json_response, min_confidence_or_422
from ..errors import ApiError

router = APIRouter(prefix="/api", tags=["concepts"], route_class=ReadRoute)

VALID_TYPES: tuple[str, ...] = tuple(sorted(TYPE_PRIORITY))


def parse_type(value: str | None) -> str | None:
    """A class name, forgiving case and punctuation ("failure-factor" -> "FailureFactor")."""
    if value is None or not value.strip():
        return None
    try:
        return params.parse_type(value, VALID_TYPES)  # also plurals: "capabilities", "values"
    except params.UnknownName:
        pass
    raise ApiError(
        422,
        "invalid type",
        f"Unknown type {value!r}. Use one of: {', '.join(VALID_TYPES)}.",
        valid=list(VALID_TYPES),
    )


def parse_stage(value: str | None) -> str | None:
    """``early-stage`` or ``late-stage`` (``early`` and ``late`` are accepted too)."""
    if value is None or not value.strip():
        return None
    try:
        return params.parse_stage(value)
    except params.UnknownName:
        pass
    raise ApiError(
        422,
        "invalid stage",
        f"Unknown stage {value!r}. Use one of: {', '.join(STAGES)}.",
        valid=list(STAGES),
    )


@router.get(
    "/concepts",
    summary="Search concepts",
    response_description="Concepts ranked by how well a label or synonym matches `q`.",
)
def list_concepts(
    kg: KGDep,
    q: Annotated[
        str,
        Query(
            max_length=200,
            description="What you call it: case, punctuation, synonyms and small typos are forgiven. "
            "Empty: every concept (filtered by type and stage), by label.",
        ),
    ] = "",
    type: Annotated[
        str | None,
        Query(description=f"Only concepts of this class: {', '.join(VALID_TYPES)}."),
    ] = None,
    stage: Annotated[
        str | None, Query(description="Only concepts relevant at `early-stage` or `late-stage`.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many results.")] = 20,
) -> Response:
    type_name, stage_name = parse_type(type), parse_stage(stage)
    if q.strip():
        matches = search(kg, q, type_name=type_name, stage=stage_name, limit=limit)
        results = [m.as_dict() for m in matches]
    else:
        concepts = (
            kg.of_type(type_name, stage_name)
            if type_name
            else sorted(
                (c for c in kg.concepts.values() if not stage_name or stage_name in c.stages),
                key=lambda c: c.label.lower(),
            )
        )
        results = [c.summary() for c in concepts[:limit]]
    return json_response(
        {
            "query": q,
            "type": type_name,
            "stage": stage_name,
            "limit": limit,
            "count": len(results),
            "results": results,
        }
    )


@router.get(
    "/concepts/{concept_id}",
    summary="One concept, with every edge and its sources",
    response_description="Labels, definition, stages and every incoming and outgoing edge, "
    "grouped by relation, each with its provenance.",
)
def get_concept(
    kg: KGDep,
    concept_id: Annotated[
        str, Path(max_length=200, description="The concept's slug, e.g. `premature-scaling`.")
    ],
    min_confidence: MinConfidence = None,
) -> Response:
    minimum = min_confidence_or_422(min_confidence)
    concept = concept_or_404(kg, concept_id)
    body = describe(kg, concept, min_confidence=minimum)
    body["links"] = {
        "self": f"/api/concepts/{concept.slug}",
        "page": f"/id/{concept.slug}",
        "graph": f"/graph?focus={concept.slug}",
    }
    return json_response(body)
