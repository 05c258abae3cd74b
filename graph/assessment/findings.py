"""What the report finds besides the moves: blind spots, and warnings that are not errors.

- **Blind spots**: the stage factors that nothing the organisation has mitigates (every
  capability mitigator at strength 0, or none in the graph; the values that would mitigate them
  are listed), and the positive outcomes no metric watches (no DORA value, no tracked input metric
  with a ``watches`` edge).
- **Warnings**: the stage checks of ``resolve.stage_warnings``; a signal that points only at
  another stage's factors; a failure the organisation sees that no capability in the graph
  mitigates, or that is not counted at this stage; references the current graph no longer has.
"""

from .advice import step_dict
from .diagnostic import Diagnostic, capability_mitigators
from .model import DORA_UNITS, Assessment
from .resolve import stage_warnings
from .scoring import key as _key


def blind_spots(diag: Diagnostic, tracked: set[str], exposure_rows: list[dict]) -> dict:
    """Stage factors nothing the organisation has mitigates; outcomes no metric watches."""
    kg, doc = diag.kg, diag.doc
    factors = []
    for row in exposure_rows:
        if any(m["strength"] > 0 for m in row["mitigators"]):
            continue
        reason = (
            "its mitigators are all missing (rated 0 or not assessed): "
            + ", ".join(m["label"] for m in row["mitigators"])
            if row["mitigators"]
            else "no capability in the graph mitigates it"
        )
        values = sorted(
            (
                kg.concepts[e.subject]
                for e in kg.edges_to(row["iri"], "mitigates")
                if kg.concepts[e.subject].is_a("Value")
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
                "values": [v.summary() for v in values],
            }
        )
    exposure_by_iri = {row["iri"]: row["exposure"] for row in exposure_rows}
    dora = {c.iri for m in doc.dora if (c := kg.concept(m.metric))}
    outcomes = []
    for o in kg.of_type("PositiveOutcome"):
        watchers = sorted(
            kg.edges_to(o.iri, "watches"), key=lambda e: kg.concepts[e.subject].label.lower()
        )
        if o.iri in dora or any(e.subject in tracked for e in watchers):
            continue
        hurt_by = sorted(
            (
                (kg.concepts[e.subject], exposure_by_iri[e.subject])
                for e in kg.edges_to(o.iri, "hurts")
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
                    {**kg.concepts[e.subject].summary(), "steps": [step_dict(kg, e)]}
                    for e in watchers
                ],
                "hurt_by": [{**f.summary(), "exposure": x} for f, x in hurt_by],
            }
        )
    return {"factors": factors, "outcomes": outcomes}


def warnings(diag: Diagnostic, assessment: Assessment) -> list[str]:
    """What looks inconsistent or cannot be counted (never an error)."""
    kg, d, doc = diag.kg, diag, diag.doc
    out = list(stage_warnings(doc))
    for iri in sorted(d.evidence.observed_signals, key=lambda i: kg.concepts[i].label.lower()):
        targets = [kg.concepts[e.object] for e in kg.edges_from(iri, "signals")]
        if targets and not any(t.iri in d.factor_iris for t in targets):
            later = doc.stage == "early"
            out.append(
                f"signal '{kg.concepts[iri].label}' points only at failure factors of "
                f"another stage ({', '.join(sorted(t.label for t in targets))}): "
                + (
                    "the organisation may be moving into the next stage"
                    if later
                    else "an early-stage signal, not counted at the late stage"
                )
            )
    refs = (
        [c.capability for c in doc.capabilities]
        + [m.mechanism for m in doc.mechanisms]
        + [s.signal for s in doc.signals]
        + [m.metric for m in doc.input_metrics]
        + [m.metric for m in doc.dora]
        + [f.factor for f in doc.failures]
    )
    for item in doc.failures:
        factor = kg.concept(item.factor)
        if factor is not None and factor.iri in d.factor_iris:
            if not capability_mitigators(kg, factor):
                out.append(
                    f"you see {factor.label.lower()}, but no capability in the graph mitigates "
                    "it (the sources name none); it weighs in the report, and no move can "
                    "cut it"
                )
        elif factor is not None:
            out.append(
                f"you see {factor.label.lower()}, a failure factor of another stage or not "
                "applicable here: it is not counted"
            )
    missing = sorted({x for x in refs if kg.concept(x) is None})
    if missing:
        out.append(
            "not in the current graph, so not counted: " + ", ".join(missing) + " (the "
            f"assessment was checked against snapshot {assessment.snapshot or 'unknown'})"
        )
    return out
