"""Where the assessment disagrees with itself: ratings, signals, observed failures and figures.

A contradiction is never an error: the report flags it, in plain words, and goes on. One rule
changes a number: a rating of level 3 or more whose own failure factors hurt an outcome with a
low-band DORA figure counts at half its level (``evidence.DOUBT``), because the figures are
measured and the rating is not; it is flagged when the rating claims level 3 or more.
"""

from .diagnostic import Diagnostic, capability_mitigators
from .dora import REPORT
from .evidence import GROWTH_FACTORS, HIGH_LEVEL
from .scoring import level


def _rated(diag: Diagnostic, iri: str) -> str:
    d, w = diag.rating_of(iri)
    return f"{diag.kg.concepts[iri].label} ({d}×{w})"


def _high(diag: Diagnostic, iri: str) -> bool:
    return iri in diag.ratings and level(*diag.rating_of(iri)) >= HIGH_LEVEL


def _direct_rated(diag: Diagnostic, factor_iri: str) -> list[str]:
    factor = diag.kg.concepts[factor_iri]
    return [
        a.concept.iri
        for a in capability_mitigators(diag.kg, factor)
        if a.kind == "direct" and a.concept.iri in diag.ratings
    ]


def contradictions(diag: Diagnostic) -> list[dict]:
    kg, ev = diag.kg, diag.evidence
    out: list[dict] = []

    # 1. A high rating, and a low-band figure on an outcome its own failure factors hurt.
    for iri in sorted(diag.ratings, key=lambda i: kg.concepts[i].label.lower()):
        doubts = ev.doubted_by(iri) if _high(diag, iri) else []
        if doubts:
            d = doubts[0]
            out.append(
                {
                    "kind": "rating-vs-figures",
                    "capability": kg.concepts[iri].slug,
                    "text": f"{_rated(diag, iri)} is rated high, but {d['outcome'].lower()} is "
                    f"{d['figure']} (low in the {REPORT}) and {d['factor'].lower()}, which it "
                    "mitigates, hurts it. The diagnostic counts it at half its level; re-check it.",
                }
            )

    # 2. A failure the organisation sees, though everything that mitigates it is rated high.
    for item in diag.doc.failures:
        factor = kg.concept(item.factor)
        if factor is None:
            continue
        rated = _direct_rated(diag, factor.iri)
        if rated and all(_high(diag, i) for i in rated):
            out.append(
                {
                    "kind": "rating-vs-observed",
                    "factor": factor.slug,
                    "text": f"You see {factor.label.lower()} ({item.severity}), yet what "
                    f"mitigates it is rated 3 or more: {', '.join(_rated(diag, i) for i in rated)}."
                    " One of the two is off; the diagnostic trusts what you see.",
                }
            )
        if factor.iri in {f.iri for f in diag.factors_not_applicable}:
            out.append(
                {
                    "kind": "observed-vs-not-applicable",
                    "factor": factor.slug,
                    "text": f"You see {factor.label.lower()}, but marked every capability that "
                    "mitigates it as not applicable.",
                }
            )

    # 3. A signal observed, though every factor it points at is mitigated by high ratings.
    for signal in sorted(ev.observed_signals, key=lambda i: kg.concepts[i].label.lower()):
        targets = [
            e.object for e in kg.edges_from(signal, "signals") if e.object in diag.factor_iris
        ]
        rated = [i for t in targets for i in _direct_rated(diag, t)]
        if (
            targets
            and rated
            and all(_high(diag, i) for i in rated)
            and all(_direct_rated(diag, t) for t in targets)
        ):
            out.append(
                {
                    "kind": "rating-vs-signal",
                    "signal": kg.concepts[signal].slug,
                    "text": f"You observe '{kg.concepts[signal].label.lower()}', yet what "
                    f"mitigates the factors it points at is rated 3 or more: "
                    f"{', '.join(sorted(set(_rated(diag, i) for i in rated)))}.",
                }
            )

    # 4. Fast hiring, though what mitigates the factors hiring makes likelier is rated high.
    if ev.pace in ("fast", "very fast"):
        for slug, _locator, _quote in GROWTH_FACTORS[diag.doc.stage]:
            factor = kg.concept(slug)
            if factor is None or factor.iri not in diag.factor_iris:
                continue
            rated = _direct_rated(diag, factor.iri)
            if rated and all(_high(diag, i) for i in rated):
                out.append(
                    {
                        "kind": "rating-vs-hiring",
                        "factor": factor.slug,
                        "text": f"Headcount grows ×{ev.growth:.1f} in a year ({ev.pace}), yet what "
                        f"mitigates {factor.label.lower()} is rated 3 or more: "
                        f"{', '.join(_rated(diag, i) for i in rated)}. Will it hold at the new size?",
                    }
                )

    # 5. Elite figures on an outcome that a failure the organisation sees would hurt.
    for item in diag.doc.failures:
        factor = kg.concept(item.factor)
        if factor is None:
            continue
        for edge in kg.edges_from(factor.iri, "hurts"):
            placement = ev.placements.get(edge.object)
            if placement is not None and placement.band == "elite":
                out.append(
                    {
                        "kind": "figures-vs-observed",
                        "factor": factor.slug,
                        "text": f"You see {factor.label.lower()}, which hurts "
                        f"{kg.concepts[edge.object].label.lower()}, yet that figure is elite "
                        f"({placement.value:g} {placement.unit}).",
                    }
                )
    return out
