"""The scoring model, pinned on the tiny graph of conftest.py with numbers computed by hand.

The organisation (``DOC``, late stage, no evidence besides its ratings):
    C1 depth 2 width 2 -> level sqrt(4) = 2, strength 1 - (1 - 2/4)^2 = 0.75
    C2 depth 1 width 1 -> level 1, strength 1 - (3/4)^2 = 0.4375
    C3 depth 4 width 4 -> strength 1 (but it only mitigates F3, an early-stage factor)
    C4 not rated       -> strength 0

Every edge of the tiny graph is stated (confidence weight 1) unless a test regrades it.
Failure factors relevant at the late stage: F1, F2, F4, F5 (F3 is early stage only).
"""

import json
import math
import random
from dataclasses import replace

import pytest

from scalekg.graph.assessment import prepare
from scalekg.graph.assessment.diagnostic import Diagnostic
from scalekg.graph.assessment.report import analyse
from scalekg.graph.assessment.scoring import (
    CONFIDENCE_WEIGHTS,
    exposure_of,
    level,
    next_level,
    path_confidence,
    strength,
)
from scalekg.graph.model import Edge, KnowledgeGraph
from scalekg.viz.overlay import overlay

from .conftest import KG_NS, build_tiny_kg, tiny_document

DOC = {
    "organisation": "Tiny Org",
    "date": "2026-01-15",
    "stage": "late",
    "headcount": 120,
    "capabilities": [
        {"capability": "c1", "depth": 2, "width": 2},
        {"capability": "c2", "depth": 1, "width": 1},
        {"capability": "c3", "depth": 4, "width": 4},
    ],
}


def doc(**overrides) -> dict:
    return {**json.loads(json.dumps(DOC)), **overrides}


def by_id(rows):
    return {r["id"]: r for r in rows}


def regraded(kg: KnowledgeGraph, subject: str, predicate: str, obj: str, grade: str):
    """The tiny graph with one edge made interpreted, with ``grade`` ("" = ungraded)."""
    edges = []
    for e in kg.edges:
        if (e.subject, e.predicate, e.object) == (KG_NS + subject, predicate, KG_NS + obj):
            e = Edge(
                e.subject,
                e.predicate,
                e.object,
                tuple(replace(p, basis="interpreted", grade=grade) for p in e.provenance),
            )
        edges.append(e)
    return KnowledgeGraph(kg.concepts, edges, kg.snapshot_hash + "-regraded")


@pytest.fixture
def report(tiny_kg):
    return analyse(tiny_kg, prepare(tiny_kg, doc()))


# ---- the arithmetic -------------------------------------------------------------------------------


