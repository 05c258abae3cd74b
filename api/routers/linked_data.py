"""Linked Data: every ``https://w3id.org/scalekg/id/<slug>`` IRI dereferences here, at ``/id/<slug>``.

The 303 pattern (https://www.w3.org/TR/cooluris/):

- ``/id/<slug>`` names the thing. It answers ``303 See Other`` to a document about it, chosen by
  the Accept header (or ``?format=``): ``/page/<slug>`` for browsers, ``/data/<slug>.ttl``,
  ``.jsonld``, ``.nt`` or ``.rdf`` for RDF clients. An Accept header we cannot satisfy gets a 406.
- ``/page/<slug>`` is the HTML page: for a concept, its labels, definition and every edge grouped
  by relation with each source's quote, locator and basis; for an edge statement or a source, its
  statements.
- ``/data/<slug>.<ext>`` is the resource's concise bounded description: its own triples, the edge
  statements that have it as subject or object (with their provenance), and the incoming edges.
  It is built from the store with a fixed CONSTRUCT and a bound IRI (``substitutions``), never by
  pasting user input into a query; the slug is validated and must exist first.
- ``/ontology`` (the ontology IRI; its terms are ``/ontology#Term``) works the same way:
  ``/ontology.html`` lists the classes and properties with their definitions, ``/ontology.ttl``
  is the edited source file, and ``.jsonld``, ``.nt``, ``.rdf`` are serialisations of it.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from scalekg.graph.answers import RELATION_NAMES
from scalekg.graph.backends.base import SHIPPED_GRAPHS
from scalekg.graph.model import Concept, KnowledgeGraph
from scalekg.graph.namespaces import EDGE_PREDICATES, KG, ONTOLOGY_IRI, PREFIXES, SKG
from scalekg.graph.namespaces import SPARQL_PREFIXES as _PREFIXES
from scalekg.graph.resources import ontology_files
from scalekg.graph.search import search

from ..caching import ReadRoute
from ..deps import render_html
from ..errors import ApiError

router = APIRouter(tags=["linked data"], route_class=ReadRoute)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Edge statement IRIs carry the predicate's local name: kg:edge-<s>--influencesPositively--<o>.
EDGE_SLUG_RE = re.compile(r"^edge-[a-z0-9-]+--[a-zA-Z]+--[a-z0-9-]+$")
ID_BASE = str(KG)
SKG_BASE = str(SKG)


@dataclass(frozen=True)
class Format:
    ext: str
    media_type: str
    rdf: ox.RdfFormat | None  # None: the HTML page


FORMATS: dict[str, Format] = {
    "html": Format("html", "text/html", None),
    "ttl": Format("ttl", "text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdf": Format("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
}
# Media types we accept in Accept, to the format that serves them (server preference order).
ACCEPTED: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "text/xml": "rdf",
}
FORMAT_ALIASES: dict[str, str] = {
    "html": "html",
    "htm": "html",
    "ttl": "ttl",
    "turtle": "ttl",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "json": "jsonld",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "rdf": "rdf",
    "xml": "rdf",
    "rdfxml": "rdf",
    "rdf-xml": "rdf",
    "owl": "rdf",
}
RDF_EXTS = ("ttl", "jsonld", "nt", "rdf")

# The concise bounded description of ?r, plus the edge statements about it and incoming edges.
CBD_QUERY = (
    _PREFIXES
    + """
CONSTRUCT { ?r ?p ?o . ?o ?bp ?bo . ?st ?sp ?so . ?in ?ip ?r }
WHERE {
  { ?r ?p ?o . OPTIONAL { ?o ?bp ?bo . FILTER(isBlank(?o)) } }
  UNION { ?st rdf:subject ?r ; a skg:EdgeStatement ; ?sp ?so }
  UNION { ?st rdf:object ?r ; a skg:EdgeStatement ; ?sp ?so }
  UNION { ?in ?ip ?r . VALUES ?ip { """
    + " ".join(f"skg:{p}" for p in EDGE_PREDICATES)
    + """ } }
}"""
)
SUBJECTS_QUERY = """
SELECT DISTINCT ?s WHERE {
  ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/scalekg/id/"))
}"""
LABELS_QUERY = (
    _PREFIXES
    + """
