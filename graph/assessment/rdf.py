"""An assessment to RDF and back, and to pyoxigraph quads in its own named graph.

Vocabulary (``ska:``, see ontology/assessment/assessment.ttl)::

    <https://w3id.org/scalekg/assessment/ID> a ska:Assessment ;
        ska:organisationName "Acme" ; dcterms:date "2025-03-01"^^xsd:date ;
        ska:stage kg:late-stage ; ska:headcount 180 ; dcterms:created "…"^^xsd:dateTime ;
        ska:rating <…/ID#capability-0> ; ska:mechanismUse <…/ID#mechanism-0> ;
        ska:observation <…/ID#signal-0> ; ska:metricUse <…/ID#input-metric-0> ;
        ska:measurement <…/ID#dora-0> ; ska:failureObservation <…/ID#failure-0> .
    <…/ID#capability-0> a ska:CapabilityRating ; ska:position 0 ;
        ska:capability kg:continuous-software-delivery ; ska:depth 2 ; ska:width 1 ; ska:note "…" .

Items are IRIs (not blank nodes) numbered by their position in the document, so a SHACL result
on an item maps back to the field it came from (``capabilities[3]``), and the round trip keeps
the order.
"""

from datetime import date
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from rdflib.term import Node

from ..namespaces import ASSESSMENT_GRAPH_BASE, KG, local_name
from .model import Assessment, AssessmentDocument

SKA = Namespace("https://w3id.org/scalekg/assessment#")
ASSESSMENT_BASE = "https://w3id.org/scalekg/assessment/"

# list field -> (item class, link from the assessment, item key, reference property, fragment)
ITEMS: dict[str, tuple[str, str, str, str, str]] = {
    "capabilities": ("CapabilityRating", "rating", "capability", "capability", "capability"),
    "mechanisms": ("MechanismUse", "mechanismUse", "mechanism", "mechanism", "mechanism"),
    "signals": ("SignalObservation", "observation", "signal", "signal", "signal"),
    "input_metrics": ("InputMetricUse", "metricUse", "metric", "inputMetric", "input-metric"),
    "dora": ("DoraMeasurement", "measurement", "metric", "outcome", "dora"),
    "failures": ("FailureObservation", "failureObservation", "factor", "failureFactor", "failure"),
}
# item attributes other than the reference: field -> (property, datatype)
ATTRIBUTES: dict[str, tuple[str, URIRef | None]] = {
    "depth": ("depth", XSD.integer),
    "width": ("width", XSD.integer),
    "applicable": ("applicable", XSD.boolean),
    "target_depth": ("targetDepth", XSD.integer),
    "target_width": ("targetWidth", XSD.integer),
    "effort": ("effort", XSD.string),
    "severity": ("severity", XSD.string),
    "in_place": ("inPlace", XSD.boolean),
    "tracked": ("tracked", XSD.boolean),
    "observed": ("observed", XSD.boolean),
    "cadence": ("cadence", XSD.string),
    "value": ("value", XSD.decimal),
    "unit": ("unit", XSD.string),
    "note": ("note", XSD.string),
}
# assessment-level head counts: field -> property
HEADCOUNTS = {"headcount_12_months_ago": "headcount12MonthsAgo", "headcount_plan": "headcountPlan"}
FRAGMENT_TO_FIELD = {spec[4]: name for name, spec in ITEMS.items()}


def assessment_iri(assessment_id: str) -> URIRef:
    return URIRef(ASSESSMENT_BASE + assessment_id)


def graph_iri(assessment_id: str) -> str:
    return ASSESSMENT_GRAPH_BASE + assessment_id


def _literal(value: object, datatype: URIRef | None) -> Literal:
    if datatype == XSD.decimal:
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    if datatype == XSD.boolean:
        return Literal(bool(value), datatype=XSD.boolean)
    if datatype == XSD.integer:
        return Literal(int(str(value)), datatype=XSD.integer)
    return Literal(str(value))  # a simple literal is an xsd:string (RDF 1.1)


