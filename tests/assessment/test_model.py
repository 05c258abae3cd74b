"""The document: pydantic first, then references resolved against the graph; errors at fields."""

import pytest

from scalekg.graph.assessment import AssessmentValidationError, prepare, prepare_text
from scalekg.graph.assessment.model import parse_text, validate_document


def base(**overrides) -> dict:
    doc = {
        "organisation": "Acme",
        "date": "2026-03-01",
        "stage": "late",
        "headcount": 180,
        "capabilities": [
            {"capability": "continuous-software-delivery", "depth": 2, "width": 1},
            {"capability": "Cost to serve management", "depth": 3, "width": 3},
            {"capability": "team topology", "depth": 1, "width": 1},
            {"capability": "westrum-generative-culture", "depth": 2, "width": 2},
        ],
    }
    doc.update(overrides)
    return doc


def errors_of(kg, doc) -> dict[str, str]:
    with pytest.raises(AssessmentValidationError) as info:
        prepare(kg, doc)
    return {e.loc: e.msg for e in info.value.errors}


def test_a_valid_document_resolves_labels_to_slugs(kg):
    a = prepare(kg, base())
    assert [c.capability for c in a.document.capabilities] == [
        "continuous-software-delivery",
        "cost-to-serve-management",
        "team-topology-and-structure",
        "westrum-generative-culture",
    ]
    assert len(a.id) == 16 and a.snapshot == kg.snapshot_hash


def test_depth_out_of_range_points_at_the_field(kg):
    doc = base()
    doc["capabilities"][3]["depth"] = 5
    assert errors_of(kg, doc) == {"capabilities[3].depth": "must be 0..4 (got 5)"}


@pytest.mark.parametrize("bad", [-1, "deep", 2.5, True])
def test_width_must_be_a_whole_number_0_to_4(kg, bad):
    doc = base()
    doc["capabilities"][0]["width"] = bad
    assert errors_of(kg, doc) == {"capabilities[0].width": f"must be 0..4 (got {bad!r})"}


def test_a_missing_width_needs_a_value_or_not_applicable(kg):
    doc = base()
    doc["capabilities"][0]["width"] = None
    assert errors_of(kg, doc) == {
        "capabilities[0].width": "is required (0..4), or say applicable: no"
    }
    doc["capabilities"][0] = {"capability": "internationalization", "applicable": False}
    a = prepare(kg, doc)
    assert a.document.capabilities[0].rated is False
    doc["capabilities"][0]["depth"] = 2
    assert errors_of(kg, doc) == {
        "capabilities[0].depth": "leave it out when the capability is not applicable"
    }


def test_new_fields_get_field_pointed_errors(kg):
    doc = base(
        headcount_12_months_ago=0,
        headcount_plan="lots",
        failures=[
            {"factor": "handovers cause waste", "severity": "terrible"},
            {"factor": "sharks with lasers"},
            "Hiring too many people too early",
        ],
    )
    doc["capabilities"][0].update(target_depth=1, effort="XL")  # target below depth 2
    doc["capabilities"][1].update(target_width=9)
    errors = errors_of(kg, doc)
    assert errors["headcount_12_months_ago"].startswith(
        "input should be greater than or equal to 1"
    )
    assert errors["headcount_plan"].startswith("input should be a valid integer")
    assert errors["failures[0].severity"] == "must be low, medium or high (got 'terrible')"
    assert errors["capabilities[0].effort"] == "must be S, M or L (got 'XL')"
    assert errors["capabilities[1].target_width"] == "must be 0..4 (got 9)"
    doc = base(failures=[{"factor": "sharks with lasers"}, "hiring too many people too early"])
    doc["capabilities"][0].update(target_depth=1)
    errors = errors_of(kg, doc)
    assert errors == {"capabilities[0].target_depth": "is below the current depth (2)"}
    doc["capabilities"][0].update(target_depth=3)
    errors = errors_of(kg, doc)
    assert list(errors) == ["failures[0].factor"]
    assert errors["failures[0].factor"] == "unknown failure factor 'sharks with lasers'"
    doc["failures"][0] = {"factor": "Handovers cause waste", "severity": "HIGH"}
    a = prepare(kg, doc)
    assert [(f.factor, f.severity) for f in a.document.failures] == [
        ("handovers-cause-waste", "high"),
        ("hiring-too-many-people-too-early", "medium"),
    ]


@pytest.mark.parametrize(
    ("metric", "value", "unit", "loc", "msg"),
    [
        (
            "deployment-frequency",
            3,
            "days",
            "dora[0].unit",
            "must be one of per-day, per-week, per-month for deployment-frequency",
        ),
        (
            "lead-time-for-changes",
            3,
            "per-day",
            "dora[0].unit",
            "must be one of hours, days, weeks, months for lead-time-for-changes",
        ),
        ("change-fail-rate", 140, "percent", "dora[0].value", "a percentage is 0..100 (got 140)"),
        (
            "change-fail-rate",
            -1,
            "percent",
            "dora[0].value",
            "input should be greater than or equal to 0",
        ),
    ],
)
def test_dora_units_and_values_are_checked(kg, metric, value, unit, loc, msg):
    doc = base(dora=[{"metric": metric, "value": value, "unit": unit}])
    assert errors_of(kg, doc) == {loc: msg}