SELECT ?s ?label WHERE {
  { ?s skos:prefLabel ?label } UNION { ?s rdfs:label ?label }
  FILTER(isIRI(?s))
}"""
)


# ---------------------------------------------------------------------------------------------
# Content negotiation


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``[(media range, q)]`` from an Accept header; malformed parts are skipped."""
    out = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media or "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The best of ``offered`` (format keys, in server preference order) for ``accept``.

    No Accept header means anything; None means nothing offered is acceptable (a 406).
    """
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for fmt in offered:
        # Each media type that the format serves, with the q of the most specific matching range.
        q_fmt = 0.0
        for media, key in ACCEPTED.items():
            if key != fmt:
                continue
            major = media.split("/")[0]
            specificity, q_media = -1, 0.0
            for rng, q in ranges:
                level = (
                    2 if rng == media else 1 if rng == f"{major}/*" else 0 if rng == "*/*" else -1
                )
                if level > specificity:
                    specificity, q_media = level, q
            q_fmt = max(q_fmt, q_media)
        if q_fmt > best_q:
            best, best_q = fmt, q_fmt
    return best


def choose_format(request: Request, fmt: str | None, offered: tuple[str, ...]) -> str:
    if fmt is not None and fmt.strip():
        key = FORMAT_ALIASES.get(fmt.strip().lower())
        if key is None or key not in offered:
            raise ApiError(
                406,
                "unsupported format",
                f"Unsupported format {fmt!r}. Use one of: {', '.join(offered)}.",
                valid=list(offered),
            )
        return key
    key = negotiate(request.headers.get("accept"), offered)
    if key is None:
        media = sorted({m for m, k in ACCEPTED.items() if k in offered})
        raise ApiError(
            406,
            "not acceptable",
            f"None of the types in Accept can be served. Available: {', '.join(media)}.",
            accept=request.headers.get("accept", ""),
            valid=media,
        )
    return key


def see_other(location: str) -> Response:
    return Response(
        status_code=303,
        headers={"Location": location, "Vary": "Accept", "Cache-Control": "public, max-age=60"},
    )


# ---------------------------------------------------------------------------------------------
# Resources in the store


def _state(request: Request):
    return request.app.state.scalekg


SAFE_IRI = re.compile(r"^https://w3id\.org/scalekg/id/[A-Za-z0-9-]+$")


def _embedded(store: Any) -> ox.Store | None:
    """The pyoxigraph Store behind an embedded backend (or a bare Store), else None (remote)."""
    if isinstance(store, ox.Store):
        return store
    return getattr(store, "ox_store", None)


def _bind_remote(query: str, iri: str) -> str:
    """For a remote store (no substitutions over the protocol): bind ?r to a validated IRI."""
    if not SAFE_IRI.fullmatch(iri):  # resource_iri() validated it; never trust twice-removed input
        raise ApiError(404, "unknown resource", f"No resource {iri!r}.")
    head, sep, tail = query.partition("WHERE {")
    return f"{head}{sep} VALUES ?r {{ <{iri}> }}{tail}"


def _term(binding: dict[str, str]) -> Any:
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if binding.get("xml:lang"):
        return ox.Literal(value, language=binding["xml:lang"])
    if binding.get("datatype"):
        return ox.Literal(value, datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(value)


def select_terms(state: Any, query: str, iri: str | None = None) -> list[dict[str, Any]]:
    """A fixed SELECT over the shipped graphs (never assessments), rows of RDF terms.

    ``?r`` is bound to ``iri`` with pyoxigraph ``substitutions`` on an embedded store.
    """
    store = state.store
    embedded = _embedded(store)
    if embedded is not None:
        kwargs: dict[str, Any] = {"default_graph": [ox.NamedNode(g) for g in SHIPPED_GRAPHS]}
        if iri is not None:
            kwargs["substitutions"] = {ox.Variable("r"): ox.NamedNode(iri)}
        results = embedded.query(query, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]
    data = store.select_json(_bind_remote(query, iri) if iri is not None else query)
    return [
        {name: _term(value) for name, value in binding.items()}
        for binding in data.get("results", {}).get("bindings", [])
    ]


def construct(state: Any, query: str, iri: str) -> list[ox.Triple]:
    """A fixed CONSTRUCT over the shipped graphs with ?r bound to ``iri``; sorted, no duplicates."""
    store = state.store
    embedded = _embedded(store)
    if embedded is not None:
        found = embedded.query(
            query,
            substitutions={ox.Variable("r"): ox.NamedNode(iri)},
            default_graph=[ox.NamedNode(g) for g in SHIPPED_GRAPHS],
        )
    else:
        response = store.query_response(_bind_remote(query, iri), "application/n-triples")
        found = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
    triples = set(found)
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def known_subjects(state: Any) -> frozenset[str]:
    """Every IRI in the ``kg:`` namespace that is the subject of a triple (computed once)."""
    found = state.extras.get("ld_subjects")
    if found is None:
        rows = select_terms(state, SUBJECTS_QUERY)
        found = frozenset(row["s"].value for row in rows) | frozenset(state.kg.concepts)
        state.extras["ld_subjects"] = found
    return found


def labels(state: Any) -> dict[str, str]:
    found = state.extras.get("ld_labels")
    if found is None:
        found = {}
        for row in select_terms(state, LABELS_QUERY):
            found.setdefault(row["s"].value, row["label"].value)
        found.update({iri: c.label for iri, c in state.kg.concepts.items()})
        state.extras["ld_labels"] = found
    return found


def resource_iri(state: Any, slug: str) -> str:
    """The IRI of an existing resource; 404 (with suggestions) for an invalid or unknown slug."""
    if len(slug) <= 300 and (SLUG_RE.fullmatch(slug) or EDGE_SLUG_RE.fullmatch(slug)):
        iri = ID_BASE + slug
        if iri in known_subjects(state):
            return iri
    suggestions = search(state.kg, slug.replace("-", " "), limit=5, threshold=0.4)
    raise ApiError(
        404,
        "unknown resource",
        f"No resource {ID_BASE}{slug} in this graph."
        + (" Did you mean one of the suggestions?" if suggestions else ""),
        slug=slug,
        suggestions=[m.as_dict() for m in suggestions],
    )


def describe_triples(state: Any, iri: str) -> list[ox.Triple]:
    return construct(state, CBD_QUERY, iri)


def rdf_response(triples: list[ox.Triple], fmt: Format, headers: dict | None = None) -> Response:
    body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
    media = fmt.media_type + ("; charset=utf-8" if fmt.ext in ("ttl", "nt") else "")
    return Response(body, headers=headers, media_type=media)


def data_links(slug: str) -> list[dict[str, str]]:
    return [
        {"ext": ext, "href": f"/data/{slug}.{ext}", "type": FORMATS[ext].media_type}
        for ext in RDF_EXTS
    ]


# ---------------------------------------------------------------------------------------------
# HTML pages


def short(iri: str) -> str:
    """A prefixed name for an IRI we know the namespace of."""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return iri


def local_href(iri: str) -> str | None:
    """Where an IRI dereferences on this server, if it does."""
    if iri.startswith(ID_BASE):
        return "/id/" + quote(iri[len(ID_BASE) :])
    if iri.startswith(SKG_BASE):
        return "/ontology#" + quote(iri[len(SKG_BASE) :])
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    return None


def term_view(term: Any, names: dict[str, str]) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        return {
            "kind": "iri",
            "iri": iri,
            "text": names.get(iri) or short(iri),
            "short": short(iri),
            "href": local_href(iri) or (iri if iri.startswith(("http://", "https://")) else None),
        }
    if isinstance(term, ox.Literal):
        lang = term.language or ""
        dt = term.datatype.value if term.datatype is not None else ""
        plain = dt.endswith(("#string", "#langString"))
        return {
            "kind": "literal",
            "text": term.value,
            "lang": lang,
            "datatype": "" if plain else short(dt),
        }
    return {"kind": "blank", "text": str(term)}


def query_link(sparql: str) -> str:
    return "/query?" + urlencode({"query": sparql})


def concept_queries(iri: str) -> dict[str, str]:
    describe = f"DESCRIBE <{iri}>"
    select = (
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX skg: <https://w3id.org/scalekg/ontology#>\n\n"
        "# Every edge of this concept, with the source of each\n"
        "SELECT ?subjectLabel ?predicate ?objectLabel ?basis ?locator ?quote WHERE {\n"
        "  ?st a skg:EdgeStatement ; rdf:subject ?s ; rdf:predicate ?predicate ; rdf:object ?o ;\n"
        "      skg:basis ?basis ; skg:locator ?locator ; skg:quote ?quote .\n"
        f"  FILTER(?s = <{iri}> || ?o = <{iri}>)\n"
        "  ?s skos:prefLabel ?subjectLabel . ?o skos:prefLabel ?objectLabel .\n"
        "}\nORDER BY ?predicate ?subjectLabel ?objectLabel"
    )
    return {"describe": query_link(describe), "select": query_link(select)}


def _source_view(prov, names: dict[str, str]) -> dict[str, Any]:
    return {
        "quote": prov.quote,
        "locator": prov.locator,
        "basis": prov.basis,
        "rationale": prov.rationale,
        "document": prov.document_title or names.get(prov.document) or short(prov.document),
        "document_href": local_href(prov.document),
        "statement": short(prov.statement),
        "statement_href": local_href(prov.statement),
    }


def concept_context(state: Any, concept: Concept) -> dict[str, Any]:
    kg: KnowledgeGraph = state.kg
    names = labels(state)
    groups = []
    for predicate in EDGE_PREDICATES:
        forward, backward = RELATION_NAMES.get(predicate, (predicate, f"{predicate}-by"))
        for direction, name, edges in (
            ("out", forward, kg.edges_from(concept.iri, predicate)),
            ("in", backward, kg.edges_to(concept.iri, predicate)),
        ):
            if not edges:
                continue
            items = []
            for edge in edges:
                other = kg.concepts[edge.object if direction == "out" else edge.subject]
                items.append(
                    {
                        "label": other.label,
                        "type": other.type,
                        "href": f"/id/{quote(other.slug)}",
                        "basis": edge.basis,
                        "sources": [_source_view(p, names) for p in edge.provenance],
                    }
                )
            items.sort(key=lambda item: item["label"].lower())
            groups.append(
                {
                    "name": name,
                    "title": name.replace("-", " "),
                    "predicate": predicate,
                    "direction": direction,
                    "api": f"/api/concepts/{quote(concept.slug)}/{name}",
                    "edges": items,
                }
            )
    attributes = [
        {"name": short(SKG_BASE + key), "objects": [term_text(v, names) for v in values]}
        for key, values in sorted(concept.attributes.items())
    ]
    slug = concept.slug
    return {
        "concept": concept,
        "slug": slug,
        "iri": concept.iri,
        "types": sorted(t for t in concept.types if t != concept.type),
        "stages": [
            {"slug": s, "label": names.get(ID_BASE + s) or s, "href": f"/id/{quote(s)}"}
            for s in concept.stages
        ],
        "defined_in": {
            "text": names.get(concept.defined_in) or short(concept.defined_in),
            "href": local_href(concept.defined_in),
        }
        if concept.defined_in
        else None,
        "close_matches": [
            {"text": names.get(m) or m, "href": local_href(m) or m} for m in concept.close_matches
        ],
        "attributes": attributes,
        "groups": groups,
        "edge_count": sum(len(g["edges"]) for g in groups),
        "links": {
            "graph": "/graph?" + urlencode({"focus": slug}),
            "mitigated_by": f"/api/concepts/{quote(slug)}/mitigated-by",
            "json": f"/api/concepts/{quote(slug)}",
            **concept_queries(concept.iri),
        },
        "data": data_links(slug),
    }


def term_text(value: str, names: dict[str, str]) -> dict[str, Any]:
    if value.startswith(("http://", "https://")):
        return {"text": names.get(value) or short(value), "href": local_href(value) or value}
    return {"text": value, "href": None}


def resource_context(state: Any, iri: str) -> dict[str, Any]:
    """A generic page: the resource's own statements, and what refers to it."""
    names = labels(state)
    triples = describe_triples(state, iri)
    own: dict[str, list] = {}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri:
            own.setdefault(t.predicate.value, []).append(term_view(t.object, names))
    rows = [
        {"predicate": term_view(ox.NamedNode(p), names), "objects": values}
        for p, values in sorted(own.items(), key=lambda kv: short(kv[0]))
    ]
    referrers = select_terms(
        state, "SELECT DISTINCT ?r ?s ?p WHERE { ?s ?p ?r } ORDER BY ?p ?s LIMIT 201", iri
    )
    refs = [
        {"subject": term_view(r["s"], names), "predicate": term_view(r["p"], names)}
        for r in referrers
    ]
    slug = iri[len(ID_BASE) :]
    statement = None
    if (SKG_BASE + "EdgeStatement") in {v.get("iri") for v in own.get(_RDF_TYPE, [])}:
        statement = {
            key: own.get(pred, [None])[0]
            for key, pred in (
                ("subject", _RDF + "subject"),
                ("predicate", _RDF + "predicate"),
                ("object", _RDF + "object"),
                ("quote", SKG_BASE + "quote"),
                ("locator", SKG_BASE + "locator"),
                ("basis", SKG_BASE + "basis"),
                ("rationale", SKG_BASE + "rationale"),
                ("source", SKG_BASE + "source"),
            )
        }
    title = names.get(iri) or slug
    if statement and statement["subject"] and statement["predicate"] and statement["object"]:
        title = " ".join(
            str(statement[k]["text"]) for k in ("subject", "predicate", "object")
        ).replace("skg:", "")
    return {
        "iri": iri,
        "slug": slug,
        "title": title,
        "rows": rows,
        "refs": refs[:200],
        "refs_truncated": len(refs) > 200,
        "statement": statement,
        "data": data_links(slug),
        "links": {"describe": query_link(f"DESCRIBE <{iri}>")},
    }


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = _RDF + "type"