def to_graph(assessment: Assessment) -> Graph:
    """The assessment as an rdflib Graph (the content of its named graph)."""
    doc = assessment.document
    g = Graph()
    g.bind("ska", SKA)
    g.bind("kg", KG)
    g.bind("dcterms", DCTERMS)
    a = assessment_iri(assessment.id)
    g.add((a, RDF.type, SKA.Assessment))
    g.add((a, DCTERMS.identifier, Literal(assessment.id)))
    g.add((a, SKA.organisationName, Literal(doc.organisation)))
    g.add((a, DCTERMS.date, Literal(doc.date.isoformat(), datatype=XSD.date)))
    g.add((a, SKA.stage, KG[f"{doc.stage}-stage"]))
    g.add((a, SKA.headcount, Literal(doc.headcount, datatype=XSD.integer)))
    for name, prop in HEADCOUNTS.items():
        if (value := getattr(doc, name)) is not None:
            g.add((a, SKA[prop], Literal(value, datatype=XSD.integer)))
    if doc.note:
        g.add((a, SKA.note, Literal(doc.note)))
    if assessment.created:
        g.add((a, DCTERMS.created, Literal(assessment.created, datatype=XSD.dateTime)))
    if assessment.snapshot:
        g.add((a, SKA.snapshot, Literal(assessment.snapshot)))
    for list_name, (cls, link, key, ref_prop, fragment) in ITEMS.items():
        for i, item in enumerate(getattr(doc, list_name)):
            node = URIRef(f"{a}#{fragment}-{i}")
            g.add((a, SKA[link], node))
            g.add((node, RDF.type, SKA[cls]))
            g.add((node, SKA.position, Literal(i, datatype=XSD.integer)))
            g.add((node, SKA[ref_prop], KG[getattr(item, key)]))
            for name, (prop, datatype) in ATTRIBUTES.items():
                value = getattr(item, name, None)
                if value is not None:
                    g.add((node, SKA[prop], _literal(value, datatype)))
    return g


def _required(g: Graph, subject: Node, predicate: URIRef) -> Literal:
    """The literal value of a field every stored assessment has; KeyError when it is missing."""
    value = g.value(subject, predicate)
    if not isinstance(value, Literal):
        raise KeyError(f"{subject} has no literal {predicate}")
    return value


def _python(node: Node | None) -> object:
    if node is None:
        return None
    if isinstance(node, Literal):
        value = node.toPython()
        if isinstance(value, Decimal):
            return float(value)
        return value
    return local_name(str(node))


def from_graph(g: Graph, assessment_id: str) -> Assessment:
    """Read an assessment back from its named graph's triples."""
    a = assessment_iri(assessment_id)
    if (a, RDF.type, SKA.Assessment) not in g:
        raise KeyError(assessment_id)
    data: dict[str, object] = {
        "organisation": str(g.value(a, SKA.organisationName)),
        "date": _required(g, a, DCTERMS.date).toPython(),
        "stage": local_name(str(g.value(a, SKA.stage))).removesuffix("-stage"),
        "headcount": int(str(_required(g, a, SKA.headcount))),
    }
    if (note := g.value(a, SKA.note)) is not None:
        data["note"] = str(note)
    for name, prop in HEADCOUNTS.items():
        if (value := g.value(a, SKA[prop])) is not None:
            data[name] = int(str(value))
    for list_name, (_cls, link, key, ref_prop, _fragment) in ITEMS.items():
        items = []
        for node in g.objects(a, SKA[link]):
            item: dict[str, object] = {key: _python(g.value(node, SKA[ref_prop]))}
            for name, (prop, _datatype) in ATTRIBUTES.items():
                value = g.value(node, SKA[prop])
                if value is not None:
                    item[name] = _python(value)
            items.append((int(str(_required(g, node, SKA.position))), item))
        data[list_name] = [item for _pos, item in sorted(items, key=lambda pair: pair[0])]
    if isinstance(data["date"], str):
        data["date"] = date.fromisoformat(data["date"])
    doc = AssessmentDocument.model_validate(data)
    created = g.value(a, DCTERMS.created)
    snapshot = g.value(a, SKA.snapshot)
    return Assessment(
        doc,
        id=assessment_id,
        created=str(created) if created is not None else "",
        snapshot=str(snapshot) if snapshot is not None else "",
    )


# ---- rdflib <-> pyoxigraph terms ---------------------------------------------------------------


def to_ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = term.datatype or XSD.string
        return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
    return ox.BlankNode(str(term))


def from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    from rdflib import BNode

    return BNode(str(getattr(term, "value", term)))


def to_quads(g: Graph, assessment_id: str) -> list[ox.Quad]:
    graph_name = ox.NamedNode(graph_iri(assessment_id))
    quads = []
    for s, p, o in sorted(g):
        subject, predicate = to_ox(s), to_ox(p)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            raise ValueError(f"not an RDF triple: {s} {p} {o}")
        quads.append(ox.Quad(subject, predicate, to_ox(o), graph_name))
    return quads


def graph_from_quads(quads) -> Graph:
    g = Graph()
    for quad in quads:
        g.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return g


def field_for_node(node: str) -> str | None:
    """``…/ID#capability-3`` -> ``capabilities[3]``; the assessment itself -> None."""
    if "#" not in node:
        return None
    fragment = node.rsplit("#", 1)[1]
    name, _, index = fragment.rpartition("-")
    list_name = FRAGMENT_TO_FIELD.get(name)
    if list_name is None or not index.isdigit():
        return None
    return f"{list_name}[{index}]"
