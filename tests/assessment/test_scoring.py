"""The scoring model, pinned on the tiny graph of conftest.py with numbers computed by hand.

The organisation (``tiny_document``, late stage):
    C1 depth 2 width 4  -> strength (2/4)(4/4) = 0.5
    C2 depth 4 width 2  -> strength (4/4)(2/4) = 0.5
    C3 depth 4 width 4  -> strength 1 (but it only mitigates F3, an early-stage factor)
    C4 not rated        -> strength 0
    signal S1 observed (it signals F1); M1 in place; IM1 tracked.

Failure factors relevant at the late stage: F1, F2, F4, F5 (F3 is early stage only).
"""

import json
import random

import pytest

from scalekg.graph.assessment import prepare
from scalekg.graph.assessment.scoring import (
    DEFAULT,
    Diagnostic,
    analyse,
    exposure_of,
    overlay,
    strength,
)
from scalekg.graph.model import KnowledgeGraph

from .conftest import KG_NS, build_tiny_kg, tiny_document


def by_id(rows):
    return {r["id"]: r for r in rows}


@pytest.fixture
def report(tiny_kg):
    return analyse(tiny_kg, prepare(tiny_kg, tiny_document()))


def test_strength_is_depth_times_width_over_sixteen():
    assert strength(4, 4) == 1.0
    assert strength(2, 4) == 0.5
    assert strength(0, 4) == 0.0  # wide but with no depth counts for nothing
    assert strength(3, 1) == 3 / 16


def test_exposure_is_noisy_or_then_discounted_by_signals():
    # two mitigators 0.5 and 0.25: base = (1-0.5)(1-0.25) = 0.375
    base, exp = exposure_of([(1.0, 0.5), (0.5, 0.5)], 0, DEFAULT)
    assert base == pytest.approx(0.375) and exp == pytest.approx(0.375)
    # one signal keeps 75% of the coverage: 1 - 0.625 * 0.75 = 0.53125
    assert exposure_of([(1.0, 0.5), (0.5, 0.5)], 1, DEFAULT)[1] == pytest.approx(0.53125)
    # two signals: 1 - 0.625 * 0.5625 = 0.6484375
    assert exposure_of([(1.0, 0.5), (0.5, 0.5)], 2, DEFAULT)[1] == pytest.approx(0.6484375)
    # nothing mitigates: fully exposed, whatever the signals say
    assert exposure_of([], 3, DEFAULT) == (1.0, 1.0)


def test_exposure_by_factor(report):
    rows = by_id(report["exposure"])
    # F3 is early stage only: not part of a late-stage diagnosis.
    assert set(rows) == {"f1", "f2", "f4", "f5"}
    # F1: C1 direct (1 x 0.5) and C2 through F2 causes F1 (0.5 x 0.5 = 0.25);
    #     base = (1 - 0.5)(1 - 0.25) = 0.375; S1 observed: 1 - (1 - 0.375) x 0.75 = 0.53125
    assert rows["f1"]["base_exposure"] == 0.375
    assert rows["f1"]["exposure"] == pytest.approx(0.5312, abs=1e-4)
    assert [(m["id"], m["kind"], m["effective"]) for m in rows["f1"]["mitigators"]] == [
        ("c1", "direct", 0.5),
        ("c2", "indirect", 0.25),
    ]
    assert [s["id"] for s in rows["f1"]["signals"]] == ["s1"]
    # F2: C2 direct 0.5. V2 also mitigates F2 but values are not rated: exposure 0.5
    assert rows["f2"]["exposure"] == 0.5
    assert [m["id"] for m in rows["f2"]["mitigators"]] == ["c2"]
    # F4: nothing mitigates it; F5: only C4, not rated. Both fully exposed.
    assert rows["f4"]["exposure"] == 1.0 and rows["f5"]["exposure"] == 1.0
    # Ordered by exposure, then label: F5 "Factor five" < F4 "Factor four" alphabetically.
    assert [r["id"] for r in report["exposure"]] == ["f5", "f4", "f1", "f2"]
    # mean = (1 + 1 + 0.53125 + 0.5) / 4 = 0.7578125
    assert report["summary"]["mean_exposure"] == pytest.approx(0.7578, abs=1e-4)


def test_every_mitigation_carries_its_sourced_chain(report):
    f1 = by_id(report["exposure"])["f1"]
    indirect = f1["mitigators"][1]
    assert indirect["path"] == ["Capability two", "mitigates", "Factor two", "causes", "Factor one"]
    assert [s["predicate"] for s in indirect["steps"]] == ["mitigates", "causes"]
    assert all(s["sources"][0]["locator"] == "slide 1" for s in indirect["steps"])


def test_without_the_signal_f1_is_at_its_base(tiny_kg):
    report = analyse(tiny_kg, prepare(tiny_kg, tiny_document(signals=[])))
    assert by_id(report["exposure"])["f1"]["exposure"] == 0.375


