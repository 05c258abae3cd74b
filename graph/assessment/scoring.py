"""The diagnostic: exposure, leverage, next steps and blind spots of one assessment.

Everything here is a pure function of (graph, assessment, parameters) and ordered
deterministically, so the same inputs give the same report, byte for byte. The model, with a
worked example, is in docs/diagnostic.md; in short:

- strength(c) = (depth/4) x (width/4) of a rated capability; 0 if not rated.
- Mitigators of a failure factor f: the capabilities that mitigate f directly (weight 1) or
  mitigate a contributing factor that causes f (weight 0.5), as ``answers.related`` finds them.
  Values also mitigate failure factors in the graph, but an assessment does not rate values, so
  they do not count here; they come back as next steps.
- base(f) = product over mitigators of (1 - weight x strength)   (noisy-OR: 1 - coverage)
- exposure(f) = 1 - (1 - base(f)) x 0.75^k, where k is the number of observed scaling signals
  that point at f (``skg:signals``): each signal is evidence that the mitigation works a quarter
  less well than rated. 0 = fully mitigated, 1 = nothing the organisation has mitigates it.
- gain(c) = sum over the stage's failure factors of exposure(f) - exposure(f | c at 4x4), for the
  capabilities of the stage (or of no stage) and any other the organisation rated.
- leverage(c) = gain(c) x (1 + 0.25 x influence(c)), where influence is the capability's MICMAC
  reach (how many failure factors and outcomes sit downstream of it), scaled to 0..1.
"""

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import networkx as nx

from ..answers import Answer, Step, related
from ..model import Concept, Edge, KnowledgeGraph
from ..paths import first_chain
from .model import (
    DEPTH_QUESTION,
    DORA_UNITS,
    STAGE_IRIS,
    WIDTH_QUESTION,
    Assessment,
    stage_warnings,
)

MODEL_VERSION = 1
DOWNSTREAM = ("mitigates", "causes", "hurts")
UPSTREAM = ("influencesPositively", "applies", "focuses", "supports")


@dataclass(frozen=True)
class Parameters:
    indirect_weight: float = 0.5  # a mitigation through one causes hop counts half
    signal_discount: float = 0.75  # each observed signal keeps 75% of the coverage
    influence_bonus: float = 0.25  # leverage = gain x (1 + bonus x influence)
    next_steps: int = 3  # how many capabilities get next steps
    chains_per_step: int = 3  # explanation chains per next step


DEFAULT = Parameters()


def strength(depth: int, width: int) -> float:
    """(depth/4) x (width/4): a capability counts only as much as it is deep AND wide."""
    return (depth / 4) * (width / 4)


def relevant(concept: Concept, stage: str) -> bool:
    """Relevant at ``stage`` (a stage slug): tagged with it, or with no stage at all."""
    return not concept.stages or stage in concept.stages


def exposure_of(mitigations: Iterable[tuple[float, float]], signals: int, params: Parameters):
    """(base, exposure) from (weight, strength) pairs and the number of observed signals."""
    base = 1.0
    for weight, s in mitigations:
        base *= 1.0 - weight * s
    coverage = (1.0 - base) * params.signal_discount**signals
    return base, 1.0 - coverage


def _key(x: float) -> float:
    """Sort key for floats: rounded, so that float noise never changes an order."""
    return round(x, 9)


def _r(x: float) -> float:
    return round(x, 4)


def _steps(steps: Iterable[Step]) -> list[dict]:
    return [s.as_dict() for s in steps]


def _edge_steps(kg: KnowledgeGraph, edges: Iterable[Edge]) -> list[dict]:
    return [Step(e, kg).as_dict() for e in edges]


def _path_labels(kg: KnowledgeGraph, edges: list[Edge]) -> list[str]:
    if not edges:
        return []
    out = [kg.concepts[edges[0].subject].label]
    for e in edges:
        out += [e.predicate, kg.concepts[e.object].label]
    return out


def capability_mitigators(kg: KnowledgeGraph, factor: Concept) -> list[Answer]:
    """The capabilities that mitigate ``factor``, directly or through one causes hop."""
    return kg.cached(
        ("assessment-mitigators", factor.iri),
        lambda: [a for a in related(kg, factor, "mitigates", "in") if a.concept.is_a("Capability")],
    )


