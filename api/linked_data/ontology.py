"""The ontology as a document: its Turtle source, its triples and the page that lists its terms."""

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from scalekg.graph.namespaces import ONTOLOGY_IRI, SKG
from scalekg.graph.resources import ontology_files

from ..state import AppState
from .documents import data_links
from .views import local_href, short

SKG_BASE = str(SKG)

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

ONTOLOGY_META = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?title ?description ?version WHERE { ?o a owl:Ontology .
  OPTIONAL { ?o dcterms:title ?title } OPTIONAL { ?o dcterms:description ?description }
  OPTIONAL { ?o owl:versionInfo ?version } } LIMIT 1"""


@dataclass(frozen=True)
class OntologyDocument:
    source: bytes  # the edited Turtle files, as they are
    triples: list[ox.Triple]
    context: dict[str, Any]  # for ontology.html


def ontology(state: AppState) -> OntologyDocument:
    """The ontology document, loaded once per app."""
    found = state.caches.ontology
    if found is None:
        found = state.caches.ontology = load_ontology()
    return found


def load_ontology() -> OntologyDocument:
    """The ontology files' bytes, their triples and the page context (classes, properties)."""
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
    meta_rows = list(store.query(ONTOLOGY_META))
    meta = {
        key: (meta_rows[0][key].value if meta_rows and meta_rows[0][key] is not None else "")
        for key in ("title", "description", "version")
    }
    return OntologyDocument(
        source=b"".join(path.read_bytes() for path in files),
        triples=triples,
        context={
            "iri": ONTOLOGY_IRI,
            "meta": meta,
            "classes": classes,
            "properties": properties,
            "triple_count": len(triples),
            "data": data_links("/ontology"),
        },
    )
