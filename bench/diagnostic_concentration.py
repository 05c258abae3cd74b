"""Top-three concentration of the diagnostic over random organisations (``make bench-diagnostic``).

    python -m bench.diagnostic_concentration [--orgs 200] [--seed 7] [--json PATH]

For each stage, ``--orgs`` random organisations rate every capability of their stage (and the
stage-less ones) with a depth and a width drawn uniformly from 0..4, and report nothing else:
no signals, no figures, no observed failures. With ratings alone carrying no information about
which capability matters, a diagnostic that listens to the organisation should spread its top
three; one that ranks by how many links a capability has in the graph recommends the same
few every time.

Printed per stage: how often each capability lands in the top three, the share of the most
frequent one (the target is at most 40%), and the share of all top-three slots taken by the
four most frequent capabilities. A second pass draws random evidence too (signals, DORA
figures in random bands, observed failure factors) when the scoring model accepts it; a third
reads the ranking's own order, without the rule that holds back moves resting only on
speculative edges (so the spread of the model shows even while the data is mostly ungraded).
"""

import argparse
import json
import os
import random
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from scalekg.api.cli import load_kg
from scalekg.graph.assessment import AssessmentValidationError, load_assessment

TARGET = 0.40


def _analyse():
    try:
        from scalekg.graph.assessment.report import analyse
    except ImportError:  # the scoring module before the split
        from scalekg.graph.assessment.scoring import analyse  # type: ignore[attr-defined]
    return analyse


def stage_capabilities(kg, stage: str) -> list:
    slug = f"{stage}-stage"
    return [c for c in kg.of_type("Capability") if not c.stages or slug in c.stages]


DORA = {
    "deployment-frequency": [(2, "per-day"), (3, "per-week"), (2, "per-month"), (0.5, "per-month")],
    "lead-time-for-changes": [(6, "hours"), (3, "days"), (3, "weeks"), (10, "weeks")],
    "change-fail-rate": [(3, "percent"), (12, "percent"), (25, "percent"), (45, "percent")],
    "mean-time-to-restore": [(30, "minutes"), (6, "hours"), (3, "days"), (10, "days")],
}


def random_document(kg, stage: str, rng: random.Random, evidence: bool) -> dict:
    doc: dict = {
        "organisation": f"Random {stage} org",
        "date": "2026-12-01",
        "stage": stage,
        "headcount": rng.randint(5, 45) if stage == "early" else rng.randint(60, 900),
        "capabilities": [
            {"capability": c.slug, "depth": rng.randint(0, 4), "width": rng.randint(0, 4)}
            for c in stage_capabilities(kg, stage)
        ],
    }
    if evidence:
        signals = [s.slug for s in kg.of_type("ScalingSignal")]
        doc["signals"] = rng.sample(signals, rng.randint(0, 3))
        doc["dora"] = [
            {"metric": m, "value": v, "unit": u}
            for m, options in DORA.items()
            if rng.random() < 0.7
            for v, u in [rng.choice(options)]
        ]
        factors = [
            f.slug
            for f in kg.of_type("FailureFactor")
            if not f.stages or f"{stage}-stage" in f.stages
        ]
        doc["failures"] = [
            {"factor": f, "severity": rng.choice(["low", "medium", "high"])}
            for f in rng.sample(factors, rng.randint(0, 2))
        ]
    return doc


def top_three(report: dict, speculative_rule: bool) -> list[str]:
    if speculative_rule:
        return [s["capability"]["id"] for s in report["next_steps"][:3]]
    # the model's own order, the rule that keeps speculative-only moves out of the top aside
    rows = report["leverage"]
    if rows and "priority" in rows[0]:
        rows = sorted(rows, key=lambda r: -r["priority"])
    return [r["id"] for r in rows[:3]]


def concentration(
    kg, stage: str, orgs: int, seed: int, evidence: bool, speculative_rule: bool = True
) -> dict | None:
    analyse = _analyse()
    rng = random.Random(f"{seed}-{stage}-{evidence}")
    counts: Counter[str] = Counter()
    sizes: Counter[int] = Counter()
    for _ in range(orgs):
        doc = random_document(kg, stage, rng, evidence)
        try:
            assessment = load_assessment(kg, doc)  # the SHACL gate adds nothing here
        except AssessmentValidationError:
            return None  # this scoring model does not take the evidence fields
        top = top_three(analyse(kg, assessment), speculative_rule)
        sizes[len(top)] += 1
        counts.update(top)
    slots = sum(counts.values()) or 1
    ranked = counts.most_common()
    return {
        "stage": stage,
        "orgs": orgs,
        "evidence": evidence,
        "speculative_rule": speculative_rule,
        "top_share": {c: round(n / orgs, 3) for c, n in ranked},
        "max_share": round(ranked[0][1] / orgs, 3) if ranked else 0.0,
        "max_capability": ranked[0][0] if ranked else None,
        "top4_slot_share": round(sum(n for _, n in ranked[:4]) / slots, 3),
        "distinct": len(ranked),
        "top_sizes": dict(sorted(sizes.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    kg = load_kg()
    results = []
    runs = [(False, True), (True, True), (False, False)]
    for evidence, rule in runs:
        for stage in ("early", "late"):
            r = concentration(kg, stage, args.orgs, args.seed, evidence, rule)
            if r is None:
                print(f"{stage}, with evidence: not supported by this scoring model")
                continue
            results.append(r)
            kind = "random ratings and evidence" if evidence else "random ratings"
            if not rule:
                kind += ", ranking order (speculative-only moves not held back)"
            verdict = "met" if r["max_share"] <= TARGET else "NOT met"
            print(
                f"\n{stage} stage, {r['orgs']} orgs, {kind}: most frequent "
                f"{r['max_capability']} in {r['max_share']:.0%} of top-three sets "
                f"(target <= {TARGET:.0%}: {verdict}); four most frequent fill "
                f"{r['top4_slot_share']:.0%} of slots; {r['distinct']} distinct; "
                f"top-three sizes {r['top_sizes']}"
            )
            for cap, share in list(r["top_share"].items())[:8]:
                print(f"  {share:6.1%}  {cap}")
    load = os.getloadavg()
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    worst = max(
        (r["max_share"] for r in results if not r["evidence"] and r["speculative_rule"]),
        default=0.0,
    )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