def test_leverage_ranking(report):
    rows = report["leverage"]
    # gain = exposure cut if the capability went to 4x4:
    #   C4: F5 1 -> 0                                   gain 1.0
    #   C2: F2 0.5 -> 0 (0.5); F1: base (1-0.5)(1-0.5) = 0.25, with S1 1 - 0.75 x 0.75 = 0.4375,
    #       cut 0.53125 - 0.4375 = 0.09375              gain 0.59375
    #   C1: F1 base 0 x 0.75 = 0, with S1 1 - 1 x 0.75 = 0.25, cut 0.53125 - 0.25  gain 0.28125
    #   C3: mitigates only F3 (early stage): no gain, not ranked
    assert [r["id"] for r in rows] == ["c4", "c2", "c1"]
    got = by_id(rows)
    assert got["c4"]["gain"] == 1.0
    assert got["c2"]["gain"] == pytest.approx(0.5938, abs=1e-4)
    assert got["c1"]["gain"] == pytest.approx(0.2812, abs=1e-4)
    # MICMAC influence (downstream reach along mitigates/causes/hurts, late-stage nodes):
    #   C1 -> {F1, O1} = 2; C2 -> {F2, F1, O1} = 3; C4 -> {F5} = 1; scaled by the max (3).
    # dependence (upstream along influences/applies/focuses/supports):
    #   C1 <- {V1, M1, M2, IM1} = 4; C2, C4: 0; scaled by 4.
    assert (got["c1"]["influence"], got["c1"]["dependence"]) == (
        pytest.approx(0.6667, abs=1e-4),
        1.0,
    )
    assert (got["c2"]["influence"], got["c2"]["dependence"]) == (1.0, 0.0)
    assert got["c1"]["quadrant"] == "linkage" and got["c2"]["quadrant"] == "driver"
    assert got["c4"]["quadrant"] == "autonomous"
    # leverage = gain x (1 + 0.25 x influence)
    #   C4: 1 x (1 + 0.25/3) = 1.0833; C2: 0.59375 x 1.25 = 0.7422; C1: 0.28125 x (1 + 1/6) = 0.3281
    assert got["c4"]["leverage"] == pytest.approx(1.0833, abs=1e-4)
    assert got["c2"]["leverage"] == pytest.approx(0.7422, abs=1e-4)
    assert got["c1"]["leverage"] == pytest.approx(0.3281, abs=1e-4)


def test_next_steps(report):
    steps = report["next_steps"]
    assert [s["capability"]["id"] for s in steps] == ["c4", "c2", "c1"]
    c4, c2, c1 = steps

    # C4 is 0 x 0, missing: establish it at 1 x 1 (strength 1/16): F5 1 -> 0.9375
    assert c4["action"]["dimension"] == "both"
    assert c4["action"]["gain_one_step"] == pytest.approx(0.0625)

    # C2 is 4 x 2: widen (the lower axis). 4 x 3 = 0.75: F2 0.5 -> 0.25 (0.25);
    # F1: base (1-0.5)(1-0.375) = 0.3125, with S1 1 - 0.6875 x 0.75 = 0.484375 (0.046875)
    assert c2["action"]["dimension"] == "width"
    assert (c2["action"]["width"], c2["action"]["depth"]) == ([2, 3], [4, 4])
    assert c2["action"]["gain_one_step"] == pytest.approx(0.2969, abs=1e-4)
    # No value builds C2; V2 mitigates the same factor (F2), and M2 applies V2 (not assessed).
    assert [(v["id"], v["route"]) for v in c2["values"]] == [("v2", "co-mitigates")]
    assert c2["missing_mechanisms"] == ["Mechanism two"]

    # C1 is 2 x 4: deepen. 3 x 4 = 0.75: F1 base (1-0.75)(1-0.25) = 0.1875,
    # with S1 1 - 0.8125 x 0.75 = 0.390625; cut 0.53125 - 0.390625 = 0.140625
    assert c1["action"]["dimension"] == "depth"
    assert c1["action"]["gain_one_step"] == pytest.approx(0.1406, abs=1e-4)
    assert [(v["id"], v["route"]) for v in c1["values"]] == [("v1", "influences")]
    # M1 is in place; M2 applies V1 too and is missing
    assert [(m["id"], m["status"]) for m in c1["mechanisms"]] == [
        ("m2", "not assessed"),
        ("m1", "in place"),
    ]
    assert c1["missing_mechanisms"] == ["Mechanism two"]
    # IM1 focuses C1 and watches O1 (hurt by F1); it is tracked
    [metric] = c1["metrics"]
    assert metric["id"] == "im1" and metric["tracked"] is True
    assert metric["reasons"] == ["focuses Capability one", "watches Outcome one"]
    # value -> capability -> failure factor -> outcome, each step sourced
    [chain] = c1["chains"]
    assert chain["path"] == [
        "Value one",
        "influencesPositively",
        "Capability one",
        "mitigates",
        "Factor one",
        "hurts",
        "Outcome one",
    ]
    assert chain["iris"] == [KG_NS + x for x in ("v1", "c1", "f1", "o1")]
    assert all(step["sources"] for step in chain["steps"])


