"""What to do about a ranked capability, in words: the move, the rituals, the metrics, the why.

Each next step says:
- the **move** in one sentence (establish, deepen or widen; one level, toward the target);
- at most three **rituals** (mechanisms, slides 25-26) that apply the values building the
  capability, missing ones first, filtered by the organisation's stage and size;
- the **input metrics** to watch (slide 28), untracked ones first;
- the **chains** that explain it, value -> capability -> failure factor (-> causes ...) ->
  outcome, every step with its sources and its confidence.
"""

from ..answers import Answer, Step
from ..model import Concept, Edge, KnowledgeGraph
from ..paths import first_chain
from .diagnostic import Diagnostic
from .model import DEPTH_QUESTION, WIDTH_QUESTION
from .scoring import path_confidence, r

# Rituals that need a stage or a size the organisation may not have: (stage or None, minimum
# headcount, why). Slide 10: the early stage has "Simple org structure", "Few formal systems",
# "Ad hoc planning"; slide 12: the late stage brings "Emerging formal systems and org structure"
# and "New management layers".
RITUAL_NEEDS: dict[str, tuple[str | None, int, str]] = {
    "skip-level-one-on-one": (
        None,
        50,
        "a skip level needs managers of managers (slide 12: new management layers); a team under"
        " 50 has a simple org structure (slide 10)",
    ),
    "quarterly-business-review": (
        "late",
        0,
        "a formal business review belongs with the late stage's formal systems (slide 12); the"
        " early stage has few formal systems and ad hoc planning (slide 10)",
    ),
    "bi-weekly-business-review": (
        "late",
        0,
        "a formal business review belongs with the late stage's formal systems (slide 12); the"
        " early stage has few formal systems and ad hoc planning (slide 10)",
    ),
}
SEVERITY_WORDS = {"low": "a little", "medium": "noticeably", "high": "badly"}


def step_dict(kg: KnowledgeGraph, edge: Edge) -> dict:
    return {**Step(edge, kg).as_dict(), "confidence": edge.confidence}


def path_to_outcome(kg: KnowledgeGraph, factor_iri: str, max_hops: int = 4) -> list[Edge]:
    """The first causes* then hurts chain from a failure factor to a positive outcome."""
    return first_chain(
        kg, factor_iri, through=("causes",), ending=("hurts",), max_steps=max_hops + 1
    )


def _labels(kg: KnowledgeGraph, edges: list[Edge]) -> list[str]:
    if not edges:
        return []
    out = [kg.concepts[edges[0].subject].label]
    for e in edges:
        out += [e.predicate, kg.concepts[e.object].label]
    return out


