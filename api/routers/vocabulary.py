"""``/api/vocabulary``: the endpoint's own terms, for autocompletion in the SPARQL workbench.

- ``GET /api/vocabulary``: every prefix, class, property (with how many triples use it) and
  concept (with its label, class and synonyms) of the served graphs.
- ``GET /api/vocabulary/complete?q=premat``: the terms that best complete what is being typed,
  best first (``graph.vocabulary.complete``): ``kg:premature-scaling`` with its label.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import StringConstraints
from starlette.responses import Response

from scalekg.graph.vocabulary import KINDS, Vocabulary, build_vocabulary, complete

from ..caching import ReadRoute
from ..deps import json_response
from ..errors import ApiError

router = APIRouter(prefix="/api", tags=["vocabulary"], route_class=ReadRoute)


def vocabulary(request: Request) -> Vocabulary:
    """Built once per app from the store (the snapshot does not change while it is served)."""
    state = request.app.state.scalekg
    found = state.caches.vocabulary
    if found is None:
        found = state.caches.vocabulary = build_vocabulary(state.store.select, state.kg)
    return found


@router.get(
    "/vocabulary",
    summary="Every prefix, class, property and concept of the graph",
    description="For editors and autocompletion: prefixes with their namespaces; classes and "
    "properties with label, comment and `uses` (triples that use them); concepts with label, "
    "class and synonyms. Values are prefixed names ready to paste into a query.",
)
def get_vocabulary(request: Request) -> Response:
    return json_response(vocabulary(request).as_dict())


@router.get(
    "/vocabulary/complete",
    summary="Complete a term being typed in a query",
    description="`q` is what is typed: a prefixed name (`kg:prem`), a word (`premat`) or part "
    "of a label. `kind` narrows to `prefix`, `class`, `property` or `concept` (repeat or "
    "comma-separate). Best first: the prefixed name, then a label or synonym, then a word in "
    "them, then a forgiving match of concept labels.",
)
def get_completions(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What is typed.")],
    kind: Annotated[
        list[Annotated[str, StringConstraints(min_length=1)]] | None,
        Query(description="Kinds of term (default: all)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    kinds = [k.strip() for value in kind or [] for k in value.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ApiError(
            422,
            "invalid kind",
            f"Unknown kind {', '.join(unknown)}. Use: {', '.join(KINDS)}.",
            valid=list(KINDS),
        )
    terms = complete(
        vocabulary(request), request.app.state.scalekg.kg, q, kinds=kinds or KINDS, limit=limit
    )
    return json_response({"q": q, "completions": [t.as_dict() for t in terms]})
