"""The IRIs ScaleKG mints and the vocabularies it reuses."""

from functools import cache

import pyoxigraph as ox
from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from .resources import ontology_files
from .store import solutions, term_text

SKG = Namespace("https://w3id.org/scalekg/ontology#")
KG = Namespace("https://w3id.org/scalekg/id/")
ONTOLOGY_IRI = "https://w3id.org/scalekg/ontology"
GRAPH_BASE = "https://w3id.org/scalekg/graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
DATA_GRAPH = GRAPH_BASE + "data"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
ASSESSMENT_GRAPH_BASE = GRAPH_BASE + "assessment/"

PREFIXES: dict[str, str] = {
    "skg": str(SKG),
    "kg": str(KG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "xsd": str(XSD),
}

SPARQL_PREFIXES = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()) + "\n"

# The causal and supporting relations, authored as edge statements (docs/data-model.md).
EDGE_PREDICATES: tuple[str, ...] = (
    "influencesPositively",
    "mitigates",
    "causes",
    "hurts",
    "applies",
    "focuses",
    "watches",
    "supports",
    "addresses",
    "signals",
)

# The concept classes, most specific first: a concept's display type is the first it belongs to.
CONCEPT_CLASSES: tuple[str, ...] = (
    "DiagnosticCapability",
    "ContributingFactor",
    "Value",
    "Mechanism",
    "InputMetric",
    "Capability",
    "FailureFactor",
    "PositiveOutcome",
    "Practice",
    "Challenge",
    "Stage",
    "DominantProblem",
    "ScalingSignal",
    "StageCharacteristic",
    "Statistic",
    "MechanismGroup",
)


@cache
def supertypes() -> dict[str, tuple[str, ...]]:
    """Each concept class's superclasses among ``CONCEPT_CLASSES``, read from the ontology's
    ``rdfs:subClassOf`` (transitively): a diagnostic capability is also a capability, and so on.
    """
    store = ox.Store()
    for path in ontology_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    query = f"""
        SELECT ?sub ?sup WHERE {{
          ?sub <{RDFS.subClassOf}>+ ?sup .
          FILTER(STRSTARTS(STR(?sub), "{SKG}") && STRSTARTS(STR(?sup), "{SKG}"))
        }}"""
    found: dict[str, list[str]] = {}
    for row in solutions(store.query(query)):
        sub, sup = term_text(row["sub"]), term_text(row["sup"])
        sub, sup = local_name(sub), local_name(sup)
        if sub in CONCEPT_CLASSES and sup in CONCEPT_CLASSES and sub != sup:
            found.setdefault(sub, []).append(sup)
    return {sub: tuple(sorted(sups)) for sub, sups in sorted(found.items())}


def local_name(iri: str) -> str:
    """The part of an IRI after the last '#' or '/'."""
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1]
    return iri
