"""The report of one assessment: actions first, then the reasons, then the numbers.

``analyse(kg, assessment)`` is a pure function of its inputs, ordered deterministically, so the
same inputs give the same report, byte for byte. Its JSON is what the CLI prints, the REST API
returns, the HTML report renders and the graph overlay colours (docs/diagnostic.md).
"""

import math
from dataclasses import asdict
from typing import Any

from ..confidence import CONFIDENCE_ORDER
from ..model import KnowledgeGraph
from .advice import Advice, step_dict
from .compare import compare
from .contradictions import contradictions
from .diagnostic import Diagnostic, answer_confidence, capability_mitigators
from .dora import REPORT
from .evidence import BAND_PRESSURE, GROWTH_PRESSURE, SEVERITY_PRESSURE, SIGNAL_PRESSURE
from .findings import blind_spots, warnings
from .model import Assessment
from .scoring import CONFIDENCE_WEIGHTS, DEFAULT, EFFORT_POINTS, MODEL_VERSION, Parameters, level, r
from .scoring import key as _key


def _summary(kg: KnowledgeGraph, slug: str) -> dict:
    concept = kg.concept(slug)
    if concept is None:  # stored against an older graph that had this concept
        return {"iri": None, "id": slug, "label": slug, "type": "unknown"}
    return concept.summary()