def test_strength_has_diminishing_returns_per_level():
    assert strength(4, 4) == 1.0 and strength(0, 4) == 0.0 and strength(4, 0) == 0.0
    assert strength(2, 2) == 0.75 and strength(1, 1) == 0.4375
    assert level(2, 8 // 2) == math.sqrt(8)
    # establishing (0 -> 1) buys more than polishing (3 -> 4): the basics first
    steps = [strength(n + 1, n + 1) - strength(n, n) for n in range(4)]
    assert steps == sorted(steps, reverse=True) and steps[0] > 5 * steps[3]


def test_strength_never_falls_when_an_axis_rises():
    for d in range(5):
        for w in range(5):
            if d < 4:
                assert strength(d + 1, w) >= strength(d, w)
            if w < 4:
                assert strength(d, w + 1) >= strength(d, w)


def test_next_level_is_one_step_toward_the_target():
    assert next_level(0, 0) == (1, 1)  # establish
    assert next_level(1, 3) == (2, 3)  # raise the lower axis
    assert next_level(3, 1) == (3, 2)
    assert next_level(2, 2) == (3, 2)  # tie: depth first
    assert next_level(4, 4) == (4, 4)  # nothing left
    assert next_level(2, 3, target=(2, 4)) == (2, 4)  # depth is at its target: widen
    assert next_level(2, 2, target=(2, 2)) == (2, 2)  # at the target: no step


def test_exposure_is_a_noisy_or():
    assert exposure_of([0.5, 0.25]) == pytest.approx(0.375)
    assert exposure_of([]) == 1.0


def test_a_path_is_as_sure_as_its_weakest_step():
    assert path_confidence(["stated", "plausible", "strong"]) == "plausible"
    weights = [CONFIDENCE_WEIGHTS[c] for c in ("stated", "strong", "plausible", "speculative")]
    assert weights == sorted(weights, reverse=True) and weights[0] == 1.0


# ---- exposure --------------------------------------------------------------------------------------


def test_exposure_by_factor(report):
    rows = by_id(report["exposure"])
    assert set(rows) == {"f1", "f2", "f4", "f5"}  # F3 is early stage only
    # F1: C1 direct (1 x 0.75), C2 through F2 causes F1 (0.5 x 0.4375):
    #     (1 - 0.75) x (1 - 0.21875) = 0.1953125
    assert rows["f1"]["exposure"] == pytest.approx(0.1953, abs=1e-4)
    assert [(m["id"], m["kind"], m["confidence"]) for m in rows["f1"]["mitigators"]] == [
        ("c1", "direct", "stated"),
        ("c2", "indirect", "stated"),
    ]
    assert rows["f2"]["exposure"] == 0.5625  # C2 direct
    assert rows["f4"]["exposure"] == 1.0 and rows["f5"]["exposure"] == 1.0
    assert all(r["weight"] == 1.0 for r in rows.values())  # nothing reported: weight 1
    # mean = (0.1953125 + 0.5625 + 1 + 1) / 4
    assert report["summary"]["mean_exposure"] == pytest.approx(0.6895, abs=1e-4)


def test_a_less_sure_edge_mitigates_less(tiny_kg):
    kg = regraded(tiny_kg, "c1", "mitigates", "f1", "plausible")
    rows = by_id(analyse(kg, prepare(kg, doc()))["exposure"])
    # C1 counts 0.6 x 0.75 = 0.45: (1 - 0.45) x (1 - 0.21875) = 0.4296875
    assert rows["f1"]["exposure"] == pytest.approx(0.4297, abs=1e-4)
    assert rows["f1"]["mitigators"][0]["confidence"] == "plausible"


# ---- the ranking -----------------------------------------------------------------------------------


def test_ranking_by_the_cut_a_realistic_step_buys(report):
    rows = by_id(report["leverage"])
    # C4 0x0 -> 1x1 (0.4375): F5 1 -> 0.5625, cut 0.4375. Basic (late stage, level 0): x1.5;
    #    effort M (2 points) assumed: priority 0.4375 / 2 x 1.5 = 0.328125
    # C2 1x1 -> 2x1 (1 - (1 - sqrt(2)/4)^2 = 0.58211): F2 0.5625 -> 0.41789 (0.14461);
    #    F1 0.1953125 -> 0.25 x (1 - 0.29105) = 0.17724 (0.01808); gain 0.16268; basic (level 1)
    #    priority 0.16268 / 2 x 1.5 = 0.12201
    # C1 2x2 -> 3x2 (1 - (1 - sqrt(6)/4)^2 = 0.84978): F1 -> 0.15022 x 0.78125 = 0.11736;
    #    gain 0.07793; level 2 is not basic: priority 0.03896
    # C3 mitigates only F3 (early stage) and is at 4x4: not ranked
    assert [r["id"] for r in report["leverage"]] == ["c4", "c2", "c1"]
    assert rows["c4"]["gain"] == 0.4375 and rows["c4"]["priority"] == pytest.approx(0.3281, 1e-3)
    assert rows["c2"]["gain"] == pytest.approx(0.1627, abs=1e-4)
    assert rows["c2"]["priority"] == pytest.approx(0.1220, abs=1e-4)
    assert rows["c1"]["gain"] == pytest.approx(0.0779, abs=1e-4)
    assert rows["c1"]["priority"] == pytest.approx(0.0390, abs=1e-4)
    assert (rows["c4"]["basic"], rows["c2"]["basic"], rows["c1"]["basic"]) == (True, True, False)
    assert rows["c1"]["next"] == {"depth": 3, "width": 2}


def test_effort_divides_the_gain(tiny_kg):
    d = doc()
    d["capabilities"][0]["effort"] = "S"  # C1: 0.07793 / 1 = 0.07793
    d["capabilities"][1]["effort"] = "L"  # C2: 0.16268 / 4 x 1.5 = 0.06101
    rows = analyse(tiny_kg, prepare(tiny_kg, d))["leverage"]
    assert [r["id"] for r in rows] == ["c4", "c1", "c2"]
    assert by_id(rows)["c1"]["gain_per_effort"] == pytest.approx(0.0779, abs=1e-4)
    assert by_id(rows)["c4"]["effort_assumed"] is True


def test_a_step_resting_only_on_speculative_edges_never_makes_the_top_three(tiny_kg):
    kg = regraded(tiny_kg, "c4", "mitigates", "f5", "")  # ungraded: speculative
    report = analyse(kg, prepare(kg, doc()))
    rows = by_id(report["leverage"])
    assert rows["c4"]["speculative_only"] is True and rows["c4"]["support"] == "speculative"
    # it is ranked after every other move, and the headline leaves it out
    assert [r["id"] for r in report["leverage"]] == ["c2", "c1", "c4"]
    assert [s["capability"]["id"] for s in report["next_steps"]] == ["c2", "c1"]
    assert report["headline"]["more"] == 1 and report["headline"]["speculative_only"] == 1


def test_a_plausible_edge_still_counts(tiny_kg):
    kg = regraded(tiny_kg, "c4", "mitigates", "f5", "plausible")
    report = analyse(kg, prepare(kg, doc()))
    rows = by_id(report["leverage"])
    # 0.6 x 0.4375 = 0.2625 cut; priority 0.2625 / 2 x 1.5 = 0.196875: still first
    assert rows["c4"]["gain"] == pytest.approx(0.2625) and not rows["c4"]["speculative_only"]
    assert report["next_steps"][0]["capability"]["id"] == "c4"


def test_ties_are_broken_by_the_stated_rule_and_reported(tiny_kg):
    concepts = dict(tiny_kg.concepts)
    base = concepts[KG_NS + "c4"]
    concepts[KG_NS + "c5"] = replace(base, iri=KG_NS + "c5", label="Capability five")
    twin = next(e for e in tiny_kg.edges if e.subject == KG_NS + "c4")
    edges = [*tiny_kg.edges, Edge(KG_NS + "c5", "mitigates", KG_NS + "f4", twin.provenance)]
    kg = KnowledgeGraph(concepts, edges, "tie")
    rows = analyse(kg, prepare(kg, doc()))["leverage"]
    # C4 (-> F5) and C5 (-> F4) buy exactly the same: a tie, broken by support (both stated),
    # then level (both 0), then label: "Capability five" before "Capability four".
    assert [r["id"] for r in rows[:2]] == ["c5", "c4"]
    assert rows[0]["tied_with"] == ["Capability four"]
    assert rows[1]["tied_with"] == ["Capability five"]
    assert rows[2]["tied_with"] == []


def test_a_capability_at_its_target_is_not_proposed(tiny_kg):
    d = doc()
    d["capabilities"][1].update(target_depth=1, target_width=1)  # C2 is where the org wants it
    d["capabilities"][0].update(target_depth=2, target_width=3)  # C1 may only widen
    rows = by_id(analyse(tiny_kg, prepare(tiny_kg, d))["leverage"])
    assert "c2" not in rows
    assert rows["c1"]["next"] == {"depth": 2, "width": 3}


def test_not_applicable_capability_and_its_factors_drop_out(tiny_kg):
    d = doc()
    d["capabilities"].append({"capability": "c4", "applicable": False})
    report = analyse(tiny_kg, prepare(tiny_kg, d))
    assert "f5" not in by_id(report["exposure"])  # its only mitigator does not apply
    assert "c4" not in by_id(report["leverage"])
    assert report["summary"]["factors_not_applicable"] == ["Factor five"]


# ---- evidence on the tiny graph ---------------------------------------------------------------------


def test_a_signal_raises_the_weight_and_the_gain_of_what_it_points_at(tiny_kg, report):
    signalled = analyse(tiny_kg, prepare(tiny_kg, doc(signals=["s1"])))
    f1 = by_id(signalled["exposure"])["f1"]
    # S1 signals F1 (stated): weight 1 + 1 x 1 = 2; exposure itself is what the ratings say
    assert f1["weight"] == 2.0 and f1["exposure"] == by_id(report["exposure"])["f1"]["exposure"]
    assert [p["kind"] for p in f1["evidence"]] == ["signal"]
    before, after = by_id(report["leverage"]), by_id(signalled["leverage"])
    # C1 only cuts F1: its gain doubles. C2 cuts F1 (0.01808) and F2: 0.16268 + 0.01808
    assert after["c1"]["gain"] == pytest.approx(2 * 0.077926, abs=1e-4)
    assert after["c2"]["gain"] == pytest.approx(0.1808, abs=1e-4)
    assert all(after[c]["gain"] >= before[c]["gain"] for c in before)


def test_an_observed_failure_weighs_most(tiny_kg):
    d = doc(failures=[{"factor": "f1", "severity": "high"}], signals=["s1"])
    report = analyse(tiny_kg, prepare(tiny_kg, d))
    f1 = by_id(report["exposure"])["f1"]
    assert f1["weight"] == 1 + 4 + 1  # high severity 4, the signal 1
    assert report["exposure"][0]["id"] == "f1"  # the most pressing, though the least exposed
    # C1 (2x2, not basic) now cuts 0.07793 x 6 = 0.46755: priority 0.46755 / 2 = 0.2338, ahead
    # of C2 (basic), which cuts F1 too: (0.14461 + 6 x 0.01808) / 2 x 1.5 = 0.18980. The missing
    # C4 still comes first: it closes F5 more than half (0.4375 / 2 x 1.5 = 0.3281).
    rows = by_id(report["leverage"])
    assert [r["id"] for r in report["leverage"]] == ["c4", "c1", "c2"]
    assert rows["c1"]["priority"] == pytest.approx(0.2338, abs=1e-4)
    assert rows["c2"]["priority"] == pytest.approx(0.1898, abs=1e-4)
    assert report["next_steps"][1]["sentence"] == (
        "Deepen Capability one (2×2 → 3×2): it cuts factor one (you say it hurts badly, your "
        "signals point at it)."
    )


def test_rituals_in_place_strengthen_the_capabilities_their_values_build(tiny_kg, report):
    ritual = analyse(tiny_kg, prepare(tiny_kg, doc(mechanisms=["m1"])))
    c1 = by_id(ritual["capabilities"])["c1"]
    # M1 applies V1, V1 influences C1 (both stated): boost 0.1; 0.75 + 0.25 x 0.1 = 0.775
    assert c1["ritual_boost"] == 0.1 and c1["strength"] == 0.775
    assert c1["rituals"] == [
        {"mechanism": "Mechanism one", "value": "Value one", "confidence": "stated"}
    ]
    assert by_id(ritual["exposure"])["f1"]["exposure"] < by_id(report["exposure"])["f1"]["exposure"]


# ---- next steps and the rest of the report -----------------------------------------------------------


def test_next_steps(report):
    steps = report["next_steps"]
    assert [s["capability"]["id"] for s in steps] == ["c4", "c2", "c1"]
    c4, c2, c1 = steps
    assert c4["action"]["dimension"] == "both" and c4["action"]["depth"] == [0, 1]
    assert c4["sentence"] == (
        "Establish Capability four (missing today; aim for 1×1): it cuts factor five."
    )
    assert c2["action"]["dimension"] == "depth" and c2["action"]["depth"] == [1, 2]
    # No value builds C2; V2 mitigates the same factor (F2), and M2 applies V2 (not assessed).
    assert [(v["id"], v["route"]) for v in c2["values"]] == [("v2", "co-mitigates")]
    assert c2["missing_mechanisms"] == ["Mechanism two"]
    assert [(v["id"], v["route"]) for v in c1["values"]] == [("v1", "influences")]
    assert [(m["id"], m["status"]) for m in c1["mechanisms"]] == [
        ("m1", "not assessed"),
        ("m2", "not assessed"),
    ]
    [metric] = c1["metrics"]
    assert metric["id"] == "im1" and metric["tracked"] is False
    assert metric["reasons"] == ["focuses Capability one", "watches Outcome one"]
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
    assert chain["confidence"] == "stated"
    assert all(step["sources"] and step["confidence"] == "stated" for step in chain["steps"])


def test_headline_has_at_most_three_moves(report):
    head = report["headline"]
    assert len(head["moves"]) == 3 and head["more"] == 0 and head["urgent"]
    assert head["text"] == "Your next moves:"


def test_nothing_urgent_when_nothing_hurts_and_the_basics_are_there(tiny_kg):
    d = doc()
    d["capabilities"] = [{"capability": c, "depth": 3, "width": 3} for c in ("c1", "c2", "c4")]
    report = analyse(tiny_kg, prepare(tiny_kg, d))
    assert report["headline"]["nothing_urgent"] is True
    assert report["headline"]["text"].startswith("Nothing urgent")
    d["capabilities"] = [{"capability": c, "depth": 4, "width": 4} for c in ("c1", "c2", "c4")]
    report = analyse(tiny_kg, prepare(tiny_kg, d))
    assert report["headline"]["moves"] == [] and report["headline"]["nothing_urgent"]
    assert report["headline"]["text"].startswith("Nothing to do at this stage")


def test_blind_spots(report):
    factors = by_id(report["blind_spots"]["factors"])
    assert set(factors) == {"f4", "f5"}
    assert factors["f4"]["reason"] == "no capability in the graph mitigates it"
    assert factors["f5"]["reason"].startswith("its mitigators are all missing")
    outcomes = by_id(report["blind_spots"]["outcomes"])
    assert set(outcomes) == {"o1", "o2"}  # nothing tracked, no DORA values


def test_early_stage_only_counts_early_and_stageless_factors(tiny_kg):
    report = analyse(tiny_kg, prepare(tiny_kg, doc(stage="early", headcount=12)))
    # only F3 is early stage; C3 (4x4) mitigates it directly: exposure 0, nothing to gain
    assert [(r["id"], r["exposure"]) for r in report["exposure"]] == [("f3", 0.0)]
    assert report["leverage"] == [] and report["next_steps"] == []


def test_same_input_same_report(tiny_kg):
    first = json.dumps(analyse(tiny_kg, prepare(tiny_kg, tiny_document())), sort_keys=True)
    again = json.dumps(analyse(tiny_kg, prepare(tiny_kg, tiny_document())), sort_keys=True)
    assert first == again


def test_order_of_the_document_does_not_change_the_analysis(tiny_kg):
    shuffled = tiny_document()
    random.Random(7).shuffle(shuffled["capabilities"])
    a = analyse(tiny_kg, prepare(tiny_kg, tiny_document()))
    b = analyse(tiny_kg, prepare(tiny_kg, shuffled))
    for key in ("exposure", "leverage", "next_steps", "blind_spots", "capabilities", "summary"):
        assert a[key] == b[key], key


def test_overlay(report):
    o = overlay(report)
    assert o[KG_NS + "c1"]["strength"] == 0.75
    assert o[KG_NS + "f4"]["exposure"] == 1.0
    assert o[KG_NS + "f4"]["colour"] == "#d7301f"  # fully exposed: the darkest red
    assert o[KG_NS + "c3"]["colour"] == "#1a9850"  # full strength: the darkest green
    assert [KG_NS + x for x in ("v1", "c1", "f1", "o1")] in o["leverage_paths"]


def test_diagnostic_is_usable_piecewise(tiny_kg):
    d = Diagnostic(tiny_kg, prepare(tiny_kg, doc()))
    f1 = tiny_kg.concept("f1")
    assert d.factor_exposure(f1) == pytest.approx(0.1953125)
    assert d.factor_exposure(f1, {**d.strengths, KG_NS + "c1": 1.0}) == 0.0


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
