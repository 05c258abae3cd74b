"""SHACL shapes for an assessment's named graph, and the check that maps results to fields.

The shapes run after pydantic and reference resolution, on the RDF that would be stored, joined
with the type of every concept it references (so ``sh:class skg:Capability`` can be checked
without loading the whole graph). They are the contract of the stored form: another writer (a
SPARQL UPDATE, a bulk import) is held to the same rules.
"""

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from ..model import KnowledgeGraph
from ..namespaces import SKG, local_name
from .model import AssessmentValidationError, FieldError
from .rdf import ATTRIBUTES, ITEMS, SKA, field_for_node

SHAPES_TTL = """
@prefix sh:      <http://www.w3.org/ns/shacl#> .
@prefix skg:     <https://w3id.org/scalekg/ontology#> .
@prefix ska:     <https://w3id.org/scalekg/assessment#> .
@prefix kg:      <https://w3id.org/scalekg/id/> .
@prefix shpa:    <https://w3id.org/scalekg/shapes/assessment#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

shpa: sh:declare [ sh:prefix "ska" ; sh:namespace "https://w3id.org/scalekg/assessment#"^^xsd:anyURI ] .

shpa:AssessmentShape a sh:NodeShape ;
    sh:targetClass ska:Assessment ;
    sh:nodeKind sh:IRI ;
    sh:property [ sh:path ska:organisationName ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:datatype xsd:string ; sh:minLength 1 ; sh:maxLength 200 ;
                  sh:name "organisation" ;
                  sh:message "is required: the organisation's name (1 to 200 characters)" ] ;
    sh:property [ sh:path dcterms:date ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:date ;
                  sh:name "date" ; sh:message "is required: the date of the assessment" ] ;
    sh:property [ sh:path ska:stage ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:in ( kg:early-stage kg:late-stage ) ;
                  sh:name "stage" ; sh:message "must be early or late" ] ;
    sh:property [ sh:path ska:headcount ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:datatype xsd:integer ; sh:minInclusive 1 ;
                  sh:name "headcount" ; sh:message "must be a whole number of people, at least 1" ] ;
    sh:property [ sh:path ska:rating ; sh:minCount 1 ; sh:class ska:CapabilityRating ;
                  sh:name "capabilities" ; sh:message "rate at least one capability" ] ;
    sh:property [ sh:path ska:note ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:name "note" ; sh:message "at most one note, a string" ] ;
    sh:property [ sh:path ska:headcount12MonthsAgo ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                  sh:minInclusive 1 ; sh:name "headcount_12_months_ago" ;
                  sh:message "must be a whole number of people, at least 1" ] ;
    sh:property [ sh:path ska:headcountPlan ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                  sh:minInclusive 1 ; sh:name "headcount_plan" ;
                  sh:message "must be a whole number of people, at least 1" ] ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "{?ref} is rated more than once" ;
        sh:prefixes shpa: ;
        sh:select \"\"\"
            SELECT $this ?ref WHERE {
                $this ska:rating ?r1 , ?r2 .
                ?r1 ska:capability ?ref . ?r2 ska:capability ?ref .
                FILTER(STR(?r1) < STR(?r2))
            }\"\"\" ] .

shpa:CapabilityRatingShape a sh:NodeShape ;
    sh:targetClass ska:CapabilityRating ;
    sh:property [ sh:path ska:capability ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:class skg:Capability ; sh:name "capability" ;
                  sh:message "must name one capability of the graph" ] ;
    sh:property [ sh:path ska:depth ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                  sh:minInclusive 0 ; sh:maxInclusive 4 ; sh:name "depth" ;
                  sh:message "must be 0..4 (depth: is the capability mature enough for this scale?)" ] ;
    sh:property [ sh:path ska:width ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                  sh:minInclusive 0 ; sh:maxInclusive 4 ; sh:name "width" ;
                  sh:message "must be 0..4 (width: is it broad enough across the organization?)" ] ;
    sh:property [ sh:path ska:applicable ; sh:maxCount 1 ; sh:datatype xsd:boolean ;
                  sh:name "applicable" ; sh:message "must be yes or no" ] ;
    sh:property [ sh:path ska:targetDepth ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                  sh:minInclusive 0 ; sh:maxInclusive 4 ; sh:name "target_depth" ;
                  sh:message "must be 0..4" ] ;
    sh:property [ sh:path ska:targetWidth ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                  sh:minInclusive 0 ; sh:maxInclusive 4 ; sh:name "target_width" ;
                  sh:message "must be 0..4" ] ;
    sh:property [ sh:path ska:effort ; sh:maxCount 1 ; sh:in ( "S" "M" "L" ) ;
                  sh:name "effort" ; sh:message "must be S, M or L" ] ;
    sh:property [ sh:path ska:note ; sh:maxCount 1 ; sh:datatype xsd:string ; sh:name "note" ;
                  sh:message "at most one note, a string" ] ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "an applicable capability needs both depth and width (0..4)" ;
        sh:prefixes shpa: ;
        sh:select \"\"\"
            SELECT $this WHERE {
                FILTER NOT EXISTS { $this ska:applicable false }
                FILTER (NOT EXISTS { $this ska:depth ?d } || NOT EXISTS { $this ska:width ?w })
            }\"\"\" ] .

shpa:FailureObservationShape a sh:NodeShape ;
    sh:targetClass ska:FailureObservation ;
    sh:property [ sh:path ska:failureFactor ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:class skg:FailureFactor ; sh:name "factor" ;
                  sh:message "must name one failure factor of the graph" ] ;
    sh:property [ sh:path ska:severity ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:in ( "low" "medium" "high" ) ; sh:name "severity" ;
                  sh:message "must be low, medium or high" ] .

shpa:MechanismUseShape a sh:NodeShape ;
    sh:targetClass ska:MechanismUse ;
    sh:property [ sh:path ska:mechanism ; sh:minCount 1 ; sh:maxCount 1 ; sh:class skg:Mechanism ;
                  sh:name "mechanism" ; sh:message "must name one mechanism of the graph" ] ;
    sh:property [ sh:path ska:inPlace ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:boolean ;
                  sh:name "in_place" ; sh:message "must be yes or no" ] ;
    sh:property [ sh:path ska:cadence ; sh:maxCount 1 ;
                  sh:in ( "daily" "weekly" "bi-weekly" "monthly" "quarterly" "yearly" "ad-hoc" ) ;
                  sh:name "cadence" ;
                  sh:message "must be daily, weekly, bi-weekly, monthly, quarterly, yearly or ad-hoc" ] .

shpa:SignalObservationShape a sh:NodeShape ;
    sh:targetClass ska:SignalObservation ;
    sh:property [ sh:path ska:signal ; sh:minCount 1 ; sh:maxCount 1 ; sh:class skg:ScalingSignal ;
                  sh:name "signal" ; sh:message "must name one scaling signal of the graph (slide 11)" ] ;
    sh:property [ sh:path ska:observed ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:boolean ;
                  sh:name "observed" ; sh:message "must be yes or no" ] .

shpa:InputMetricUseShape a sh:NodeShape ;
    sh:targetClass ska:InputMetricUse ;
    sh:property [ sh:path ska:inputMetric ; sh:minCount 1 ; sh:maxCount 1 ; sh:class skg:InputMetric ;
                  sh:name "metric" ; sh:message "must name one input metric of the graph" ] ;
    sh:property [ sh:path ska:tracked ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:boolean ;
                  sh:name "tracked" ; sh:message "must be yes or no" ] .

shpa:DoraMeasurementShape a sh:NodeShape ;
    sh:targetClass ska:DoraMeasurement ;
    sh:property [ sh:path ska:outcome ; sh:minCount 1 ; sh:maxCount 1 ; sh:class skg:PositiveOutcome ;
                  sh:name "metric" ; sh:message "must name one DORA metric (slide 27)" ] ;
    sh:property [ sh:path ska:value ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:decimal ;
                  sh:minInclusive 0 ; sh:name "value" ; sh:message "must be a number, 0 or more" ] ;
    sh:property [ sh:path ska:unit ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:name "unit" ; sh:message "is required: the unit of the value" ] .
"""

