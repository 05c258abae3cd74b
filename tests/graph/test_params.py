"""graph.params: one table of names for stages, types and relations, used by every front door."""

import pytest

from scalekg.graph.assessment.model import STAGE_IRIS
from scalekg.graph.namespaces import CONCEPT_CLASSES, EDGE_PREDICATES
from scalekg.graph.params import (
    RELATION_NAMES,
    STAGES,
    UnknownName,
    aliases,
    name_key,
    parse_relation,
    parse_stage,
    parse_type,
    type_aliases,
)


@pytest.mark.parametrize("text", ["early", "Early", "early-stage", "early stage", "EARLY_STAGE"])
def test_stage_spellings(text):
    assert parse_stage(text) == "early-stage"


def test_unknown_stage_lists_the_stages():
    with pytest.raises(UnknownName) as info:
        parse_stage("middle")
    assert info.value.allowed == list(STAGES) and "middle" in str(info.value)


def test_relations_by_predicate_or_reading():
    for predicate, (forward, _backward) in RELATION_NAMES.items():
        assert parse_relation(predicate) == parse_relation(forward) == predicate
    assert set(RELATION_NAMES) == set(EDGE_PREDICATES)
    with pytest.raises(UnknownName):
        parse_relation("likes")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("failure-factor", "FailureFactor"),
        ("failure factors", "FailureFactor"),
        ("capabilities", "Capability"),
        ("Values", "Value"),
        ("diagnosticcapability", "DiagnosticCapability"),
    ],
)
def test_type_spellings(text, name):
    assert parse_type(text, CONCEPT_CLASSES) == name


def test_the_assessment_stages_are_the_graph_stages():
    assert sorted(STAGE_IRIS.values()) == sorted(STAGES)
    assert all(parse_stage(short) == stage for short, stage in STAGE_IRIS.items())


def test_the_page_gets_tables_keyed_like_the_server():
    tables = aliases({k: [v] for k, v in type_aliases(["FailureFactor"]).items()})
    assert tables["stages"][name_key("Late stage")] == "late-stage"
    assert tables["relations"][name_key("influences")] == "influencesPositively"
    assert tables["types"][name_key("failure-factors")] == ["FailureFactor"]