# ---------------------------------------------------------------------------------------------
# Routes: /id, /page, /data

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
    key = choose_format(request, fmt, tuple(FORMATS))
    target = f"/page/{slug}" if key == "html" else f"/data/{slug}.{key}"
    return see_other(target)


@router.get("/page/{slug}", summary="The HTML page about a resource", response_class=Response)
@router.head("/page/{slug}", include_in_schema=False)
def page(request: Request, slug: Annotated[str, Path(max_length=300)]) -> Response:
    state = _state(request)
    iri = resource_iri(state, slug)
    link = ", ".join(
        f'<{d["href"]}>; rel="alternate"; type="{d["type"]}"' for d in data_links(slug)
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
        describe_triples(state, iri),
        FORMATS[ext],
        headers={"Content-Location": f"/data/{filename}"},
    )


# ---------------------------------------------------------------------------------------------
# The ontology

ONTOLOGY_CLASSES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition)
       (GROUP_CONCAT(DISTINCT STR(?sup); separator=" ") AS ?supers) WHERE {
  ?c a owl:Class .
  FILTER(STRSTARTS(STR(?c), "https://w3id.org/scalekg/ontology#"))
  OPTIONAL { ?c rdfs:label ?l }
  OPTIONAL { ?c skos:definition ?d }
  OPTIONAL { ?c rdfs:subClassOf ?sup . FILTER(isIRI(?sup)) }
} GROUP BY ?c ORDER BY ?c"""

ONTOLOGY_PROPERTIES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p (SAMPLE(?k) AS ?kind) (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition)
       (SAMPLE(?dom) AS ?domain) (SAMPLE(?rng) AS ?range) (SAMPLE(?inv) AS ?inverse) WHERE {
  VALUES ?k { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }
  ?p a ?k .
  FILTER(STRSTARTS(STR(?p), "https://w3id.org/scalekg/ontology#"))
  OPTIONAL { ?p rdfs:label ?l }
  OPTIONAL { ?p skos:definition ?d }
  OPTIONAL { ?p rdfs:domain ?dom . FILTER(isIRI(?dom)) }
  OPTIONAL { ?p rdfs:range ?rng . FILTER(isIRI(?rng)) }
  OPTIONAL { ?p owl:inverseOf ?inv }
} GROUP BY ?p ORDER BY ?p"""