def test_a_v1_document_keeps_its_id(kg):
    # the fields added with model v2 are left out of the id while unused
    a = prepare(kg, base())
    assert '"applicable"' not in a.document.canonical_json()
    assert '"failures"' not in a.document.canonical_json()
    b = prepare(kg, base(failures=["handovers cause waste"]))
    assert a.id != b.id


def test_several_errors_are_all_reported(kg):
    doc = base(stage="mid", headcount=0, colour="blue")
    del doc["organisation"]
    errors = errors_of(kg, doc)
    assert errors["organisation"] == "is required"
    assert errors["stage"].startswith("must be early or late")
    assert errors["headcount"].startswith("input should be greater than or equal to 1")
    assert errors["colour"].startswith("is not a field of an assessment")


def test_unknown_capability_has_suggestions(kg):
    doc = base()
    doc["capabilities"][1]["capability"] = "continous delivery pipelines"
    with pytest.raises(AssessmentValidationError) as info:
        prepare(kg, doc)
    [error] = info.value.errors
    assert error.loc == "capabilities[1].capability"
    assert error.msg == "unknown capability 'continous delivery pipelines'"
    assert "continuous-software-delivery" in [s["id"] for s in error.suggestions]
    assert "did you mean" in error.render()


def test_a_concept_of_another_kind_is_not_a_capability(kg):
    doc = base()
    doc["capabilities"][2]["capability"] = "premature-scaling"  # a failure factor
    assert errors_of(kg, doc) == {
        "capabilities[2].capability": "unknown capability 'premature-scaling'"
    }


def test_duplicates_are_errors(kg):
    doc = base()
    doc["capabilities"][3]["capability"] = "Continuous software delivery"
    assert errors_of(kg, doc) == {
        "capabilities[3].capability": "continuous-software-delivery is already given at capabilities[0]"
    }


def test_mechanisms_signals_metrics_and_dora(kg):
    doc = base(
        mechanisms=["1:1", {"mechanism": "QBR", "in_place": False, "cadence": "Quarterly"}],
        signals=[
            "the founder becomes a bottleneck",
            {"signal": "too few good managers", "observed": False},
        ],
        input_metrics=["DORA metrics"],
        dora=[{"metric": "Lead time for changes", "value": 4, "unit": "days"}],
    )
    d = prepare(kg, doc).document
    assert [(m.mechanism, m.in_place, m.cadence) for m in d.mechanisms] == [
        ("one-on-one", True, None),
        ("quarterly-business-review", False, "quarterly"),
    ]
    assert [(s.signal, s.observed) for s in d.signals] == [
        ("founder-becomes-a-bottleneck", True),
        ("too-few-good-managers", False),
    ]
    assert [m.metric for m in d.input_metrics] == ["dora-metrics"]
    assert [(m.metric, m.value, m.unit) for m in d.dora] == [("lead-time-for-changes", 4.0, "days")]


def test_reference_errors_name_their_list(kg):
    doc = base(
        mechanisms=[{"mechanism": "daily standup of doom", "cadence": "fortnightly"}],
        signals=["cats on keyboards"],
        dora=[{"metric": "lead-time-for-changes", "value": 1, "unit": "parsecs"}],
    )
    errors = errors_of(kg, doc)
    assert errors["mechanisms[0].cadence"].startswith("must be one of daily, weekly")
    assert errors["dora[0].unit"] == (
        "must be one of hours, days, weeks, months for lead-time-for-changes"
    )
    doc = base(signals=["cats on keyboards"], input_metrics=["vibes"])
    errors = errors_of(kg, doc)
    assert errors["signals[0].signal"] == "unknown scaling signal 'cats on keyboards'"
    assert errors["input_metrics[0].metric"] == "unknown input metric 'vibes'"


def test_at_least_one_capability(kg):
    assert errors_of(kg, base(capabilities=[])) == {"capabilities": "rate at least one capability"}


def test_yaml_and_json_text(kg):
    yaml_text = (
        "organisation: Acme\ndate: 2026-03-01\nstage: early\nheadcount: 12\n"
        "capabilities:\n  - {capability: lean-product-development, depth: 1, width: 2}\n"
        "mechanisms:\n  - {mechanism: planning, in_place: yes}\n"
    )
    a = prepare_text(kg, yaml_text)
    assert a.document.mechanisms[0].in_place is True
    b = prepare_text(
        kg,
        '{"organisation": "Acme", "date": "2026-03-01", "stage": "early", '
        '"headcount": 12, "capabilities": [{"capability": "lean-product-development", '
        '"depth": 1, "width": 2}], "mechanisms": [{"mechanism": "planning"}]}',
        "json",
    )
    assert a.document == b.document and a.id == b.id  # same content, same id


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("organisation: [unclosed", None, "is not valid YAML"),
        ('{"organisation": ', "json", "is not valid JSON"),
        ("- just\n- a list\n", None, "must be a mapping"),
    ],
)
def test_unparseable_text(text, fmt, message):
    with pytest.raises(AssessmentValidationError) as info:
        validate_document(parse_text(text, fmt))
    assert info.value.errors[0].loc == "(document)"
    assert message in info.value.errors[0].msg


def test_early_stage_with_a_large_headcount_warns(kg):
    doc = base(
        stage="early",
        headcount=300,
        capabilities=[{"capability": "lean-product-development", "depth": 1, "width": 1}],
    )
    assert "slide 10" in prepare(kg, doc).warnings[0]
