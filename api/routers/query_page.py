"""``/query``: the SPARQL workbench (YASGUI), working with no network at all.

- ``GET /query``: the page. ``?query=`` or ``?z=`` (a share link: the query compressed, see
  ``api.query_links``) pre-fills the editor; ``?example=<name>`` picks an example. Without
  JavaScript it is a textarea and a form that posts to ``/sparql``.
- ``GET /query/static/{name}``: the YASGUI bundle built by ``make yasgui`` (and its licences).
- ``POST /query/share``: the share link and the ``curl`` command of a query.
- ``POST /query/graph-view``: a CONSTRUCT/DESCRIBE result (Turtle or N-Triples) as vis-network
  data in the graph page's visual grammar (``viz.triples_view``).

The page's own JS (``/assets/query.js``) runs queries against ``/sparql``, asks
``/api/vocabulary/complete`` for completions and draws what the server computed.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from scalekg.graph.namespaces import PREFIXES
from scalekg.graph.resources import example_queries
from scalekg.viz.page import asset_version
from scalekg.viz.style import legend
from scalekg.viz.triples_view import TriplesError, parse_triples, triples_view

from ..caching import ReadRoute
from ..deps import PAGE_CSP, json_response, render_html
from ..errors import ApiError
from ..query_links import MAX_QUERY_CHARS, ShareLinkError, decode_query, share

router = APIRouter(tags=["pages"], route_class=ReadRoute)
# POST routes: not ReadRoute, whose response cache is keyed by path (their answer depends on the body).
actions = APIRouter(tags=["pages"])

WORKBENCH_STATIC = Path(__file__).resolve().parents[1] / "workbench" / "static"
WORKBENCH_ASSETS = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "LICENSE.txt": "text/plain; charset=utf-8",
}
# YASGUI (CodeMirror, DataTables) writes style attributes and <style> elements: the workbench
# page allows inline styles, nothing else more than the other pages.
QUERY_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
MAX_GRAPH_BODY = 4_000_000


@dataclass(frozen=True)
class Example:
    name: str  # the file stem, e.g. "mitigates-premature-scaling"
    title: str  # the first comment line
    description: str  # the other leading comment lines
    query: str

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "query": self.query,
        }


def read_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    comments = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line.lstrip("#").strip())
    title = comments[0] if comments else path.stem.replace("-", " ")
    return Example(path.stem, title, " ".join(c for c in comments[1:] if c), text.strip() + "\n")


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    return tuple(read_example(p) for p in example_queries())


@router.get("/query", summary="SPARQL workbench", response_class=Response)
def query_page(
    request: Request,
    query: Annotated[
        str | None, Query(max_length=MAX_QUERY_CHARS, description="Pre-fills the editor.")
    ] = None,
    z: Annotated[
        str | None,
        Query(max_length=16000, description="A share link's compressed query (see /query/share)."),
    ] = None,
    example: Annotated[
        str | None, Query(max_length=100, description="Pre-selects an example by name.")
    ] = None,
) -> Response:
    found = examples()
    chosen = next((e for e in found if e.name == example), None)
    if z is not None and z.strip():
        try:
            query = decode_query(z.strip())
        except ShareLinkError as exc:
            raise ApiError(400, "bad share link", f"This share link is damaged: {exc}.") from exc
    if query is not None and query.strip():
        text, selected = query, ""
    elif chosen is not None:
        text, selected = chosen.query, chosen.name
    elif found:
        text, selected = found[0].query, found[0].name
    else:
        text, selected = "SELECT * WHERE { ?s ?p ?o } LIMIT 10\n", ""
    workbench = {
        "endpoint": "/sparql",
        "examples": [e.as_dict() for e in found],
        "prefixes": PREFIXES,
        "legend": legend(),
        "vis": "/graph/static/vis-network.min.js?v=" + asset_version("vis-network.min.js"),
    }
    return render_html(
        "query.html",
        headers={"Content-Security-Policy": QUERY_CSP},
        query=text,
        selected=selected,
        examples=[e.as_dict() for e in found],
        endpoint="/sparql",
        workbench=workbench,
        yasgui_version=_static_version(),
    )


@lru_cache(maxsize=8)
def _workbench_asset(name: str) -> bytes:
    return (WORKBENCH_STATIC / name).read_bytes()


@lru_cache(maxsize=1)
def _static_version() -> str:
    import hashlib

    return hashlib.sha256(_workbench_asset("yasgui.min.js")).hexdigest()[:12]


@router.get("/query/static/{name}", include_in_schema=False)
def workbench_static(name: str) -> Response:
    if name not in WORKBENCH_ASSETS:
        raise ApiError(404, "not found", f"No workbench asset {name!r}.")
    return Response(
        _workbench_asset(name),
        media_type=WORKBENCH_ASSETS[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def _json_body(request: Request, limit: int) -> dict:
    body = await request.body()
    if len(body) > limit:
        raise ApiError(413, "too large", f"Send at most {limit} bytes.")
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise ApiError(400, "bad json", f"The body is not JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "bad json", "Send a JSON object.")
    return data


@actions.post(
    "/query/share",
    summary="The share link and curl command of a query",
    description='Body: `{"query": "SELECT ..."}`. Answers `{"url", "path", "length", "fits", '
    '"curl"}`: the link carries the query compressed (`/query?z=`), nothing is stored.',
)
async def query_share(request: Request) -> Response:
    data = await _json_body(request, MAX_QUERY_CHARS * 4 + 100)
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ApiError(422, "no query", 'Send {"query": "<a SPARQL query>"}.')
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(413, "too large", f"A query is at most {MAX_QUERY_CHARS} characters.")
    return json_response(share(query, str(request.base_url)))


@actions.post(
    "/query/graph-view",
    summary="A CONSTRUCT/DESCRIBE result as a drawing in the graph page's visual grammar",
    description="Body: the result as `text/turtle` or `application/n-triples`. Answers "
    "vis-network nodes and edges styled like /graph, with a legend of what is used.",
)
async def query_graph_view(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_GRAPH_BODY:
        raise ApiError(413, "too large", f"Send at most {MAX_GRAPH_BODY} bytes of triples.")
    media = request.headers.get("content-type", "text/turtle").split(";")[0].strip().lower()
    if media not in ("text/turtle", "application/n-triples", "text/plain"):
        raise ApiError(415, "unsupported media type", "Send text/turtle or application/n-triples.")
    kg = request.app.state.scalekg.kg
    try:
        text = body.decode("utf-8")
        graph = await run_in_threadpool(parse_triples, text, media)
    except (UnicodeDecodeError, TriplesError) as exc:
        raise ApiError(400, "bad triples", str(exc)) from exc
    return json_response(await run_in_threadpool(triples_view, kg, graph))