def ontology(state: Any) -> dict[str, Any]:
    """The ontology file's bytes, its triples and its page context (computed once per app)."""
    found = state.extras.get("ld_ontology")
    if found is not None:
        return found
    files = ontology_files()
    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    triples = sorted(
        (q.triple for q in store), key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
    )

    def text(row, name: str) -> str:
        value = row[name]
        return value.value if value is not None else ""

    classes = [
        {
            "name": row["c"].value[len(SKG_BASE) :],
            "label": text(row, "label"),
            "definition": text(row, "definition"),
            "supers": [
                {"text": short(s), "href": local_href(s)} for s in text(row, "supers").split() if s
            ],
        }
        for row in store.query(ONTOLOGY_CLASSES)
    ]
    properties = [
        {
            "name": row["p"].value[len(SKG_BASE) :],
            "kind": short(text(row, "kind")).removeprefix("owl:"),
            "label": text(row, "label"),
            "definition": text(row, "definition"),
            **{
                key: {"text": short(text(row, key)), "href": local_href(text(row, key))}
                if text(row, key)
                else None
                for key in ("domain", "range", "inverse")
            },
        }
        for row in store.query(ONTOLOGY_PROPERTIES)
    ]
    meta_rows = list(
        store.query(
            "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
            "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
            "SELECT ?title ?description ?version WHERE { ?o a owl:Ontology . "
            "OPTIONAL { ?o dcterms:title ?title } OPTIONAL { ?o dcterms:description ?description }"
            " OPTIONAL { ?o owl:versionInfo ?version } } LIMIT 1"
        )
    )
    meta = {
        key: (meta_rows[0][key].value if meta_rows and meta_rows[0][key] is not None else "")
        for key in ("title", "description", "version")
    }
    found = {
        "source": b"".join(path.read_bytes() for path in files),
        "triples": triples,
        "context": {
            "iri": ONTOLOGY_IRI,
            "meta": meta,
            "classes": classes,
            "properties": properties,
            "triple_count": len(triples),
            "data": [
                {"ext": ext, "href": f"/ontology.{ext}", "type": FORMATS[ext].media_type}
                for ext in RDF_EXTS
            ],
        },
    }
    state.extras["ld_ontology"] = found
    return found


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
    key = choose_format(request, fmt, tuple(FORMATS))
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
        return render_html("ontology.html", headers=headers, **onto["context"])
    if ext == "ttl":
        return Response(onto["source"], headers=headers, media_type="text/turtle; charset=utf-8")
    return rdf_response(onto["triples"], FORMATS[ext], headers=headers)
