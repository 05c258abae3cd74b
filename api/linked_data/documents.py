"""The documents a resource has: HTML page or RDF serialisation, chosen by content negotiation."""

from dataclasses import dataclass

import pyoxigraph as ox
from starlette.responses import Response

from scalekg.graph.namespaces import PREFIXES
from scalekg.graph.sparql import formats
from scalekg.graph.sparql.errors import NotAcceptableError

from ..errors import ApiError


@dataclass(frozen=True)
class Format:
    ext: str
    media_type: str
    rdf: ox.RdfFormat | None  # None: the HTML page


# In the server's order of preference (formats.DOCUMENT_MEDIA_TYPES).
FORMATS: dict[str, Format] = {
    "html": Format("html", formats.HTML, None),
    "ttl": Format("ttl", formats.TURTLE, ox.RdfFormat.TURTLE),
    "jsonld": Format("jsonld", formats.JSON_LD, ox.RdfFormat.JSON_LD),
    "nt": Format("nt", formats.N_TRIPLES, ox.RdfFormat.N_TRIPLES),
    "rdf": Format("rdf", formats.RDF_XML, ox.RdfFormat.RDF_XML),
}
BY_MEDIA_TYPE = {f.media_type: f.ext for f in FORMATS.values()}
RDF_EXTS = ("ttl", "jsonld", "nt", "rdf")


def choose_format(accept: str | None, fmt: str | None) -> str:
    """The extension of the document to serve; 406 when nothing offered is acceptable."""
    try:
        return BY_MEDIA_TYPE[formats.negotiate_document(accept, fmt)]
    except NotAcceptableError as exc:
        if fmt is not None and fmt.strip():
            raise ApiError(
                406,
                "unsupported format",
                f"Unsupported format {fmt!r}. Use one of: {', '.join(FORMATS)}.",
                valid=list(FORMATS),
            ) from None
        raise ApiError(
            406,
            "not acceptable",
            "None of the types in Accept can be served. "
            f"Available: {', '.join(sorted(exc.supported))}.",
            accept=accept or "",
            valid=sorted(exc.supported),
        ) from None


def see_other(location: str) -> Response:
    return Response(
        status_code=303,
        headers={"Location": location, "Vary": "Accept", "Cache-Control": "public, max-age=60"},
    )


def rdf_response(triples: list[ox.Triple], ext: str, headers: dict | None = None) -> Response:
    fmt = FORMATS[ext]
    body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
    media = fmt.media_type + ("; charset=utf-8" if ext in ("ttl", "nt") else "")
    return Response(body, headers=headers, media_type=media)


def data_links(base: str) -> list[dict[str, str]]:
    """The RDF documents of a resource: ``base`` is ``/data/<slug>`` or ``/ontology``."""
    return [
        {"ext": ext, "href": f"{base}.{ext}", "type": FORMATS[ext].media_type} for ext in RDF_EXTS
    ]