class Report:
    def __init__(self, kg: KnowledgeGraph, assessment: Assessment, params: Parameters = DEFAULT):
        self.kg = kg
        self.assessment = assessment
        self.doc = assessment.document
        self.diag = Diagnostic(kg, assessment, params)
        self.advice = Advice(self.diag)
        self.params = params

    # ---- exposure --------------------------------------------------------------------------------

    def exposure(self) -> list[dict]:
        d, kg = self.diag, self.kg
        rows: list[dict[str, Any]] = []
        for f in d.factors:
            exp, weight = d.factor_exposure(f), d.weight(f)
            mitigators: list[dict[str, Any]] = []
            for a in capability_mitigators(kg, f):
                if a.concept.iri in d.not_applicable:
                    continue
                s = d.strengths.get(a.concept.iri, 0.0)
                rating = d.ratings.get(a.concept.iri)
                mitigators.append(
                    {
                        **a.concept.summary(),
                        "kind": a.kind,
                        "weight": d.path_weight(a),
                        "confidence": answer_confidence(a),
                        "depth": rating.depth if rating else None,
                        "width": rating.width if rating else None,
                        "strength": r(s),
                        "effective": r(d.path_weight(a) * s),
                        "path": a.path(),
                        "steps": [step_dict(kg, st.edge) for st in a.steps],
                    }
                )
            mitigators.sort(key=lambda m: (-_key(m["effective"]), m["label"].lower()))
            pressures = d.evidence.pressures.get(f.iri, [])
            rows.append(
                {
                    **f.summary(),
                    "stages": f.stages,
                    "exposure": r(exp),
                    "weight": r(weight),
                    "weighted": r(weight * exp),
                    "coverage": r(1 - exp),
                    "evidence": [p.as_dict() for p in pressures],
                    "signals": [
                        {**kg.concepts[e.subject].summary(), "steps": [step_dict(kg, e)]}
                        for e in sorted(
                            kg.edges_to(f.iri, "signals"),
                            key=lambda e: kg.concepts[e.subject].label.lower(),
                        )
                        if e.subject in d.evidence.observed_signals
                    ],
                    "mitigators": mitigators,
                    "hurts": [
                        {**kg.concepts[e.object].summary(), "steps": [step_dict(kg, e)]}
                        for e in sorted(
                            kg.edges_from(f.iri, "hurts"),
                            key=lambda e: kg.concepts[e.object].label.lower(),
                        )
                    ],
                }
            )
        rows.sort(key=lambda x: (-_key(x["weighted"]), -_key(x["exposure"]), x["label"].lower()))
        return rows

    # ---- ranking and next steps ------------------------------------------------------------------

    def leverage(self, ranked: list[dict]) -> list[dict]:
        micmac = self.diag.micmac()
        out = []
        for i, row in enumerate(ranked):
            cap = row["capability"]
            influence, dependence = micmac.get(cap.iri, (0.0, 0.0))
            out.append(
                {
                    "rank": i + 1,
                    **cap.summary(),
                    "stages": cap.stages,
                    "assessed": cap.iri in self.diag.ratings,
                    "depth": row["now"][0] if cap.iri in self.diag.ratings else None,
                    "width": row["now"][1] if cap.iri in self.diag.ratings else None,
                    "next": {"depth": row["after"][0], "width": row["after"][1]},
                    "strength": r(self.diag.strengths.get(cap.iri, 0.0)),
                    "gain": r(row["gain"]),
                    "effort": row["effort"],
                    "effort_assumed": row["effort"] is None,
                    "gain_per_effort": r(row["per_effort"]),
                    "basic": row["basic"],
                    "other_stage": row["other_stage"],
                    "priority": r(row["priority"]),
                    "support": support_name(row["support"]),
                    "speculative_only": row["speculative_only"],
                    "tied_with": row["tied_with"],
                    "influence": r(influence),
                    "dependence": r(dependence),
                    "quadrant": self.diag.quadrant(influence, dependence),
                    "factors": [
                        {
                            **p["answer"].concept.summary(),
                            "kind": p["answer"].kind,
                            "confidence": p["confidence"],
                            "exposure": r(p["exposure"]),
                            "exposure_after": r(p["exposure_after"]),
                            "weight": r(p["weight"]),
                            "reduction": r(p["reduction"]),
                            "path": p["answer"].path(),
                            "steps": [step_dict(self.kg, s.edge) for s in p["answer"].steps],
                        }
                        for p in row["factors"]
                    ],
                }
            )
        return out

    def next_steps(self, ranked: list[dict], leverage: list[dict]) -> list[dict]:
        by_id = {row["id"]: row for row in leverage}
        steps: list[dict[str, Any]] = []
        for row in ranked:
            if row["speculative_only"] or len(steps) >= self.params.next_steps:
                continue
            lev = by_id[row["capability"].slug]
            steps.append(
                {
                    "rank": len(steps) + 1,
                    "capability": row["capability"].summary(),
                    **{k: lev[k] for k in ("depth", "width", "strength", "gain", "effort")},
                    **{k: lev[k] for k in ("gain_per_effort", "basic", "support", "tied_with")},
                    "quadrant": lev["quadrant"],
                    "factors": lev["factors"],
                    **self.advice.details(row),
                }
            )
        return steps

    def urgent(self, ranked: list[dict]) -> bool:
        """Anything the organisation reports raises a factor, or a basic of the stage is missing."""
        d = self.diag
        return any(d.evidence.raised(f.iri) for f in d.factors) or any(r["basic"] for r in ranked)

    def headline(self, ranked: list[dict], steps: list[dict]) -> dict:
        more = len(ranked) - len(steps)
        speculative = sum(1 for row in ranked if row["speculative_only"])
        urgent = self.urgent(ranked)
        if not ranked:
            text = (
                "Nothing to do at this stage: every capability it needs is at 4×4, at your "
                "target, or not applicable."
            )
        elif not steps:
            text = (
                "No move rests on more than a speculative reading of the sources; see the "
                "ranking below and judge for yourself."
            )
        elif not urgent:
            text = (
                "Nothing urgent: nothing you report raises a failure factor, and every capability"
                " your stage needs is at level 2 or more. When you have room:"
            )
        else:
            text = "Your next moves:"
        return {
            "text": text,
            "urgent": urgent and bool(steps),
            "nothing_urgent": not urgent or not ranked,
            "moves": [
                {"rank": s["rank"], "capability": s["capability"]["id"], "text": s["sentence"]}
                for s in steps
            ],
            "more": more,
            "speculative_only": speculative,
        }

    # ---- the whole report ------------------------------------------------------------------------

    def capabilities(self) -> list[dict]:
        d = self.diag
        rows: list[dict[str, Any]] = []
        for cap in self.kg.of_type("Capability"):
            rating = next(
                (c for c in self.doc.capabilities if self.kg.concept(c.capability) == cap), None
            )
            if rating is None and d.stage not in cap.stages:
                continue
            depth, width = d.rating_of(cap.iri)
            rated = rating is not None and rating.rated
            rows.append(
                {
                    **cap.summary(),
                    "assessed": rating is not None,
                    "applicable": rating.applicable if rating else True,
                    "depth": depth if rated else None,
                    "width": width if rated else None,
                    "level": r(level(depth, width)) if rated else None,
                    "target": list(d.target(cap.iri) or []) or None,
                    "effort": rating.effort if rating else None,
                    "strength": r(d.strengths.get(cap.iri, 0.0)),
                    "ritual_boost": r(d.evidence.ritual_boost(cap.iri)),
                    "rituals": [
                        {"mechanism": m.label, "value": v.label, "confidence": c}
                        for m, v, c in d.evidence.ritual_paths(cap.iri)
                    ],
                    "note": rating.note if rating and rating.note else None,
                    "diagnostic_questions": cap.diagnostic_questions,
                }
            )
        rows.sort(key=lambda x: (not x["assessed"], -_key(x["strength"]), x["label"].lower()))
        return rows

    def build(self) -> dict:
        kg, doc, d = self.kg, self.doc, self.diag
        exposure_rows = self.exposure()
        ranked = d.ranking()
        leverage = self.leverage(ranked)
        steps = self.next_steps(ranked, leverage)
        blind = blind_spots(d, self.advice.tracked, exposure_rows)
        n = len(exposure_rows)
        mean = math.fsum(x["exposure"] for x in exposure_rows) / n if n else 0.0
        weighted = math.fsum(x["weighted"] for x in exposure_rows)
        return {
            "assessment": {
                "id": self.assessment.id,
                "organisation": doc.organisation,
                "date": doc.date.isoformat(),
                "stage": doc.stage,
                "headcount": doc.headcount,
                "headcount_12_months_ago": doc.headcount_12_months_ago,
                "headcount_plan": doc.headcount_plan,
                "growth": r(d.evidence.growth) if d.evidence.growth else None,
                "hiring_pace": d.evidence.pace,
                "note": doc.note,
                "created": self.assessment.created or None,
            },
            "snapshot": kg.snapshot_hash,
            "model": {
                "version": MODEL_VERSION,
                **asdict(self.params),
                "confidence_weights": CONFIDENCE_WEIGHTS,
                "effort_points": EFFORT_POINTS,
                "severity_pressure": SEVERITY_PRESSURE,
                "signal_pressure": SIGNAL_PRESSURE,
                "dora_band_pressure": BAND_PRESSURE,
                "growth_pressure": GROWTH_PRESSURE,
                "dora_bands": REPORT,
            },
            "headline": self.headline(ranked, steps),
            "summary": {
                "mean_exposure": r(mean),
                "weighted_exposure": r(weighted),
                "factors": n,
                "factors_not_applicable": [f.label for f in d.factors_not_applicable],
                "raised_factors": sum(1 for f in d.factors if d.evidence.raised(f.iri)),
                "blind_spot_factors": len(blind["factors"]),
                "blind_spot_outcomes": len(blind["outcomes"]),
                "most_exposed": exposure_rows[0]["label"] if exposure_rows else None,
                "top_move": steps[0]["capability"]["label"] if steps else None,
                "signals_observed": len(d.evidence.observed_signals),
                "failures_observed": len(doc.failures),
            },
            "contradictions": contradictions(d),
            "warnings": warnings(d, self.assessment),
            "next_steps": steps,
            "capabilities": self.capabilities(),
            "mechanisms": [
                {
                    **_summary(kg, m.mechanism),
                    "in_place": m.in_place,
                    "cadence": m.cadence,
                    "note": m.note,
                }
                for m in doc.mechanisms
            ],
            "signals": [
                {**_summary(kg, s.signal), "note": s.note} for s in doc.signals if s.observed
            ],
            "failures": [
                {**_summary(kg, f.factor), "severity": f.severity, "note": f.note}
                for f in doc.failures
            ],
            "dora": [dora_row(kg, d, m) for m in doc.dora],
            "exposure": exposure_rows,
            "leverage": leverage,
            "blind_spots": blind,
        }


