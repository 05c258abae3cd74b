"""What changed between two assessments: exposure up or down per failure factor, and why.

Both reports must come from ``report.analyse`` on the same graph (the caller re-analyses stored
assessments against the current snapshot, so a change is never an artefact of a graph update).
"""

from .scoring import key as _key
from .scoring import r as _r


def _direction(a: float | None, b: float | None) -> str:
    if a is None:
        return "new"
    if b is None:
        return "gone"
    if _key(b - a) > 0:
        return "up"
    if _key(b - a) < 0:
        return "down"
    return "same"


def _summary(report: dict) -> dict:
    return {**report["assessment"], "mean_exposure": report["summary"]["mean_exposure"]}


def compare(a: dict, b: dict) -> dict:
    """Changes from report ``a`` (before) to report ``b`` (after).

    factors: every failure factor in either report, with exposure before, after, the delta and
    the direction (up, down, same; new or gone when the stage changed), biggest move first.
    capabilities: depth, width and strength before and after, for those that changed.
    """
    before = {r["iri"]: r for r in a["exposure"]}
    after = {r["iri"]: r for r in b["exposure"]}
    factors = []
    for iri in before.keys() | after.keys():
        ra, rb = before.get(iri), after.get(iri)
        ea = ra["exposure"] if ra else None
        eb = rb["exposure"] if rb else None
        row = ra or rb
        assert row is not None  # iri is a factor of one report or the other
        factors.append(
            {
                **{k: row[k] for k in ("iri", "id", "label", "type")},
                "before": ea,
                "after": eb,
                "delta": _r(eb - ea) if ea is not None and eb is not None else None,
                "direction": _direction(ea, eb),
                "signals_before": [s["label"] for s in ra["signals"]] if ra else [],
                "signals_after": [s["label"] for s in rb["signals"]] if rb else [],
            }
        )
    factors.sort(key=lambda f: (-abs(_key(f["delta"] or 0.0)), f["direction"], f["label"].lower()))

    caps_a = {c["iri"]: c for c in a["capabilities"]}
    caps_b = {c["iri"]: c for c in b["capabilities"]}
    capabilities = []
    for iri in caps_a.keys() | caps_b.keys():
        ca, cb = caps_a.get(iri), caps_b.get(iri)
        pair = [(c or {}).get(k) for c in (ca, cb) for k in ("depth", "width")]
        if pair[:2] == pair[2:]:
            continue
        row = ca or cb
        assert row is not None  # iri is a capability of one report or the other
        sa, sb = (ca or {}).get("strength", 0.0), (cb or {}).get("strength", 0.0)
        capabilities.append(
            {
                **{k: row[k] for k in ("iri", "id", "label", "type")},
                "depth": [pair[0], pair[2]],
                "width": [pair[1], pair[3]],
                "strength": [sa, sb],
                "delta": _r(sb - sa),
            }
        )
    capabilities.sort(key=lambda c: (-abs(_key(c["delta"])), c["label"].lower()))

    def labels(report: dict, key: str, flag: str | None = None) -> set[str]:
        return {x["label"] for x in report[key] if flag is None or x.get(flag)}

    counts = {d: sum(1 for f in factors if f["direction"] == d) for d in ("up", "down", "same")}
    return {
        "a": _summary(a),
        "b": _summary(b),
        "mean_exposure": {
            "before": a["summary"]["mean_exposure"],
            "after": b["summary"]["mean_exposure"],
            "delta": _r(b["summary"]["mean_exposure"] - a["summary"]["mean_exposure"]),
        },
        "counts": counts,
        "factors": factors,
        "capabilities": capabilities,
        "signals": {
            "added": sorted(labels(b, "signals") - labels(a, "signals")),
            "removed": sorted(labels(a, "signals") - labels(b, "signals")),
        },
        "mechanisms": {
            "added": sorted(
                labels(b, "mechanisms", "in_place") - labels(a, "mechanisms", "in_place")
            ),
            "removed": sorted(
                labels(a, "mechanisms", "in_place") - labels(b, "mechanisms", "in_place")
            ),
        },
    }
