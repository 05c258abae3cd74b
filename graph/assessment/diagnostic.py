"""The graph walks of the diagnostic: exposure per failure factor, and the ranking of next steps.

- Stage factors: the failure factors tagged with the organisation's stage or with none, minus
  those whose every capability mitigator the organisation marked "not applicable".
- Mitigators of a factor: the capabilities that mitigate it directly (weight 1) or mitigate a
  contributing factor that causes it (weight 0.5), as ``answers.related`` finds them; each counts
  weight x confidence weight (of the edge, or of the weakest edge of the path) x strength.
- exposure(f): noisy-OR of the mitigators (``scoring.exposure_of``); weight(f) from the evidence
  (``evidence.py``); weighted exposure = weight x exposure.
- gain(c): the cut in weighted exposure, summed over the stage factors, that the realistic next
  step on c buys (``scoring.next_level``: one level up, never past the target).
- priority(c) = gain / effort points, x 1.5 for a missing or shallow capability the stage needs
  (the sequencing rule), x 0.5 for a capability of the other stage. A capability whose only
  support is speculative edges is ranked after every other one, so it never reaches the top
  three. Equal priorities (to 3 decimals) are ties, broken by the surer support, then the lower
  level, then the label, and reported as ties.
"""

from typing import Any

import networkx as nx

from ..answers import Answer, related
from ..confidence import SPECULATIVE, rank
from ..model import Concept, KnowledgeGraph
from .evidence import Evidence
from .model import STAGE_IRIS, Assessment, CapabilityRating
from .scoring import (
    DEFAULT,
    Parameters,
    confidence_weight,
    effort_points,
    exposure_of,
    key,
    level,
    next_level,
    path_confidence,
    strength,
)

DOWNSTREAM = ("mitigates", "causes", "hurts")
UPSTREAM = ("influencesPositively", "applies", "focuses", "supports")
BASIC_LEVEL = 2.0  # below this a capability is missing or shallow


def relevant(concept: Concept, stage: str) -> bool:
    """Relevant at ``stage`` (a stage slug): tagged with it, or with no stage at all."""
    return not concept.stages or stage in concept.stages


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


def best_way(answer: Answer, indirect_weight: float) -> tuple[float, str]:
    """(path weight x confidence weight, confidence) of the best of the answer's paths.

    A capability may mitigate a factor directly and through a contributing factor; the path
    that counts is the one worth most: 1 (direct) or ``indirect_weight``, times its confidence.
    """
    best = (0.0, SPECULATIVE)
    for kind, steps in answer.chains:
        confidence = path_confidence(s.edge.confidence for s in steps)
        worth = (1.0 if kind == "direct" else indirect_weight) * confidence_weight(confidence)
        if worth > best[0]:
            best = (worth, confidence)
    return best


def answer_confidence(answer: Answer, indirect_weight: float = DEFAULT.indirect_weight) -> str:
    return best_way(answer, indirect_weight)[1]


