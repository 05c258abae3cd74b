"""The RDF form of an assessment and its SHACL shapes: a valid snippet and invalid ones."""

import pytest
from rdflib import Literal, URIRef
from rdflib import namespace as ns

from scalekg.graph.assessment import AssessmentValidationError, prepare, shapes
from scalekg.graph.assessment import rdf as arf
from scalekg.graph.namespaces import KG

from .conftest import tiny_document

SKA = arf.SKA


@pytest.fixture
def assessment(tiny_kg):
    doc = tiny_document(
        note="A <b>note</b>",
        dora=[{"metric": "o1", "value": 2.5, "unit": "days"}],
        signals=[{"signal": "s1", "note": "seen twice"}],
        failures=[{"factor": "f4", "severity": "high", "note": "every week"}],
        headcount_12_months_ago=60,
        headcount_plan=200,
    )
    doc["capabilities"][0].update(target_depth=3, target_width=4, effort="S")
    doc["capabilities"].append({"capability": "c4", "applicable": False})
    return prepare(tiny_kg, doc)


def test_round_trip(assessment):
    g = arf.to_graph(assessment)
    back = arf.from_graph(g, assessment.id)
    assert back.document == assessment.document
    assert back.id == assessment.id


def test_the_rdf_says_what_the_document_says(assessment):
    g = arf.to_graph(assessment)
    a = arf.assessment_iri(assessment.id)
    assert (a, ns.RDF.type, SKA.Assessment) in g
    assert g.value(a, SKA.organisationName) == Literal("Tiny Org")
    assert g.value(a, ns.DCTERMS.date) == Literal("2026-01-15", datatype=ns.XSD.date)
    assert g.value(a, SKA.stage) == KG["late-stage"]
    rating = URIRef(f"{a}#capability-0")
    assert (a, SKA.rating, rating) in g
    assert g.value(rating, SKA.capability) == KG["c1"]
    assert g.value(rating, SKA.depth).toPython() == 2


def test_quads_go_to_the_assessment_named_graph(assessment):
    quads = arf.to_quads(arf.to_graph(assessment), assessment.id)
    graphs = {q.graph_name.value for q in quads}
    assert graphs == {f"https://w3id.org/scalekg/graph/assessment/{assessment.id}"}


def test_valid_graph_conforms(tiny_kg, assessment):
    shapes.check(tiny_kg, arf.to_graph(assessment))  # no exception


def shacl_errors(kg, g) -> dict[str, str]:
    with pytest.raises(AssessmentValidationError) as info:
        shapes.check(kg, g)
    return {e.loc: e.msg for e in info.value.errors}


def test_depth_out_of_range(tiny_kg, assessment):
    g = arf.to_graph(assessment)
    node = URIRef(f"{arf.assessment_iri(assessment.id)}#capability-1")
    g.set((node, SKA.depth, Literal(7)))
    errors = shacl_errors(tiny_kg, g)
    assert errors == {
        "capabilities[1].depth": "must be 0..4 (depth: is the capability mature enough for this scale?)"
    }


def test_reference_of_the_wrong_class(tiny_kg, assessment):
    g = arf.to_graph(assessment)
    node = URIRef(f"{arf.assessment_iri(assessment.id)}#capability-0")
    g.set((node, SKA.capability, KG["f1"]))  # a failure factor, not a capability
    assert shacl_errors(tiny_kg, g) == {
        "capabilities[0].capability": "must name one capability of the graph"
    }


def test_missing_organisation_and_bad_stage(tiny_kg, assessment):
    g = arf.to_graph(assessment)
    a = arf.assessment_iri(assessment.id)
    g.remove((a, SKA.organisationName, None))
    g.set((a, SKA.stage, KG["middle-stage"]))
    errors = shacl_errors(tiny_kg, g)
    assert errors["organisation"].startswith("is required")
    assert errors["stage"] == "must be early or late"


def test_a_capability_rated_twice(tiny_kg, assessment):
    g = arf.to_graph(assessment)
    node = URIRef(f"{arf.assessment_iri(assessment.id)}#capability-1")
    g.set((node, SKA.capability, KG["c1"]))
    errors = shacl_errors(tiny_kg, g)
    assert list(errors.values()) == [f"{KG['c1']} is rated more than once"]


def test_cadence_and_unit(tiny_kg, assessment):
    g = arf.to_graph(assessment)
    a = arf.assessment_iri(assessment.id)
    g.set((URIRef(f"{a}#mechanism-0"), SKA.cadence, Literal("fortnightly")))
    g.remove((URIRef(f"{a}#dora-0"), SKA.unit, None))
    errors = shacl_errors(tiny_kg, g)
    assert errors["mechanisms[0].cadence"].startswith("must be daily, weekly")
    assert errors["dora[0].unit"] == "is required: the unit of the value"


def test_field_for_node():
    base = "https://w3id.org/scalekg/assessment/0123456789abcdef"
    assert arf.field_for_node(base + "#input-metric-2") == "input_metrics[2]"
    assert arf.field_for_node(base + "#capability-10") == "capabilities[10]"
    assert arf.field_for_node(base) is None


def test_the_vocabulary_file_declares_every_term_used(assessment):
    from pathlib import Path

    from rdflib import Graph

    vocab = Graph().parse(
        Path(__file__).resolve().parents[2] / "ontology" / "assessment" / "assessment.ttl"
    )
    declared = set(vocab.subjects(ns.RDF.type, None))
    used = set()
    for _s, p, o in arf.to_graph(assessment):
        used |= {t for t in (p, o) if isinstance(t, URIRef) and str(t).startswith(str(SKA))}
    assert used and used <= declared, used - declared


def test_the_new_fields_are_in_the_rdf_and_checked(tiny_kg, assessment):
    g = arf.to_graph(assessment)
    a = arf.assessment_iri(assessment.id)
    assert g.value(a, SKA.headcountPlan).toPython() == 200
    failure = URIRef(f"{a}#failure-0")
    assert g.value(failure, SKA.failureFactor) == KG["f4"]
    assert g.value(failure, SKA.severity) == Literal("high")
    na = URIRef(f"{a}#capability-3")
    assert g.value(na, SKA.applicable).toPython() is False and g.value(na, SKA.depth) is None
    g.set((failure, SKA.severity, Literal("apocalyptic")))
    g.set((URIRef(f"{a}#capability-0"), SKA.effort, Literal("XL")))
    g.remove((URIRef(f"{a}#capability-1"), SKA.depth, None))  # applicable, so needs a depth
    errors = shacl_errors(tiny_kg, g)
    assert errors["failures[0].severity"] == "must be low, medium or high"
    assert errors["capabilities[0].effort"] == "must be S, M or L"
    assert errors["capabilities[1]"] == "an applicable capability needs both depth and width (0..4)"