def mitigated_by(kg: KnowledgeGraph, capability: Concept) -> list[Answer]:
    """The failure factors ``capability`` mitigates, directly or through one causes hop."""
    return kg.cached(
        ("assessment-mitigated", capability.iri),
        lambda: related(kg, capability, "mitigates", "out"),
    )


def path_to_outcome(kg: KnowledgeGraph, factor_iri: str, max_hops: int = 4) -> list[Edge]:
    """The shortest causes* then hurts path from a failure factor to a positive outcome."""
    return first_chain(
        kg, factor_iri, through=("causes",), ending=("hurts",), max_steps=max_hops + 1
    )


class Diagnostic:
    """Computes the report of one assessment against one graph."""

    def __init__(self, kg: KnowledgeGraph, assessment: Assessment, params: Parameters = DEFAULT):
        self.kg = kg
        self.assessment = assessment
        self.doc = assessment.document
        self.params = params
        self.stage = STAGE_IRIS[self.doc.stage]
        self.ratings = {
            kg.concept(r.capability).iri: r
            for r in self.doc.capabilities
            if kg.concept(r.capability) is not None
        }
        self.strengths = {iri: strength(r.depth, r.width) for iri, r in self.ratings.items()}
        self.observed = {
            kg.concept(s.signal).iri
            for s in self.doc.signals
            if s.observed and kg.concept(s.signal) is not None
        }
        self.mechanisms_in_place = {
            kg.concept(m.mechanism).iri
            for m in self.doc.mechanisms
            if m.in_place and kg.concept(m.mechanism) is not None
        }
        self.mechanisms_listed = {
            kg.concept(m.mechanism).iri: m
            for m in self.doc.mechanisms
            if kg.concept(m.mechanism) is not None
        }
        self.metrics_tracked = {
            kg.concept(m.metric).iri
            for m in self.doc.input_metrics
            if m.tracked and kg.concept(m.metric) is not None
        }
        self.dora = {
            kg.concept(m.metric).iri: m for m in self.doc.dora if kg.concept(m.metric) is not None
        }
        self.factors = [f for f in kg.of_type("FailureFactor") if relevant(f, self.stage)]
        self.factor_iris = {f.iri for f in self.factors}

    # ---- exposure ------------------------------------------------------------------------------

    def weight(self, answer: Answer) -> float:
        return 1.0 if answer.kind == "direct" else self.params.indirect_weight

    def signals_of(self, factor: Concept) -> list[Edge]:
        return sorted(
            (e for e in self.kg.edges_to(factor.iri, "signals") if e.subject in self.observed),
            key=lambda e: self.kg.concepts[e.subject].label.lower(),
        )

    def factor_exposure(
        self, factor: Concept, strengths: dict[str, float] | None = None
    ) -> tuple[float, float]:
        strengths = self.strengths if strengths is None else strengths
        pairs = [
            (self.weight(a), strengths.get(a.concept.iri, 0.0))
            for a in capability_mitigators(self.kg, factor)
        ]
        return exposure_of(pairs, len(self.signals_of(factor)), self.params)

    def exposure(self) -> list[dict]:
        rows = []
        for f in self.factors:
            base, exp = self.factor_exposure(f)
            mitigators = []
            for a in capability_mitigators(self.kg, f):
                s = self.strengths.get(a.concept.iri, 0.0)
                w = self.weight(a)
                rating = self.ratings.get(a.concept.iri)
                mitigators.append(
                    {
                        **a.concept.summary(),
                        "kind": a.kind,
                        "weight": w,
                        "depth": rating.depth if rating else None,
                        "width": rating.width if rating else None,
                        "strength": _r(s),
                        "effective": _r(w * s),
                        "path": a.path(),
                        "steps": _steps(a.steps),
                    }
                )
            mitigators.sort(key=lambda m: (-_key(m["effective"]), m["label"].lower()))
            signals = self.signals_of(f)
            rows.append(
                {
                    **f.summary(),
                    "stages": f.stages,
                    "exposure": _r(exp),
                    "base_exposure": _r(base),
                    "coverage": _r(1 - exp),
                    "signals": [
                        {
                            **self.kg.concepts[e.subject].summary(),
                            "steps": _edge_steps(self.kg, [e]),
                        }
                        for e in signals
                    ],
                    "mitigators": mitigators,
                    "hurts": [
                        {**self.kg.concepts[e.object].summary(), "steps": _edge_steps(self.kg, [e])}
                        for e in sorted(
                            self.kg.edges_from(f.iri, "hurts"),
                            key=lambda e: self.kg.concepts[e.object].label.lower(),
                        )
                    ],
                    "_exposure": exp,
                }
            )
        rows.sort(key=lambda r: (-_key(r["_exposure"]), r["label"].lower()))
        for r in rows:
            del r["_exposure"]
        return rows

    # ---- leverage ------------------------------------------------------------------------------

    def gain(self, capability: Concept, target: float = 1.0) -> tuple[float, list[dict]]:
        """Exposure cut if ``capability`` had strength ``target``; and the cut per factor."""
        changed = dict(self.strengths)
        changed[capability.iri] = max(target, self.strengths.get(capability.iri, 0.0))
        total, per_factor = 0.0, []
        for answer in mitigated_by(self.kg, capability):
            f = answer.concept
            if f.iri not in self.factor_iris:
                continue
            _b, now = self.factor_exposure(f)
            _b, then = self.factor_exposure(f, changed)
            total += now - then
            per_factor.append(
                {
                    "answer": answer,
                    "exposure": now,
                    "exposure_after": then,
                    "reduction": now - then,
                }
            )
        per_factor.sort(key=lambda p: (-_key(p["reduction"]), p["answer"].concept.label.lower()))
        return total, per_factor

    def micmac(self) -> dict[str, tuple[float, float]]:
        """(influence, dependence) of each capability, each scaled to 0..1 (MICMAC).

        influence: how many concepts sit downstream of it along mitigates, causes and hurts;
        dependence: how many sit upstream along influencesPositively, applies, focuses, supports.
        Only concepts relevant at the stage count.
        """

        def build(predicates: tuple[str, ...]) -> nx.DiGraph:
            g = nx.DiGraph()
            for e in self.kg.edges:
                if e.predicate not in predicates:
                    continue
                s, o = self.kg.concepts[e.subject], self.kg.concepts[e.object]
                if relevant(s, self.stage) and relevant(o, self.stage):
                    g.add_edge(e.subject, e.object)
            return g

        down, up = build(DOWNSTREAM), build(UPSTREAM)
        caps = self.kg.of_type("Capability")
        raw = {
            c.iri: (
                len(nx.descendants(down, c.iri)) if c.iri in down else 0,
                len(nx.ancestors(up, c.iri)) if c.iri in up else 0,
            )
            for c in caps
        }
        max_in = max((v[0] for v in raw.values()), default=0) or 1
        max_dep = max((v[1] for v in raw.values()), default=0) or 1
        return {iri: (i / max_in, d / max_dep) for iri, (i, d) in raw.items()}

    @staticmethod
    def quadrant(influence: float, dependence: float) -> str:
        if influence >= 0.5:
            return "linkage" if dependence >= 0.5 else "driver"
        return "dependent" if dependence >= 0.5 else "autonomous"

    def leverage(self) -> list[dict]:
        micmac = self.micmac()
        rows = []
        for cap in self.kg.of_type("Capability"):
            if not relevant(cap, self.stage) and cap.iri not in self.ratings:
                continue  # a capability of the other stage is only ranked if the org rated it
            total, per_factor = self.gain(cap)
            if _key(total) <= 0:
                continue
            influence, dependence = micmac.get(cap.iri, (0.0, 0.0))
            score = total * (1 + self.params.influence_bonus * influence)
            rating = self.ratings.get(cap.iri)
            rows.append(
                {
                    **cap.summary(),
                    "stages": cap.stages,
                    "depth": rating.depth if rating else None,
                    "width": rating.width if rating else None,
                    "assessed": rating is not None,
                    "strength": _r(self.strengths.get(cap.iri, 0.0)),
                    "gain": _r(total),
                    "influence": _r(influence),
                    "dependence": _r(dependence),
                    "quadrant": self.quadrant(influence, dependence),
                    "leverage": _r(score),
                    "factors": [
                        {
                            **p["answer"].concept.summary(),
                            "kind": p["answer"].kind,
                            "exposure": _r(p["exposure"]),
                            "exposure_if_4x4": _r(p["exposure_after"]),
                            "reduction": _r(p["reduction"]),
                            "path": p["answer"].path(),
                            "steps": _steps(p["answer"].steps),
                        }
                        for p in per_factor
                        if _key(p["reduction"]) > 0
                    ],
                    "_score": score,
                    "_gain": total,
                }
            )
        rows.sort(key=lambda r: (-_key(r["_score"]), -_key(r["_gain"]), r["label"].lower()))
        for r in rows:
            del r["_score"], r["_gain"]
        return rows

    # ---- next steps ----------------------------------------------------------------------------

    def _action(self, cap: Concept) -> dict:
        """The next move on the essay's two axes.

        strength = depth x width / 16, so one step on an axis adds (other axis)/16: raising the
        lower axis always gains at least as much (tie: depth first). A capability at 0 x 0 is
        missing entirely and must be established on both axes before it counts at all.
        """
        rating = self.ratings.get(cap.iri)
        depth, width = (rating.depth, rating.width) if rating else (0, 0)
        if depth == 0 and width == 0:
            one_step, _ = self.gain(cap, strength(1, 1))
            return {
                "dimension": "both",
                "question": f"{DEPTH_QUESTION} {WIDTH_QUESTION}",
                "depth": [0, 1],
                "width": [0, 1],
                "gain_one_step": _r(one_step),
                "text": f"Establish {cap.label}: it is missing; start at depth 1 and width 1.",
            }
        if depth <= width:
            dimension, question, new = "depth", DEPTH_QUESTION, (depth + 1, width)
        else:
            dimension, question, new = "width", WIDTH_QUESTION, (depth, width + 1)
        one_step, _ = self.gain(cap, strength(*new))
        verb = "Deepen" if dimension == "depth" else "Widen"
        now = depth if dimension == "depth" else width
        return {
            "dimension": dimension,
            "question": question,
            "depth": [depth, new[0]],
            "width": [width, new[1]],
            "gain_one_step": _r(one_step),
            "text": f"{verb} {cap.label}: {dimension} {now} → {now + 1}. {question}",
        }

    def _values(self, cap: Concept, factors: list[Concept]) -> list[tuple[Concept, Edge, str]]:
        """Values that build the capability (influencesPositively), else that mitigate its factors."""
        found = [
            (self.kg.concepts[e.subject], e, "influences")
            for e in self.kg.edges_to(cap.iri, "influencesPositively")
        ]
        if not found:
            factor_iris = {f.iri for f in factors}
            seen: set[str] = set()
            for f_iri in sorted(factor_iris):
                for e in self.kg.edges_to(f_iri, "mitigates"):
                    v = self.kg.concepts[e.subject]
                    if v.is_a("Value") and v.iri not in seen:
                        seen.add(v.iri)
                        found.append((v, e, "co-mitigates"))
        return sorted(found, key=lambda t: t[0].label.lower())

    def _mechanism_status(self, iri: str) -> str:
        if iri in self.mechanisms_in_place:
            return "in place"
        if iri in self.mechanisms_listed:
            return "not in place"
        return "not assessed"

    def next_step(self, lev: dict, rank: int) -> dict:
        kg = self.kg
        cap = kg.concepts[lev["iri"]]
        _total, per_factor = self.gain(cap)
        per_factor = [p for p in per_factor if _key(p["reduction"]) > 0]
        factors = [p["answer"].concept for p in per_factor]
        values = self._values(cap, factors)

        mechanisms: dict[str, dict] = {}
        for value, v_edge, _route in values:
            for m_edge in sorted(
                kg.edges_to(value.iri, "applies"), key=lambda e: kg.concepts[e.subject].label
            ):
                m = kg.concepts[m_edge.subject]
                item = mechanisms.setdefault(
                    m.iri,
                    {
                        **m.summary(),
                        "status": self._mechanism_status(m.iri),
                        "cadence": (m.attributes.get("cadence") or [None])[0],
                        "applies": [],
                        "steps": [],
                    },
                )
                item["applies"].append(value.label)
                item["steps"].append(_edge_steps(kg, [m_edge, v_edge]))
        mech_rows = sorted(
            mechanisms.values(),
            key=lambda m: (m["status"] == "in place", -len(m["applies"]), m["label"].lower()),
        )
        missing = [m for m in mech_rows if m["status"] != "in place"]

        metrics: dict[str, dict] = {}

        def add_metric(edge: Edge, reason: str) -> None:
            metric = kg.concepts[edge.subject]
            item = metrics.setdefault(
                metric.iri,
                {
                    **metric.summary(),
                    "tracked": metric.iri in self.metrics_tracked,
                    "reasons": [],
                    "steps": [],
                },
            )
            if reason not in item["reasons"]:
                item["reasons"].append(reason)
                item["steps"].append(_edge_steps(kg, [edge]))

        for e in kg.edges_to(cap.iri, "focuses"):
            add_metric(e, f"focuses {cap.label}")
        for m in missing:
            for e in kg.edges_to(m["iri"], "focuses"):
                add_metric(e, f"focuses {m['label']}")
        outcomes: dict[str, Concept] = {}
        for f in factors:
            for hop in path_to_outcome(kg, f.iri)[-1:]:
                outcomes[hop.object] = kg.concepts[hop.object]
            for e in kg.edges_from(f.iri, "hurts"):
                outcomes[e.object] = kg.concepts[e.object]
        for o_iri in sorted(outcomes):
            for e in kg.edges_to(o_iri, "watches"):
                add_metric(e, f"watches {kg.concepts[o_iri].label}")
        metric_rows = sorted(metrics.values(), key=lambda m: (m["tracked"], m["label"].lower()))

        # The chain starts at the value whose mechanisms are most missing (then by label).
        missing_by_value = {
            label: sum(1 for m in missing if label in m["applies"])
            for label in {v[0].label for v in values}
        }
        builders = sorted(
            (v for v in values if v[2] == "influences"),
            key=lambda v: (-missing_by_value[v[0].label], v[0].label.lower()),
        )
        chains: list[dict] = []
        seen_chains: set[tuple] = set()
        for p in per_factor:
            if len(chains) >= self.params.chains_per_step:
                break
            answer: Answer = p["answer"]
            edges: list[Edge] = []
            if builders:
                edges.append(builders[0][1])
            edges += [s.edge for s in answer.steps]
            edges += path_to_outcome(kg, answer.concept.iri)
            signature = tuple((e.subject, e.predicate, e.object) for e in edges)
            if signature in seen_chains:
                continue  # the same chain already explains an earlier factor
            seen_chains.add(signature)
            chains.append(
                {
                    "factor": answer.concept.summary(),
                    "reduction": _r(p["reduction"]),
                    "path": _path_labels(kg, edges),
                    "iris": [edges[0].subject, *(e.object for e in edges)] if edges else [],
                    "basis": "stated" if all(e.basis == "stated" for e in edges) else "interpreted",
                    "steps": _edge_steps(kg, edges),
                }
            )

        return {
            "rank": rank,
            "capability": cap.summary(),
            "depth": lev["depth"],
            "width": lev["width"],
            "strength": lev["strength"],
            "gain": lev["gain"],
            "leverage": lev["leverage"],
            "quadrant": lev["quadrant"],
            "action": self._action(cap),
            "factors": lev["factors"],
            "values": [
                {**v.summary(), "route": route, "steps": _edge_steps(kg, [e])}
                for v, e, route in values
            ],
            "mechanisms": mech_rows,
            "missing_mechanisms": [m["label"] for m in missing],
            "metrics": metric_rows,
            "chains": chains,
        }

    # ---- blind spots ---------------------------------------------------------------------------

    def blind_spots(self, exposure_rows: list[dict]) -> dict:
        factors = []
        for row in exposure_rows:
            if any(m["strength"] > 0 for m in row["mitigators"]):
                continue
            if row["mitigators"]:
                reason = "its mitigators are all missing (rated 0 or not assessed): " + ", ".join(
                    m["label"] for m in row["mitigators"]
                )
            else:
                reason = "no capability in the graph mitigates it"
            value_mitigators = sorted(
                (
                    self.kg.concepts[e.subject]
                    for e in self.kg.edges_to(row["iri"], "mitigates")
                    if self.kg.concepts[e.subject].is_a("Value")
                ),
                key=lambda c: c.label.lower(),
            )
            factors.append(
                {
                    **{k: row[k] for k in ("iri", "id", "label", "type")},
                    "exposure": row["exposure"],
                    "reason": reason,
                    "mitigators": [
                        {k: m[k] for k in ("iri", "id", "label", "type", "kind", "steps")}
                        for m in row["mitigators"]
                    ],
                    "values": [v.summary() for v in value_mitigators],
                }
            )
        exposure_by_iri = {r["iri"]: r["exposure"] for r in exposure_rows}
        outcomes = []
        for o in self.kg.of_type("PositiveOutcome"):
            watchers = sorted(
                (e for e in self.kg.edges_to(o.iri, "watches")),
                key=lambda e: self.kg.concepts[e.subject].label.lower(),
            )
            tracked = [e for e in watchers if e.subject in self.metrics_tracked]
            if o.iri in self.dora or tracked:
                continue
            hurt_by = sorted(
                (
                    (self.kg.concepts[e.subject], exposure_by_iri[e.subject])
                    for e in self.kg.edges_to(o.iri, "hurts")
                    if e.subject in exposure_by_iri
                ),
                key=lambda t: (-_key(t[1]), t[0].label.lower()),
            )
            outcomes.append(
                {
                    **o.summary(),
                    "reason": "no DORA value given and no tracked input metric watches it",
                    "units": list(DORA_UNITS.get(o.slug, ())),
                    "watch_with": [
                        {
                            **self.kg.concepts[e.subject].summary(),
                            "steps": _edge_steps(self.kg, [e]),
                        }
                        for e in watchers
                    ],
                    "hurt_by": [{**f.summary(), "exposure": x} for f, x in hurt_by],
                }
            )
        return {"factors": factors, "outcomes": outcomes}

    def _summary(self, slug: str) -> dict:
        concept = self.kg.concept(slug)
        if concept is None:  # stored against an older graph that had this concept
            return {"iri": None, "id": slug, "label": slug, "type": "unknown"}
        return concept.summary()

    def stale_warnings(self) -> list[str]:
        """References the current graph no longer has (the assessment is older than the graph)."""
        doc = self.doc
        refs = (
            [r.capability for r in doc.capabilities]
            + [m.mechanism for m in doc.mechanisms]
            + [s.signal for s in doc.signals]
            + [m.metric for m in doc.input_metrics]
            + [m.metric for m in doc.dora]
        )
        missing = sorted({r for r in refs if self.kg.concept(r) is None})
        if not missing:
            return []
        return [
            "not in the current graph, so not counted: " + ", ".join(missing) + " (the assessment"
            f" was checked against snapshot {self.assessment.snapshot or 'unknown'})"
        ]

    def signal_warnings(self) -> list[str]:
        """Observed signals that point only at failure factors of the other stage."""
        out = []
        for iri in sorted(self.observed, key=lambda i: self.kg.concepts[i].label.lower()):
            targets = [self.kg.concepts[e.object] for e in self.kg.edges_from(iri, "signals")]
            if targets and not any(t.iri in self.factor_iris for t in targets):
                out.append(
                    f"signal '{self.kg.concepts[iri].label}' points only at failure factors of "
                    f"another stage ({', '.join(sorted(t.label for t in targets))}): the "
                    "organisation may be moving into the next stage"
                )
        return out

    # ---- the whole report ----------------------------------------------------------------------

    def capabilities(self) -> list[dict]:
        rows = []
        for cap in self.kg.of_type("Capability"):
            rating = self.ratings.get(cap.iri)
            if rating is None and not (cap.stages and self.stage in cap.stages):
                continue
            rows.append(
                {
                    **cap.summary(),
                    "assessed": rating is not None,
                    "depth": rating.depth if rating else None,
                    "width": rating.width if rating else None,
                    "strength": _r(self.strengths.get(cap.iri, 0.0)),
                    "note": rating.note if rating and rating.note else None,
                    "diagnostic_questions": cap.diagnostic_questions,
                }
            )
        rows.sort(key=lambda r: (not r["assessed"], -_key(r["strength"]), r["label"].lower()))
        return rows

    def report(self) -> dict:
        exposure_rows = self.exposure()
        leverage_rows = self.leverage()
        next_steps = [
            self.next_step(lev, i + 1)
            for i, lev in enumerate(leverage_rows[: self.params.next_steps])
        ]
        blind = self.blind_spots(exposure_rows)
        mean = (
            math.fsum(r["exposure"] for r in exposure_rows) / len(exposure_rows)
            if exposure_rows
            else 0.0
        )
        doc = self.doc
        return {
            "assessment": {
                "id": self.assessment.id,
                "organisation": doc.organisation,
                "date": doc.date.isoformat(),
                "stage": doc.stage,
                "headcount": doc.headcount,
                "note": doc.note,
                "created": self.assessment.created or None,
            },
            "snapshot": self.kg.snapshot_hash,
            "model": {"version": MODEL_VERSION, **asdict(self.params)},
            "summary": {
                "mean_exposure": _r(mean),
                "factors": len(exposure_rows),
                "blind_spot_factors": len(blind["factors"]),
                "blind_spot_outcomes": len(blind["outcomes"]),
                "most_exposed": exposure_rows[0]["label"] if exposure_rows else None,
                "top_leverage": leverage_rows[0]["label"] if leverage_rows else None,
                "signals_observed": len(self.observed),
            },
            "warnings": stage_warnings(doc) + self.signal_warnings() + self.stale_warnings(),
            "capabilities": self.capabilities(),
            "mechanisms": [
                {
                    **self._summary(m.mechanism),
                    "in_place": m.in_place,
                    "cadence": m.cadence,
                    "note": m.note,
                }
                for m in doc.mechanisms
            ],
            "signals": [
                {**self._summary(s.signal), "note": s.note} for s in doc.signals if s.observed
            ],
            "dora": [
                {**self._summary(m.metric), "value": m.value, "unit": m.unit} for m in doc.dora
            ],
            "exposure": exposure_rows,
            "leverage": leverage_rows,
            "next_steps": next_steps,
            "blind_spots": blind,
        }