class Advice:
    def __init__(self, diag: Diagnostic):
        self.diag = diag
        self.kg = diag.kg
        doc = diag.doc
        self.in_place = {
            c.iri for m in doc.mechanisms if m.in_place and (c := self.kg.concept(m.mechanism))
        }
        self.listed = {c.iri for m in doc.mechanisms if (c := self.kg.concept(m.mechanism))}
        self.tracked = {
            c.iri for m in doc.input_metrics if m.tracked and (c := self.kg.concept(m.metric))
        }
        self.observed = {
            c.iri: f.severity for f in doc.failures if (c := self.kg.concept(f.factor)) is not None
        }

    # ---- the move --------------------------------------------------------------------------------

    def action(self, row: dict) -> dict:
        cap: Concept = row["capability"]
        (d0, w0), (d1, w1) = row["now"], row["after"]
        if (d0, w0) == (0, 0):
            dimension, verb = "both", "Establish"
            how = f"it is missing; start at depth {d1} and width {w1}"
            question = f"{DEPTH_QUESTION} {WIDTH_QUESTION}"
        elif d1 > d0:
            dimension, verb, how, question = "depth", "Deepen", f"depth {d0} → {d1}", DEPTH_QUESTION
        else:
            dimension, verb, how, question = "width", "Widen", f"width {w0} → {w1}", WIDTH_QUESTION
        return {
            "dimension": dimension,
            "question": question,
            "depth": [d0, d1],
            "width": [w0, w1],
            "gain_one_step": r(row["gain"]),
            "text": f"{verb} {cap.label}: {how}.",
            "verb": verb,
        }

    def sentence(self, row: dict) -> str:
        """The move and its main reason, in one plain sentence."""
        action = self.action(row)
        cap = row["capability"].label
        (d0, w0), (d1, w1) = row["now"], row["after"]
        if action["dimension"] == "both":
            move = f"Establish {cap} (missing today; aim for {d1}×{w1})"
        else:
            move = f"{action['verb']} {cap} ({d0}×{w0} → {d1}×{w1})"
        top = row["factors"][0]
        factor = top["answer"].concept
        reasons = []
        if factor.iri in self.observed:
            reasons.append(f"you say it hurts {SEVERITY_WORDS[self.observed[factor.iri]]}")
        kinds = {p.kind for p in self.diag.evidence.pressures.get(factor.iri, []) if p.amount > 0}
        if "signal" in kinds:
            reasons.append("your signals point at it")
        if "dora" in kinds:
            reasons.append("your DORA figures show it")
        if "hiring" in kinds:
            reasons.append("your hiring pace makes it likelier")
        why = f" ({', '.join(reasons)})" if reasons else ""
        more = len(row["factors"]) - 1
        also = f" and {more} more failure factor{'s' if more > 1 else ''}" if more > 0 else ""
        return f"{move}: it cuts {factor.label.lower()}{why}{also}."

    # ---- values and rituals ----------------------------------------------------------------------

    def values(self, cap: Concept, factors: list[Concept]) -> list[tuple[Concept, Edge, str]]:
        """Values that build the capability (influencesPositively), else that mitigate its factors."""
        kg = self.kg
        found = [
            (kg.concepts[e.subject], e, "influences")
            for e in kg.edges_to(cap.iri, "influencesPositively")
        ]
        if not found:
            seen: set[str] = set()
            for f_iri in sorted({f.iri for f in factors}):
                for e in kg.edges_to(f_iri, "mitigates"):
                    v = kg.concepts[e.subject]
                    if v.is_a("Value") and v.iri not in seen:
                        seen.add(v.iri)
                        found.append((v, e, "co-mitigates"))
        return sorted(found, key=lambda t: t[0].label.lower())

    def status(self, iri: str) -> str:
        if iri in self.in_place:
            return "in place"
        return "not in place" if iri in self.listed else "not assessed"

    def rituals(self, values: list[tuple[Concept, Edge, str]]) -> tuple[list[dict], list[dict]]:
        """(the rituals to suggest, at most ``rituals_per_step``; those left out and why)."""
        kg, headcount = self.kg, self.diag.doc.headcount
        found: dict[str, dict] = {}
        for value, v_edge, _route in values:
            for m_edge in kg.edges_to(value.iri, "applies"):
                m = kg.concepts[m_edge.subject]
                item = found.setdefault(
                    m.iri,
                    {
                        **m.summary(),
                        "status": self.status(m.iri),
                        "cadence": next(iter(m.attributes.get("cadence", [])), None),
                        "applies": [],
                        "steps": [],
                        "_confidence": [],
                    },
                )
                item["applies"].append(value.label)
                item["steps"].append([step_dict(kg, m_edge), step_dict(kg, v_edge)])
                item["_confidence"].append(path_confidence([m_edge.confidence, v_edge.confidence]))
        kept, dropped = [], []
        for item in found.values():
            item["confidence"] = path_confidence(item.pop("_confidence"))
            need = RITUAL_NEEDS.get(item["id"])
            unfit = need is not None and (
                (need[0] is not None and need[0] != self.diag.doc.stage) or headcount < need[1]
            )
            if need is not None and unfit and item["status"] != "in place":
                dropped.append({**item, "why_not": need[2]})
            else:
                kept.append(item)
        kept.sort(key=lambda m: (m["status"] == "in place", -len(m["applies"]), m["label"].lower()))
        missing = [m for m in kept if m["status"] != "in place"]
        limit = self.diag.params.rituals_per_step
        return missing[:limit], dropped + [
            {**m, "why_not": "more than three"} for m in missing[limit:]
        ]

    # ---- metrics and chains ----------------------------------------------------------------------

    def metrics(self, cap: Concept, rituals: list[dict], factors: list[Concept]) -> list[dict]:
        kg = self.kg
        found: dict[str, dict] = {}

        def add(edge: Edge, reason: str) -> None:
            metric = kg.concepts[edge.subject]
            item = found.setdefault(
                metric.iri,
                {
                    **metric.summary(),
                    "tracked": metric.iri in self.tracked,
                    "reasons": [],
                    "steps": [],
                },
            )
            if reason not in item["reasons"]:
                item["reasons"].append(reason)
                item["steps"].append([step_dict(kg, edge)])

        for e in kg.edges_to(cap.iri, "focuses"):
            add(e, f"focuses {cap.label}")
        for m in rituals:
            for e in kg.edges_to(m["iri"], "focuses"):
                add(e, f"focuses {m['label']}")
        outcomes: dict[str, Concept] = {}
        for f in factors:
            for hop in path_to_outcome(kg, f.iri)[-1:]:
                outcomes[hop.object] = kg.concepts[hop.object]
            for e in kg.edges_from(f.iri, "hurts"):
                outcomes[e.object] = kg.concepts[e.object]
        for o_iri in sorted(outcomes):
            for e in kg.edges_to(o_iri, "watches"):
                add(e, f"watches {kg.concepts[o_iri].label}")
        return sorted(found.values(), key=lambda m: (m["tracked"], m["label"].lower()))

    def chains(self, row: dict, builders: list[tuple[Concept, Edge, str]]) -> list[dict]:
        kg, out, seen = self.kg, list[dict](), set[tuple]()
        for p in row["factors"]:
            if len(out) >= self.diag.params.chains_per_step:
                break
            answer: Answer = p["answer"]
            edges: list[Edge] = [builders[0][1]] if builders else []
            edges += [s.edge for s in answer.steps]
            edges += path_to_outcome(kg, answer.concept.iri)
            signature = tuple((e.subject, e.predicate, e.object) for e in edges)
            if signature in seen:
                continue  # the same chain already explains an earlier factor
            seen.add(signature)
            out.append(
                {
                    "factor": answer.concept.summary(),
                    "reduction": r(p["reduction"]),
                    "path": _labels(kg, edges),
                    "iris": [edges[0].subject, *(e.object for e in edges)] if edges else [],
                    "basis": "stated" if all(e.basis == "stated" for e in edges) else "interpreted",
                    "confidence": path_confidence(e.confidence for e in edges),
                    "steps": [step_dict(kg, e) for e in edges],
                }
            )
        return out

    def details(self, row: dict) -> dict:
        cap = row["capability"]
        factors = [p["answer"].concept for p in row["factors"]]
        values = self.values(cap, factors)
        rituals, left_out = self.rituals(values)
        missing_by_value = {
            v.label: sum(1 for m in rituals if v.label in m["applies"]) for v, _e, _r in values
        }
        builders = sorted(
            (v for v in values if v[2] == "influences"),
            key=lambda v: (-missing_by_value[v[0].label], v[0].label.lower()),
        )
        return {
            "action": self.action(row),
            "sentence": self.sentence(row),
            "values": [
                {**v.summary(), "route": route, "steps": [step_dict(self.kg, e)]}
                for v, e, route in values
            ],
            "mechanisms": rituals,
            "missing_mechanisms": [m["label"] for m in rituals],
            "mechanisms_left_out": [
                {k: m[k] for k in ("id", "label", "why_not")} for m in left_out
            ],
            "metrics": self.metrics(cap, rituals, factors),
            "chains": self.chains(row, builders),
        }
