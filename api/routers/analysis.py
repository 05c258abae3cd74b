"""``/api/paths``, ``/api/leverage`` and ``/api/stats``: analyses over the whole graph."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from scalekg.graph.analysis import leverage
from scalekg.graph.answers import Answer, paths
from scalekg.graph.search import resolve

from ..caching import ReadRoute
from ..deps import KGDep, StateDep, json_response
from ..errors import ApiError
from .concepts import parse_stage

router = APIRouter(prefix="/api", tags=["analysis"], route_class=ReadRoute)


def _resolve(kg, text: str, name: str):
    if not text.strip():
        raise ApiError(422, "missing concept", f"The parameter {name!r} is empty.", param=name)
    return resolve(kg, text)


@router.get(
    "/paths",
    summary="Explanation chains between two concepts",
    description="Chains along the sourced edges from one concept to the other (whichever way the "
    "arrows run), shortest first, then those with more stated steps. Every step has its sources.",
)
def explain_paths(
    kg: KGDep,
    source: Annotated[
        str,
        Query(alias="from", max_length=200, description="A concept: slug, label or synonym."),
    ],
    target: Annotated[
        str, Query(alias="to", max_length=200, description="A concept: slug, label or synonym.")
    ],
    max_steps: Annotated[int, Query(ge=1, le=8, description="Longest chain considered.")] = 6,
    limit: Annotated[int, Query(ge=1, le=50, description="At most this many chains.")] = 10,
) -> Response:
    a, b = _resolve(kg, source, "from"), _resolve(kg, target, "to")
    chains = paths(kg, a, b, max_steps=max_steps, limit=limit)
    out = []
    for rank, chain in enumerate(chains, 1):
        answer = Answer(kg.concepts[chain[-1].edge.object], list(chain), "path").as_dict()
        out.append(
            {
                "rank": rank,
                "length": len(chain),
                "stated_steps": sum(1 for s in chain if s.edge.basis == "stated"),
                "basis": answer["basis"],
                "path": answer["path"],
                "steps": answer["steps"],
                "sources": answer["sources"],
            }
        )
    return json_response(
        {
            "from": a.summary(),
            "to": b.summary(),
            "max_steps": max_steps,
            "count": len(out),
            "paths": out,
        }
    )


@router.get(
    "/leverage",
    summary="Capabilities ranked by leverage",
    description="score = direct + 0.5 × indirect failure factors mitigated + 10 × betweenness "
    "centrality. With `stage`, only what is relevant at that stage counts.",
)
def rank_leverage(
    kg: KGDep,
    stage: Annotated[
        str | None, Query(description="`early-stage` or `late-stage` (default: both).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many capabilities.")] = 20,
) -> Response:
    stage_name = parse_stage(stage)
    ranked = kg.cached(("leverage", stage_name), lambda: leverage(kg, stage=stage_name))
    return json_response(
        {
            "stage": stage_name,
            "formula": "direct + 0.5 * indirect + 10 * betweenness",
            "count": min(limit, len(ranked)),
            "results": [{"rank": i, **lv.as_dict()} for i, lv in enumerate(ranked[:limit], 1)],
        }
    )


@router.get("/stats", summary="Counts per class and per relation, and the snapshot hash")
def stats(state: StateDep) -> Response:
    counts = state.kg.counts()
    snap = state.snapshot.stats
    return json_response(
        {
            "snapshot": state.snapshot.hash,
            "triples": snap.get("triples"),
            "triples_by_graph": snap.get("triples_by_graph", {}),
            "concepts": len(state.kg.concepts),
            "edges": len(state.kg.edges),
            "edge_statements": snap.get("edge_statements"),
            "basis": snap.get("basis", {}),
            "classes": counts["classes"],
            "relations": counts["relations"],
        }
    )
