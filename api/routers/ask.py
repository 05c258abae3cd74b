"""``/api/ask``: the question door. Same JSON shape as ``scalekg ask --json``."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from scalekg.graph.ask import ask
from scalekg.graph.question.suggest import MAX_LIMIT, suggest

from ..caching import ReadRoute
from ..deps import KGDep, MinConfidence, json_response, min_confidence_or_422

router = APIRouter(prefix="/api", tags=["ask"], route_class=ReadRoute)


@router.get(
    "/ask",
    summary="Ask a question in plain words",
    description="Ask as you would say it: `how do we avoid premature scaling`, `what does "
    "automating toil mitigate`, `root causes of slow cycle time`, `premature scaling` (describes "
    "it), `connect be frugal and premature scaling` (chains). The answer carries an "
    "`interpretation` (pattern, relation, direction, the concepts with the words they matched and "
    "their scores, `did_you_mean`). Answers are ordered stated, strong, plausible, speculative. "
    "An unknown concept gives a 404 with `suggestions` (only above the floor, docs/api.md); a "
    "question with no recognisable form gives a 422 listing the `patterns`; empty, over 500 "
    "characters, control characters or only punctuation give a 422 saying which.",
)
def ask_question(
    kg: KGDep,
    q: Annotated[
        str,
        Query(
            description="The question (at most 500 characters), e.g. "
            "`how do we avoid premature scaling`.",
            examples=["how do we avoid premature scaling"],
        ),
    ],
    min_confidence: MinConfidence = None,
) -> Response:
    minimum = min_confidence_or_422(min_confidence)
    return json_response(ask(kg, q, min_confidence=minimum).as_dict())


@router.get(
    "/suggest",
    summary="Suggestions as you type: concepts and questions",
    description="`concepts`: exact label first, then synonym, label prefix, synonym prefix, a later "
    "word's prefix, then fuzzy matches (typos, inflection) above the suggestion floor; each says "
    "`how` it matched. `questions`: completions of what is typed (`how do we avoid prem` -> "
    "`how do we avoid Premature scaling`), or questions the best concept has answers for. The "
    "graph page's search box and the home page's ask box use it.",
)
def suggest_route(
    kg: KGDep,
    q: Annotated[
        str, Query(max_length=200, description="What has been typed so far, e.g. `prem`.")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many of each.")] = 8,
) -> Response:
    return json_response(suggest(kg, q, limit=limit))