_SHAPES: Graph | None = None

# property local name -> field name in the document, for messages
PROPERTY_FIELDS: dict[str, str] = {
    "organisationName": "organisation",
    "date": "date",
    "stage": "stage",
    "headcount": "headcount",
    "rating": "capabilities",
    "note": "note",
    "headcount12MonthsAgo": "headcount_12_months_ago",
    "headcountPlan": "headcount_plan",
    **{spec[3]: spec[2] for spec in ITEMS.values()},
    **{prop: name for name, (prop, _dt) in ATTRIBUTES.items()},
}


def shapes_graph() -> Graph:
    global _SHAPES
    if _SHAPES is None:
        g = Graph()
        g.parse(data=SHAPES_TTL, format="turtle")
        _SHAPES = g
    return _SHAPES


@dataclass(frozen=True)
class ShaclResult:
    focus: str
    path: str
    message: str


def concept_types(kg: KnowledgeGraph, g: Graph) -> Graph:
    """``?c a skg:T`` for every graph concept that ``g`` references (with supertypes)."""
    types = Graph()
    for obj in set(g.objects()):
        concept = kg.concepts.get(str(obj)) if isinstance(obj, URIRef) else None
        if concept is not None:
            for type_name in concept.types:
                types.add((obj, RDF.type, SKG[type_name]))
    return types


def run_shapes(data: Graph) -> list[ShaclResult]:
    conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True
    )
    if conforms:
        return []
    found = []
    for result in results.subjects(SH.resultSeverity, None):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        found.append(
            ShaclResult(
                str(focus), local_name(str(path)) if path is not None else "", str(message or "")
            )
        )
    return sorted(set(found), key=lambda r: (r.focus, r.path, r.message))


def to_field_errors(results: list[ShaclResult]) -> list[FieldError]:
    errors = []
    for r in results:
        base = field_for_node(r.focus)
        name = PROPERTY_FIELDS.get(r.path, r.path)
        parts = [part for part in (base, name) if part]
        loc = ".".join(parts) or "(document)"
        errors.append(FieldError(loc, r.message))
    return errors


def check(kg: KnowledgeGraph, g: Graph) -> None:
    """Raise AssessmentValidationError if the assessment graph ``g`` breaks a shape."""
    data = Graph()
    for triple in g:
        data.add(triple)
    for triple in concept_types(kg, g):
        data.add(triple)
    errors = to_field_errors(run_shapes(data))
    if errors:
        raise AssessmentValidationError(errors)


__all__ = ["SHAPES_TTL", "SKA", "check", "run_shapes", "shapes_graph", "to_field_errors"]
