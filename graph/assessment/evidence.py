"""What the organisation reports besides its ratings, turned into numbers the ranking can use.

Ratings say how strong each capability is. The rest of the assessment says where it hurts:

- **observed failure factors**, with a severity: the organisation's own word, weighs most;
- **scaling signals** (slide 11, and the early-stage signals of data/signals.ttl): each raises
  the weight of the failure factors it points at (``skg:signals``), by the edge's confidence;
- **DORA figures**, placed in the 2024 DORA bands (``dora.py``): a low or medium band raises the
  weight of the failure factors that hurt that outcome (``skg:hurts``), an elite band lowers it;
- **hiring pace** (headcount now against a year ago, or against the plan): fast growth raises the
  weight of the factors the talk ties to growing headcount;
- **mechanisms in place** (slides 25-26): a ritual applies values, and the values influence
  capabilities (``applies`` then ``influencesPositively``): the ritual strengthens them a little.

Each factor's weight starts at 1, adds every pressure above, and never drops below 0.25 (the
elite figures lower it, nothing removes a factor). Signals, observed failures and hiring only
ever add. Ratings that the evidence contradicts are flagged; a rating whose own failure factors
hurt an outcome with a low-band DORA figure counts at half its level (the figures are measured,
the rating is not; 4x4 with monthly deploys counts as 2x2).
All the numbers and their reasons are in docs/diagnostic.md.
"""

from dataclasses import dataclass, field

from ..model import Concept, KnowledgeGraph
from .dora import REPORT, Placement, place
from .scoring import confidence_weight, level, path_confidence, strength_at_level

SEVERITY_PRESSURE = {"low": 1.0, "medium": 2.0, "high": 4.0}
SIGNAL_PRESSURE = 1.0  # x the confidence weight of the signals edge
BAND_PRESSURE = {"low": 2.0, "medium": 1.0, "high": 0.0, "elite": -0.5}  # x the hurts edge's weight
WEIGHT_FLOOR = 0.25
FAST_GROWTH = 1.5  # headcount x1.5 in a year: fast; x2: very fast
VERY_FAST_GROWTH = 2.0
GROWTH_PRESSURE = {"fast": 1.0, "very fast": 2.0}
RITUAL_BOOST = 0.1  # per mechanism -> value -> capability path, x its confidence weight
RITUAL_BOOST_CAP = 0.25
HIGH_LEVEL = 3.0
DOUBT = 0.5  # a rating contradicted by a low-band figure counts at half its level

# The failure factors that fast hiring makes more likely, per stage, with the talk's words.
GROWTH_FACTORS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "early": (
        ("hiring-too-many-people-too-early", "slide 18", "Hiring too many people too early"),
    ),
    "late": (
        (
            "developer-productivity-has-dropped",
            "slide 19",
            "Developer productivity has dropped as organization grows",
        ),
        (
            "org-structure-doesnt-support-scale",
            "slide 20",
            "Current organization structure doesn’t support current scale",
        ),
    ),
}


@dataclass
class Pressure:
    """One reason a failure factor weighs more (or less) for this organisation."""

    kind: str  # observed | signal | dora | hiring
    amount: float
    text: str
    source: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "amount": round(self.amount, 4),
            "text": self.text,
            "source": self.source,
        }


def growth(now: int, ago: int | None, plan: int | None) -> tuple[float | None, str]:
    """(the larger of now/ago and plan/now, its pace: steady, fast or very fast)."""
    ratios = [now / ago] if ago else []
    if plan:
        ratios.append(plan / now)
    if not ratios:
        return None, "unknown"
    g = max(ratios)
    pace = "very fast" if g >= VERY_FAST_GROWTH else "fast" if g >= FAST_GROWTH else "steady"
    return g, pace


