"""``/api/concepts/{id}/{relation}``: one consistent look-up scheme for every relation.

The relation names come from ``graph.answers.LOOKUPS``: each relation reads forwards
(``mitigates``) and backwards (``mitigated-by``). Answers include one-hop chains through
``causes`` (a capability that mitigates a contributing factor of X indirectly mitigates X), and
each carries its path and its sources.
"""

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from scalekg.graph.answers import LOOKUPS, related

from ..caching import ReadRoute
from ..deps import KGDep, MinConfidence, concept_or_404, json_response, min_confidence_or_422
from ..errors import ApiError

router = APIRouter(prefix="/api", tags=["look-ups"], route_class=ReadRoute)

RELATIONS: tuple[str, ...] = tuple(sorted(LOOKUPS))


@router.get(
    "/concepts/{concept_id}/{relation}",
    summary="Concepts related to one concept by one relation, explained",
    description="Relations: " + ", ".join(f"`{r}`" for r in RELATIONS) + ". "
    "`X/mitigated-by` lists what mitigates X; `X/mitigates` what X mitigates. Each answer has "
    "its `kind` (direct or indirect), its `path` and the `sources` of every step.",
)
def lookup(
    kg: KGDep,
    concept_id: Annotated[str, Path(max_length=200, description="The concept's slug.")],
    relation: Annotated[
        str, Path(max_length=40, description="A relation name, e.g. `mitigated-by`.")
    ],
    min_confidence: MinConfidence = None,
) -> Response:
    minimum = min_confidence_or_422(min_confidence)
    name = relation.strip().lower().replace("_", "-")
    if name not in LOOKUPS:
        raise ApiError(
            404,
            "unknown relation",
            f"Unknown relation {relation!r}. Use one of: {', '.join(RELATIONS)}.",
            relation=relation,
            valid=list(RELATIONS),
        )
    concept = concept_or_404(kg, concept_id)
    predicate, direction = LOOKUPS[name]
    answers = related(kg, concept, predicate, direction, min_confidence=minimum)
    return json_response(
        {
            "concept": concept.summary(),
            "relation": name,
            "predicate": predicate,
            "direction": direction,
            "min_confidence": minimum,
            "count": len(answers),
            "answers": [a.as_dict() for a in answers],
        }
    )