def test_blind_spots(report):
    factors = by_id(report["blind_spots"]["factors"])
    assert set(factors) == {"f4", "f5"}
    assert factors["f4"]["reason"] == "no capability in the graph mitigates it"
    assert factors["f5"]["reason"].startswith("its mitigators are all missing")
    assert [m["id"] for m in factors["f5"]["mitigators"]] == ["c4"]
    # O1 is watched by IM1 (tracked); O2 by nothing
    outcomes = by_id(report["blind_spots"]["outcomes"])
    assert set(outcomes) == {"o2"}
    assert outcomes["o2"]["hurt_by"] == [
        {
            "iri": KG_NS + "f4",
            "id": "f4",
            "label": "Factor four",
            "type": "FailureFactor",
            "exposure": 1.0,
        }
    ]


def test_a_dora_value_watches_an_outcome(tiny_kg):
    doc = tiny_document(input_metrics=[], dora=[{"metric": "o2", "value": 1, "unit": "days"}])
    report = analyse(tiny_kg, prepare(tiny_kg, doc))
    # O1 lost its tracked metric; O2 now has a DORA value
    assert [o["id"] for o in report["blind_spots"]["outcomes"]] == ["o1"]


def test_early_stage_only_counts_early_and_stageless_factors(tiny_kg):
    doc = tiny_document(stage="early", headcount=12, signals=[])
    report = analyse(tiny_kg, prepare(tiny_kg, doc))
    # only F3 is early stage; C3 (4x4) mitigates it directly: exposure 0, nothing to gain
    assert [(r["id"], r["exposure"]) for r in report["exposure"]] == [("f3", 0.0)]
    assert report["leverage"] == [] and report["next_steps"] == []


def test_same_input_same_report(tiny_kg):
    first = json.dumps(analyse(tiny_kg, prepare(tiny_kg, tiny_document())), sort_keys=True)
    again = json.dumps(analyse(tiny_kg, prepare(tiny_kg, tiny_document())), sort_keys=True)
    assert first == again


def test_order_of_the_document_does_not_change_the_analysis(tiny_kg):
    doc = tiny_document()
    shuffled = tiny_document()
    random.Random(7).shuffle(shuffled["capabilities"])
    a = analyse(tiny_kg, prepare(tiny_kg, doc))
    b = analyse(tiny_kg, prepare(tiny_kg, shuffled))
    for key in ("exposure", "leverage", "next_steps", "blind_spots", "capabilities", "summary"):
        assert a[key] == b[key], key


def test_overlay(report):
    o = overlay(report)
    assert o[KG_NS + "c1"] == {"strength": 0.5, "colour": o[KG_NS + "c1"]["colour"]}
    assert o[KG_NS + "f4"]["exposure"] == 1.0
    assert o[KG_NS + "f4"]["colour"] == "#d7301f"  # fully exposed: the darkest red
    assert o[KG_NS + "c3"]["colour"] == "#1a9850"  # full strength: the darkest green
    assert all(
        c["colour"].startswith("#") and len(c["colour"]) == 7
        for k, c in o.items()
        if k != "leverage_paths"
    )
    assert [KG_NS + x for x in ("v1", "c1", "f1", "o1")] in o["leverage_paths"]


def test_diagnostic_is_usable_piecewise(tiny_kg):
    d = Diagnostic(tiny_kg, prepare(tiny_kg, tiny_document()))
    f1 = tiny_kg.concept("f1")
    assert d.factor_exposure(f1)[1] == pytest.approx(0.53125)
    assert d.factor_exposure(f1, {**d.strengths, KG_NS + "c1": 1.0})[1] == pytest.approx(0.25)


def test_an_assessment_older_than_the_graph_still_reports(tiny_kg):
    a = prepare(tiny_kg, tiny_document(mechanisms=["m1"]))
    full = build_tiny_kg()
    gone = {KG_NS + "c2", KG_NS + "m1"}  # the graph moved on: two concepts are gone
    smaller = KnowledgeGraph(
        {iri: c for iri, c in full.concepts.items() if iri not in gone},
        [e for e in full.edges if not {e.subject, e.object} & gone],
        "newerhash",
    )
    report = analyse(smaller, a)
    assert report["mechanisms"][0]["type"] == "unknown"
    assert any("not in the current graph" in w and "c2, m1" in w for w in report["warnings"])
