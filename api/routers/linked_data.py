"""Linked Data routes: ``/id/<slug>`` (303), ``/page/<slug>``, ``/data/<slug>.<ext>`` and the
ontology (``/ontology``, ``/ontology.<ext>``). What they serve is built in api/linked_data/."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from ..caching import ReadRoute
from ..deps import render_html
from ..errors import ApiError
from ..linked_data.documents import (
    FORMATS,
    RDF_EXTS,
    choose_format,
    data_links,
    rdf_response,
    see_other,
)
from ..linked_data.ontology import ontology
from ..linked_data.resources import describe_triples, resource_iri
from ..linked_data.views import concept_context, resource_context
from ..state import AppState

router = APIRouter(tags=["linked data"], route_class=ReadRoute)


def _state(request: Request) -> AppState:
    return request.app.state.scalekg


FormatParam = Annotated[
    str | None,
    Query(
        alias="format",
        max_length=20,
        description="Overrides Accept: html, ttl, jsonld, nt or rdf.",
    ),
]


@router.get(
    "/id/{slug}",
    summary="Dereference a ScaleKG IRI (303 See Other)",
    description="Redirects to `/page/<slug>` (Accept: text/html) or `/data/<slug>.ttl|.jsonld|"
    ".nt|.rdf` (Turtle, JSON-LD, N-Triples, RDF/XML). `?format=` overrides Accept.",
    status_code=303,
    responses={303: {"description": "See Other"}, 404: {}, 406: {}},
)
@router.head("/id/{slug}", include_in_schema=False)
def dereference(
    request: Request,
    slug: Annotated[str, Path(max_length=300)],
    fmt: FormatParam = None,
) -> Response:
    state = _state(request)
    resource_iri(state, slug)
    key = choose_format(request.headers.get("accept"), fmt)
    target = f"/page/{slug}" if key == "html" else f"/data/{slug}.{key}"
    return see_other(target)


@router.get("/page/{slug}", summary="The HTML page about a resource", response_class=Response)
@router.head("/page/{slug}", include_in_schema=False)
def page(request: Request, slug: Annotated[str, Path(max_length=300)]) -> Response:
    state = _state(request)
    iri = resource_iri(state, slug)
    link = ", ".join(
        f'<{d["href"]}>; rel="alternate"; type="{d["type"]}"' for d in data_links(f"/data/{slug}")
    )
    headers = {"Link": link, "Content-Location": f"/page/{slug}"}
    concept = state.kg.concepts.get(iri)
    if concept is not None:
        return render_html("concept.html", headers=headers, **concept_context(state, concept))
    return render_html("resource.html", headers=headers, **resource_context(state, iri))


@router.get(
    "/data/{filename}",
    summary="The RDF description of a resource",
    description="`<slug>.ttl`, `.jsonld`, `.nt` or `.rdf`: the resource's concise bounded "
    "description, with the edge statements about it and their provenance.",
    response_class=Response,
)
@router.head("/data/{filename}", include_in_schema=False)
def data(request: Request, filename: Annotated[str, Path(max_length=310)]) -> Response:
    state = _state(request)
    slug, dot, ext = filename.rpartition(".")
    if not dot or ext not in RDF_EXTS:
        raise ApiError(
            404,
            "unknown format",
            f"No document {filename!r}: use <slug>.ttl, .jsonld, .nt or .rdf.",
            valid=list(RDF_EXTS),
        )
    iri = resource_iri(state, slug)
    return rdf_response(
        describe_triples(state, iri), ext, headers={"Content-Location": f"/data/{filename}"}
    )


@router.get(
    "/ontology",
    summary="Dereference the ontology IRI (303 See Other)",
    description="Redirects to `/ontology.html` or `/ontology.ttl|.jsonld|.nt|.rdf` by Accept "
    "(or `?format=`).",
    status_code=303,
    responses={303: {"description": "See Other"}, 406: {}},
)
@router.head("/ontology", include_in_schema=False)
def ontology_iri(request: Request, fmt: FormatParam = None) -> Response:
    key = choose_format(request.headers.get("accept"), fmt)
    return see_other(f"/ontology.{key}")


@router.get(
    "/ontology.{ext}",
    summary="The ontology as HTML, Turtle, JSON-LD, N-Triples or RDF/XML",
    response_class=Response,
)
@router.head("/ontology.{ext}", include_in_schema=False)
def ontology_document(request: Request, ext: Annotated[str, Path(max_length=10)]) -> Response:
    if ext not in FORMATS:
        raise ApiError(
            404,
            "unknown format",
            f"No document /ontology.{ext}: use .html, .ttl, .jsonld, .nt or .rdf.",
            valid=list(FORMATS),
        )
    onto = ontology(_state(request))
    headers = {"Content-Location": f"/ontology.{ext}"}
    if ext == "html":
        return render_html("ontology.html", headers=headers, **onto.context)
    if ext == "ttl":
        return Response(onto.source, headers=headers, media_type="text/turtle; charset=utf-8")
    return rdf_response(onto.triples, ext, headers=headers)
