"""Property-based fuzzing of the assessment parser (hypothesis), issue 11.

The invariant: every body gets a field-pointed 4xx or is stored, never a 5xx. ``parse_text`` and
``prepare_text`` may only raise AssessmentValidationError; over HTTP (the app, in process: a 500
raises in the test client) the answer is 200/201 or a 4xx in the one error shape. Generated
bodies: JSON and YAML documents of any shape, deep nesting, huge numbers, odd Unicode, YAML tags
and aliases, and near-valid assessments with one field mutated."""

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalekg.graph.assessment import prepare_text
from scalekg.graph.assessment.model import AssessmentValidationError, parse_text

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**4000), max_value=10**4000),  # json.dumps stops at 4,300 digits
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
FIELDS = ["organisation", "date", "stage", "headcount", "note", "capabilities", "mechanisms",
          "signals", "input_metrics", "dora"]  # fmt: skip
near_valid = st.builds(
    lambda field, value: {
        "organisation": "Acme",
        "date": "2024-03-01",
        "stage": "early",
        "headcount": 40,
        "capabilities": [{"capability": "continuous-delivery", "depth": 2, "width": 1}],
        field: value,
    },
    st.sampled_from(FIELDS),
    json_values,
)
raw_texts = st.one_of(
    st.text(max_size=300),
    st.builds(lambda n, c: c[0] * n + c[1] * n, st.integers(0, 20000), st.sampled_from(["[]", "{}"])),
    st.builds(lambda n: "a: " + "9" * n, st.integers(1, 9000)),
    st.builds(lambda n: '{"headcount": ' + "9" * n + "}", st.integers(4000, 9000)),
    st.sampled_from([
        "a: &x [1, 2]\nb: [*x, *x, *x]",
        "!!python/object/apply:os.system ['true']",
        "a: !!binary aGVsbG8=",
        "? [1, 2]\n: x",
        "date: 9999-12-31",
        "headcount: 1e400",
        "\ufeff{}",
        "{\"a\": NaN}",
    ]),
)  # fmt: skip


def serialise(doc, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, allow_nan=True)
    return yaml.safe_dump(doc, allow_unicode=True)


@FUZZ
@given(st.one_of(raw_texts, json_values.map(json.dumps)), st.sampled_from(["json", "yaml", None]))
def test_parse_text_only_ever_raises_a_validation_error(text, fmt):
    try:
        parse_text(text, fmt)
    except AssessmentValidationError as exc:
        assert exc.errors and all(e.loc and e.msg for e in exc.errors)
        assert all(len(e.msg) < 1000 for e in exc.errors)


@FUZZ
@given(st.one_of(near_valid, json_values), st.sampled_from(["json", "yaml"]))
def test_prepare_text_only_ever_raises_a_validation_error(tiny_kg_once, doc, fmt):
    try:
        prepare_text(tiny_kg_once, serialise(doc, fmt), fmt)
    except AssessmentValidationError as exc:
        assert exc.errors


@pytest.fixture(scope="module")
def tiny_kg_once():
    from .conftest import build_tiny_kg

    return build_tiny_kg()


@FUZZ
@given(
    st.one_of(near_valid.map(json.dumps), json_values.map(json.dumps), raw_texts),
    st.sampled_from(["application/json", "application/yaml", "text/plain", "application/x-www-form-urlencoded"]),
)  # fmt: skip
def test_posting_anything_is_stored_or_a_4xx(fresh_client, body, content_type):
    r = fresh_client.post(
        "/api/assessments", content=body.encode("utf-8"), headers={"Content-Type": content_type}
    )
    assert r.status_code in (200, 201) or 400 <= r.status_code < 500, r.text[:300]
    if r.status_code >= 400:
        err = r.json()
        assert err["error"] and err["message"]
