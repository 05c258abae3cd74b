"""Which resources exist and what the store says about them, read through the store interface.

Every query is fixed text; the resource's IRI is bound as a value (``Backend.select_terms`` and
``Backend.construct``: pyoxigraph substitutions on an embedded store, a VALUES block of a
validated IRI on a remote one). Only the shipped graphs are read, never an assessment's.
"""

import re
from dataclasses import dataclass

import pyoxigraph as ox

from scalekg.graph.namespaces import EDGE_PREDICATES, KG
from scalekg.graph.namespaces import SPARQL_PREFIXES as _PREFIXES
from scalekg.graph.search import search

from ..errors import ApiError
from ..state import AppState

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Edge statement IRIs carry the predicate's local name: kg:edge-<s>--influencesPositively--<o>.
EDGE_SLUG_RE = re.compile(r"^edge-[a-z0-9-]+--[a-zA-Z]+--[a-z0-9-]+$")
ID_BASE = str(KG)

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
REFERRERS_QUERY = "SELECT DISTINCT ?r ?s ?p WHERE { ?s ?p ?r } ORDER BY ?p ?s LIMIT 201"


@dataclass(frozen=True)
class Index:
    """What the pages need of every resource, read once per app: the IRIs in the ``kg:``
    namespace that are subjects, and a label for each IRI that has one."""

    subjects: frozenset[str]
    labels: dict[str, str]


def index(state: AppState) -> Index:
    found = state.caches.linked_data
    if found is None:
        store = state.store
        subjects = frozenset(row["s"].value for row in store.select_terms(SUBJECTS_QUERY))
        labels: dict[str, str] = {}
        for row in store.select_terms(LABELS_QUERY):
            labels.setdefault(row["s"].value, row["label"].value)
        labels.update({iri: c.label for iri, c in state.kg.concepts.items()})
        found = state.caches.linked_data = Index(subjects | frozenset(state.kg.concepts), labels)
    return found


def labels(state: AppState) -> dict[str, str]:
    return index(state).labels


def resource_iri(state: AppState, slug: str) -> str:
    """The IRI of an existing resource; 404 (with suggestions) for an invalid or unknown slug."""
    if len(slug) <= 300 and (SLUG_RE.fullmatch(slug) or EDGE_SLUG_RE.fullmatch(slug)):
        iri = ID_BASE + slug
        if iri in index(state).subjects:
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


def describe_triples(state: AppState, iri: str) -> list[ox.Triple]:
    """The resource's concise bounded description, sorted."""
    return state.store.construct(CBD_QUERY, {"r": iri})


def referrers(state: AppState, iri: str) -> list[dict]:
    """Up to 201 (subject, predicate) pairs that point at the resource."""
    return state.store.select_terms(REFERRERS_QUERY, {"r": iri})