class Diagnostic:
    """Exposure and ranking of one assessment against one graph."""

    def __init__(self, kg: KnowledgeGraph, assessment: Assessment, params: Parameters = DEFAULT):
        self.kg = kg
        self.assessment = assessment
        self.doc = assessment.document
        self.params = params
        self.stage = STAGE_IRIS[self.doc.stage]
        self.ratings: dict[str, CapabilityRating] = {}  # rated: depth and width are set
        self.not_applicable: set[str] = set()
        for item in self.doc.capabilities:
            concept = kg.concept(item.capability)
            if concept is None:
                continue
            if item.rated:
                self.ratings[concept.iri] = item
            else:
                self.not_applicable.add(concept.iri)
        candidates = [f for f in kg.of_type("FailureFactor") if relevant(f, self.stage)]
        self.factors_not_applicable = [f for f in candidates if self._all_not_applicable(f)]
        self.factors = [f for f in candidates if f not in self.factors_not_applicable]
        self.factor_iris = {f.iri for f in self.factors}
        self.evidence = Evidence(kg, self.doc, self.stage, self.factor_iris)
        self.strengths = {iri: self.effective(iri, *self.rating_of(iri)) for iri in self.ratings}
        for cap in kg.of_type("Capability"):  # unrated: 0, plus what the rituals build
            if cap.iri not in self.ratings and cap.iri not in self.not_applicable:
                boost = self.evidence.ritual_boost(cap.iri)
                if boost:
                    self.strengths[cap.iri] = boost

    def _all_not_applicable(self, factor: Concept) -> bool:
        direct = [a for a in capability_mitigators(self.kg, factor) if a.kind == "direct"]
        return bool(direct) and all(a.concept.iri in self.not_applicable for a in direct)

    def effective(self, iri: str, depth: int, width: int) -> float:
        return self.evidence.effective(iri, strength(depth, width), depth, width)

    def rating_of(self, iri: str) -> tuple[int, int]:
        """(depth, width) of a rated capability; (0, 0) when it is not rated."""
        r = self.ratings.get(iri)
        if r is None or r.depth is None or r.width is None:
            return (0, 0)
        return (r.depth, r.width)

    # ---- exposure --------------------------------------------------------------------------------

    def path_weight(self, answer: Answer) -> float:
        return best_way(answer, self.params.indirect_weight)[0]

    def factor_exposure(self, factor: Concept, strengths: dict[str, float] | None = None) -> float:
        strengths = self.strengths if strengths is None else strengths
        return exposure_of(
            self.path_weight(a) * strengths.get(a.concept.iri, 0.0)
            for a in capability_mitigators(self.kg, factor)
            if a.concept.iri not in self.not_applicable
        )

    def weight(self, factor: Concept) -> float:
        return self.evidence.weight(factor.iri)

    # ---- gain of a move --------------------------------------------------------------------------

    def target(self, iri: str) -> tuple[int, int] | None:
        r = self.ratings.get(iri)
        if r is None or (r.target_depth is None and r.target_width is None):
            return None
        return (
            r.target_depth if r.target_depth is not None else 4,
            r.target_width if r.target_width is not None else 4,
        )

    def move(self, capability: Concept) -> tuple[tuple[int, int], tuple[int, int]]:
        """(rating now, rating after the realistic next step)."""
        now = self.rating_of(capability.iri)
        return now, next_level(*now, self.target(capability.iri))

    def gain(self, capability: Concept, to: tuple[int, int]) -> tuple[float, list[dict[str, Any]]]:
        """Weighted exposure cut if ``capability`` were rated ``to``; and the cut per factor."""
        changed = dict(self.strengths)
        changed[capability.iri] = max(
            self.effective(capability.iri, *to), self.strengths.get(capability.iri, 0.0)
        )
        total = 0.0
        per_factor: list[dict[str, Any]] = []
        for answer in mitigated_by(self.kg, capability):
            f = answer.concept
            if f.iri not in self.factor_iris:
                continue
            now, then = self.factor_exposure(f), self.factor_exposure(f, changed)
            weight = self.weight(f)
            total += weight * (now - then)
            per_factor.append(
                {
                    "answer": answer,
                    "confidence": answer_confidence(answer, self.params.indirect_weight),
                    "exposure": now,
                    "exposure_after": then,
                    "weight": weight,
                    "reduction": weight * (now - then),
                }
            )
        per_factor.sort(key=lambda p: (-key(p["reduction"]), p["answer"].concept.label.lower()))
        return total, per_factor

    # ---- ranking ---------------------------------------------------------------------------------

    def is_basic(self, capability: Concept) -> bool:
        """A capability the stage needs (tagged with it) that is missing or shallow."""
        return self.stage in capability.stages and level(*self.rating_of(capability.iri)) < (
            BASIC_LEVEL
        )

    def candidates(self) -> list[Concept]:
        out = []
        for cap in self.kg.of_type("Capability"):
            if cap.iri in self.not_applicable:
                continue
            if not relevant(cap, self.stage) and cap.iri not in self.ratings:
                continue  # a capability of the other stage is only ranked if the org rated it
            out.append(cap)
        return out

    def ranking(self) -> list[dict[str, Any]]:
        """Every capability with a move that cuts weighted exposure, best first."""
        rows: list[dict[str, Any]] = []
        for cap in self.candidates():
            now, after = self.move(cap)
            if after == now:
                continue
            total, per_factor = self.gain(cap, after)
            per_factor = [p for p in per_factor if key(p["reduction"]) > 0]
            if key(total) <= 0 or not per_factor:
                continue
            support = min((rank(p["confidence"]) for p in per_factor), default=rank(SPECULATIVE))
            effort = self.ratings[cap.iri].effort if cap.iri in self.ratings else None
            basic = self.is_basic(cap)
            other_stage = not relevant(cap, self.stage)
            priority = total / effort_points(effort)
            priority *= self.params.basics_bonus if basic else 1.0
            priority *= self.params.other_stage_factor if other_stage else 1.0
            rows.append(
                {
                    "capability": cap,
                    "now": now,
                    "after": after,
                    "gain": total,
                    "effort": effort,
                    "per_effort": total / effort_points(effort),
                    "basic": basic,
                    "other_stage": other_stage,
                    "priority": priority,
                    "speculative_only": all(p["confidence"] == SPECULATIVE for p in per_factor),
                    "support": support,
                    "factors": per_factor,
                }
            )
        decimals = self.params.tie_decimals
        rows.sort(
            key=lambda r: (
                r["speculative_only"],
                -round(r["priority"], decimals),
                r["support"],
                level(*r["now"]),
                r["capability"].label.lower(),
            )
        )
        for row in rows:
            row["tied_with"] = [
                other["capability"].label
                for other in rows
                if other is not row
                and other["speculative_only"] == row["speculative_only"]
                and round(other["priority"], decimals) == round(row["priority"], decimals)
            ]
        return rows

    # ---- MICMAC (descriptive: not part of the ranking) -------------------------------------------

    def micmac(self) -> dict[str, tuple[float, float]]:
        """(influence, dependence) of each capability, each scaled to 0..1.

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
        raw = {
            c.iri: (
                len(nx.descendants(down, c.iri)) if c.iri in down else 0,
                len(nx.ancestors(up, c.iri)) if c.iri in up else 0,
            )
            for c in self.kg.of_type("Capability")
        }
        max_in = max((v[0] for v in raw.values()), default=0) or 1
        max_dep = max((v[1] for v in raw.values()), default=0) or 1
        return {iri: (i / max_in, d / max_dep) for iri, (i, d) in raw.items()}

    @staticmethod
    def quadrant(influence: float, dependence: float) -> str:
        if influence >= 0.5:
            return "linkage" if dependence >= 0.5 else "driver"
        return "dependent" if dependence >= 0.5 else "autonomous"