def analyse(kg: KnowledgeGraph, assessment: Assessment, params: Parameters = DEFAULT) -> dict:
    """The diagnostic report of ``assessment`` (a JSON-ready dict; see docs/diagnostic.md)."""
    return Diagnostic(kg, assessment, params).report()


# ---- the graph page overlay ----------------------------------------------------------------------


def _blend(low: str, high: str, t: float) -> str:
    t = min(1.0, max(0.0, t))
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


STRENGTH_COLOURS = ("#f2f0f7", "#1a9850")  # none -> full strength (green)
EXPOSURE_COLOURS = ("#fff5eb", "#d7301f")  # none -> fully exposed (red)


def overlay(report: dict) -> dict:
    """Node styling for ``/graph?assessment={id}``: pure, from a report of ``analyse``.

    Returns ``{node_iri: {"strength": s, "colour": "#hex"}}`` for every capability in the
    report, ``{node_iri: {"exposure": e, "colour": "#hex"}}`` for every failure factor, and
    ``"leverage_paths"``: the IRI chains (value -> capability -> failure factor -> outcome) of
    the next steps, best first.
    """
    out: dict = {}
    for cap in report.get("capabilities", []):
        out[cap["iri"]] = {
            "strength": cap["strength"],
            "colour": _blend(*STRENGTH_COLOURS, cap["strength"]),
        }
    for row in report.get("exposure", []):
        out[row["iri"]] = {
            "exposure": row["exposure"],
            "colour": _blend(*EXPOSURE_COLOURS, row["exposure"]),
        }
    out["leverage_paths"] = [
        chain["iris"] for step in report.get("next_steps", []) for chain in step["chains"]
    ]
    return out