def dora_row(kg: KnowledgeGraph, d: Diagnostic, m) -> dict:
    concept = kg.concept(m.metric)
    placement = d.evidence.placements.get(concept.iri) if concept else None
    return {
        **_summary(kg, m.metric),
        "value": m.value,
        "unit": m.unit,
        "band": placement.band if placement else None,
        "band_text": placement.text if placement else None,
    }


def support_name(rank_index: int) -> str:
    return CONFIDENCE_ORDER[rank_index]


def trend(kg: KnowledgeGraph, earlier: Assessment, report: dict, params: Parameters) -> dict:
    """How this report moved since an earlier assessment of the same organisation."""
    diff = compare(Report(kg, earlier, params).build(), report)
    mean = diff["mean_exposure"]
    moved = [f for f in diff["factors"] if f["direction"] in ("up", "down")]
    down = sum(1 for f in moved if f["direction"] == "down")
    return {
        "against": {k: diff["a"][k] for k in ("id", "date", "organisation")},
        "mean_exposure": mean,
        "counts": diff["counts"],
        "factors": moved[:5],
        "capabilities": diff["capabilities"],
        "signals": diff["signals"],
        "text": f"Since {diff['a']['date']}: mean exposure {mean['before']:.2f} → "
        f"{mean['after']:.2f} ({mean['delta']:+.2f}); {down} failure factors down, "
        f"{len(moved) - down} up, {len(diff['capabilities'])} capabilities re-rated.",
    }


def analyse(
    kg: KnowledgeGraph,
    assessment: Assessment,
    params: Parameters = DEFAULT,
    *,
    earlier: Assessment | None = None,
) -> dict:
    """The diagnostic report of ``assessment`` (a JSON-ready dict; see docs/diagnostic.md).

    With ``earlier`` (a previous assessment of the same organisation), the report's ``trend``
    says what moved since then; otherwise ``trend`` is None.
    """
    report = Report(kg, assessment, params).build()
    report["trend"] = trend(kg, earlier, report, params) if earlier is not None else None
    return report