class Evidence:
    """Factor weights, effective strengths and contradictions of one assessment."""

    def __init__(self, kg: KnowledgeGraph, doc, stage: str, factor_iris: set[str]):
        self.kg = kg
        self.doc = doc
        self.stage = stage
        self.factor_iris = factor_iris
        self.pressures: dict[str, list[Pressure]] = {iri: [] for iri in factor_iris}
        self.contradictions: list[dict] = []
        self.placements: dict[str, Placement] = {}
        self.growth, self.pace = growth(
            doc.headcount, doc.headcount_12_months_ago, doc.headcount_plan
        )
        self.observed_signals = {
            c.iri for s in doc.signals if s.observed and (c := kg.concept(s.signal)) is not None
        }
        self._observed_failures()
        self._signals()
        self._figures()
        self._hiring()

    # ---- factor weights --------------------------------------------------------------------------

    def _add(self, factor: str, pressure: Pressure) -> None:
        if factor in self.pressures:
            self.pressures[factor].append(pressure)

    def _observed_failures(self) -> None:
        for item in self.doc.failures:
            concept = self.kg.concept(item.factor)
            if concept is None:
                continue
            self._add(
                concept.iri,
                Pressure(
                    "observed",
                    SEVERITY_PRESSURE[item.severity],
                    f"you see it today ({item.severity})",
                ),
            )

    def _signals(self) -> None:
        for signal in sorted(self.observed_signals):
            for edge in self.kg.edges_from(signal, "signals"):
                label = self.kg.concepts[signal].label
                self._add(
                    edge.object,
                    Pressure(
                        "signal",
                        SIGNAL_PRESSURE * confidence_weight(edge.confidence),
                        f"signal observed: {label} ({edge.confidence})",
                        _source(edge),
                    ),
                )

    def _figures(self) -> None:
        for m in self.doc.dora:
            placement = place(m.metric, m.value, m.unit)
            outcome = self.kg.concept(m.metric)
            if placement is None or outcome is None:
                continue
            self.placements[outcome.iri] = placement
            amount = BAND_PRESSURE[placement.band]
            if not amount:
                continue
            for edge in self.kg.edges_to(outcome.iri, "hurts"):
                self._add(
                    edge.subject,
                    Pressure(
                        "dora",
                        amount * confidence_weight(edge.confidence),
                        f"{outcome.label} {m.value:g} {m.unit}: {placement.band} "
                        f"({placement.text}; {REPORT})",
                        _source(edge),
                    ),
                )

    def _hiring(self) -> None:
        amount = GROWTH_PRESSURE.get(self.pace)
        if not amount or self.growth is None:
            return
        for slug, locator, quote in GROWTH_FACTORS[self.doc.stage]:
            concept = self.kg.concept(slug)
            if concept is None:
                continue
            self._add(
                concept.iri,
                Pressure(
                    "hiring",
                    amount,
                    f"headcount grows x{self.growth:.1f} in a year ({self.pace})",
                    {"document": "talk", "locator": locator, "quote": quote},
                ),
            )

    def weight(self, factor: str) -> float:
        total = 1.0 + sum(p.amount for p in self.pressures.get(factor, ()))
        return max(WEIGHT_FLOOR, total)

    def raised(self, factor: str) -> bool:
        """Does anything the organisation reports point at this factor?"""
        return any(p.amount > 0 for p in self.pressures.get(factor, ()))

    # ---- effective strength ----------------------------------------------------------------------

    def ritual_paths(self, capability: str) -> list[tuple[Concept, Concept, str]]:
        """(mechanism in place, value, confidence) for rituals whose values build ``capability``."""
        kg = self.kg
        in_place = {
            c.iri for m in self.doc.mechanisms if m.in_place and (c := kg.concept(m.mechanism))
        }
        out = []
        for v_edge in kg.edges_to(capability, "influencesPositively"):
            for m_edge in kg.edges_to(v_edge.subject, "applies"):
                if m_edge.subject in in_place:
                    out.append(
                        (
                            kg.concepts[m_edge.subject],
                            kg.concepts[v_edge.subject],
                            path_confidence([m_edge.confidence, v_edge.confidence]),
                        )
                    )
        return sorted(out, key=lambda t: (t[0].label.lower(), t[1].label.lower()))

    def ritual_boost(self, capability: str) -> float:
        paths = self.ritual_paths(capability)
        return min(RITUAL_BOOST_CAP, sum(RITUAL_BOOST * confidence_weight(c) for *_mv, c in paths))

    def doubted_by(self, capability: str) -> list[dict]:
        """Low-band figures on outcomes hurt by the factors ``capability`` directly mitigates."""
        found = []
        for m_edge in self.kg.edges_from(capability, "mitigates"):
            for h_edge in self.kg.edges_from(m_edge.object, "hurts"):
                placement = self.placements.get(h_edge.object)
                if placement is not None and placement.band == "low":
                    found.append(
                        {
                            "factor": self.kg.concepts[m_edge.object].label,
                            "outcome": self.kg.concepts[h_edge.object].label,
                            "figure": f"{placement.value:g} {placement.unit}",
                            "band": placement.band,
                        }
                    )
        return found

    def effective(self, capability: str, strength: float, depth: int, width: int) -> float:
        """The strength the diagnostic counts: at half the rating's level when a low-band figure
        contradicts it (for every rating, so that raising a rating never raises an exposure and
        a step up still counts), then strengthened by the rituals in place."""
        s = strength
        if self.doubted_by(capability):
            s = strength_at_level(DOUBT * level(depth, width))
        boost = self.ritual_boost(capability)
        return s + (1.0 - s) * boost


def _source(edge) -> dict:
    prov = edge.provenance[0] if edge.provenance else None
    if prov is None:
        return {}
    return {
        "document": prov.document_title or prov.document,
        "locator": prov.locator,
        "quote": prov.quote,
        "confidence": edge.confidence,
    }
