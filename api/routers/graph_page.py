"""The graph view: ``/graph`` (page), ``/graph.json`` (current view), ``/graph.graphml`` (whole
graph), ``/graph/paths.json`` (explanation chains) and ``/graph/static/*`` (the page's assets).

Bad parameters answer 422 (bad value) or 404 (unknown concept, with suggestions): an HTML page for
``/graph``, JSON elsewhere. Never a 500.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from scalekg.graph.answers import Answer, Step
from scalekg.graph.params import VIEW_PARAMS
from scalekg.graph.paths import ChainFilter, chains, shortest
from scalekg.graph.paths import confidence as chain_confidence
from scalekg.viz.export import edge_id, graphml_bytes, view_json
from scalekg.viz.overlay import overlay as overlay_styling
from scalekg.viz.overlay import page_overlay
from scalekg.viz.page import ASSETS, asset, render_error, render_page
from scalekg.viz.select import OVERVIEW_TYPES, ViewError, parse_view, select

from ..assessment_access import get_assessment, report_for
from ..caching import ReadRoute
from ..errors import ApiError

# ReadRoute: snapshot ETags, 304s, gzip and a response cache keyed by path and query.
router = APIRouter(tags=["graph view"], route_class=ReadRoute)


def _params(request: Request) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in VIEW_PARAMS}


def _state(request: Request):
    return request.app.state.scalekg


@router.get("/graph", response_class=HTMLResponse, summary="The interactive graph view")
def graph_page(request: Request) -> HTMLResponse:
    state = _state(request)
    params = _params(request)
    overview = not any(params.values())
    if overview:  # /graph with no view: the readable overview (types=all shows every class)
        params = {"types": list(OVERVIEW_TYPES)}
    try:
        view = parse_view(state.kg, params)
    except ViewError as exc:
        return HTMLResponse(render_error(exc), status_code=exc.status)
    overlay = None
    assessment_id = request.query_params.get("assessment")
    if assessment_id is not None:
        overlay = _overlay(request, assessment_id)
        if overlay is None:
            raise ApiError(404, "not found", f"No assessment {assessment_id!r}.")
    html = render_page(
        state.kg,
        view,
        max_nodes=state.settings.graph_max_nodes,
        overlay=overlay,
        overview_default=True,
    )
    return HTMLResponse(html)


def _overlay(request: Request, assessment_id: str) -> dict | None:
    """The page overlay of a stored assessment, or None when there is no such assessment."""
    try:
        assessment = get_assessment(request, assessment_id)
    except ApiError:
        return None
    report = report_for(request, assessment)
    info = report.get("assessment", {})
    summary = {
        "id": assessment_id,
        "organisation": str(info.get("organisation", "")),
        "date": str(info.get("date", "")),
        "stage": str(info.get("stage", "")),
    }
    return page_overlay(request.app.state.scalekg.kg, overlay_styling(report), summary)


@router.get("/graph.json", summary="The nodes and edges of a view (same parameters as /graph)")
def graph_json(request: Request) -> JSONResponse:
    state = _state(request)
    view = parse_view(state.kg, _params(request))  # a ViewError is answered by api/errors.py
    selection = select(state.kg, view, max_nodes=state.settings.graph_max_nodes)
    return JSONResponse(view_json(state.kg, selection))


@router.get(
    "/graph.graphml",
    summary="The whole graph as GraphML (for Gephi, yEd, networkx)",
    response_class=Response,
    responses={
        200: {
            "description": "GraphML (XML), as an attachment.",
            "content": {"application/graphml+xml": {"schema": {"type": "string"}}},
        }
    },
)
def graph_graphml(request: Request) -> Response:
    return Response(
        graphml_bytes(_state(request).kg),
        media_type="application/graphml+xml",
        headers={"Content-Disposition": 'attachment; filename="scalekg.graphml"'},
    )


@router.get("/graph/paths.json", summary="Explanation chains between two concepts, with sources")
def graph_paths(request: Request) -> JSONResponse:
    state = _state(request)
    kg = state.kg
    a, b = request.query_params.get("from"), request.query_params.get("to")
    if not a or not b:
        raise ApiError(
            422,
            "missing concept",
            "Give two concepts: /graph/paths.json?from=<id or label>&to=<id or label>",
            param="to" if a else "from",
        )
    view = parse_view(kg, {**_params(request), "path": [a, b]})
    source, target = (kg.concepts[i] for i in view.path)
    # One filter for the highlight and the chains: the view's relations and confidence (all when
    # none given), as the view itself follows them.
    flt = ChainFilter.of(relations=view.relations, min_confidence=view.confidence)
    nodes, edges = shortest(kg, source.iri, target.iri, flt)
    found = chains(kg, source.iri, target.iri, flt)
    return JSONResponse(
        {
            "from": source.summary(),
            "to": target.summary(),
            "highlight": {
                "nodes": [kg.concepts[n].slug for n in nodes],
                "edges": [edge_id(kg, e) for e in edges],
            },
            "chains": [
                {
                    "path": Answer(target, [Step(e, kg) for e in chain], "path").path(),
                    "confidence": chain_confidence(chain),
                    "steps": [Step(e, kg).as_dict() for e in chain],
                }
                for chain in found
            ],
        }
    )


@router.get("/graph/static/{name}", include_in_schema=False)
def graph_static(name: str) -> Response:
    if name not in ASSETS:
        raise ApiError(404, "not found", f"No asset {name!r}.")
    return Response(asset(name), media_type=ASSETS[name])
