"""Made-up graphs for the view's benchmark and safety tests (never shipped as data).

- ``synthetic_graph(n)``: n typed concepts wired along the causal chain, deterministic for a seed;
  the view-scale benchmark renders it with 5,000 nodes.
- ``hostile_graph()``: a tiny graph whose labels, synonyms, definitions, quotes and document titles
  are HTML/JS injection payloads. Rendered, it must show them as text and execute nothing: every
  payload that runs sets ``window.__xss`` or calls ``alert``.
"""

import random

from scalekg.graph.model import Concept, Edge, KnowledgeGraph, Provenance

BASE = "https://w3id.org/scalekg/id/"

# class -> share of the nodes
MIX = {
    "Value": 0.08,
    "Mechanism": 0.06,
    "InputMetric": 0.04,
    "Capability": 0.22,
    "ContributingFactor": 0.14,
    "FailureFactor": 0.22,
    "PositiveOutcome": 0.02,
    "Practice": 0.12,
    "Challenge": 0.05,
    "Statistic": 0.05,
}
# (subject class, predicate, object class, edges per subject)
WIRING = (
    ("Value", "influencesPositively", "Capability", 2),
    ("Mechanism", "applies", "Value", 2),
    ("InputMetric", "focuses", "Capability", 2),
    ("Capability", "mitigates", "FailureFactor", 2),
    ("Capability", "mitigates", "ContributingFactor", 1),
    ("ContributingFactor", "causes", "FailureFactor", 1),
    ("FailureFactor", "hurts", "PositiveOutcome", 1),
    ("Practice", "supports", "Capability", 2),
    ("Practice", "addresses", "Challenge", 1),
)
WORDS = [
    "team",
    "delivery",
    "platform",
    "product",
    "customer",
    "trust",
    "scaling",
    "debt",
    "feedback",
    "metric",
    "hiring",
    "review",
    "release",
    "ownership",
    "focus",
    "roadmap",
    "quality",
    "onboarding",
    "incident",
    "architecture",
    "culture",
    "budget",
]


def _provenance(statement: str, quote: str, basis: str) -> Provenance:
    return Provenance(
        statement=BASE + statement,
        document=BASE + "synthetic-source",
        document_title="Synthetic source",
        locator="section 1",
        quote=quote,
        basis=basis,
    )


def synthetic_graph(n: int = 5000, *, seed: int = 7) -> KnowledgeGraph:
    rng = random.Random(seed)
    concepts: dict[str, Concept] = {}
    by_type: dict[str, list[str]] = {t: [] for t in MIX}
    kinds = list(MIX)
    for i in range(n):
        kind = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        label = f"{' '.join(rng.sample(WORDS, 3)).capitalize()} {i}"
        iri = f"{BASE}synthetic-{i}"
        stages = rng.choice([[], ["early-stage"], ["late-stage"], ["early-stage", "late-stage"]])
        concepts[iri] = Concept(
            iri=iri,
            label=label,
            type=kind,
            types={kind},
            alt_labels=[f"synonym {i}"],
            definition=f"A synthetic {kind} for the view-scale benchmark.",
            stages=stages,
        )
        by_type[kind].append(iri)
    edges: dict[tuple[str, str, str], Edge] = {}
    for subject_type, predicate, object_type, per in WIRING:
        targets = by_type[object_type]
        if not targets:
            continue
        for s in by_type[subject_type]:
            for o in rng.sample(targets, min(per, len(targets))):
                key = (s, predicate, o)
                slug = f"e{len(edges)}"
                basis = "stated" if rng.random() < 0.5 else "interpreted"
                edges[key] = Edge(
                    s, predicate, o, (_provenance(slug, f"Quote for edge {slug}.", basis),)
                )
    return KnowledgeGraph(concepts, [edges[k] for k in sorted(edges)], f"synthetic-{n}-{seed}")


# Each payload, if it ever ran, would set window.__xss or open a dialog.
PAYLOADS = {
    "script": "<script>window.__xss=1</script>",
    "img": '<img src=x onerror="window.__xss=1;alert(1)">',
    "href": '"href" <a href="javascript:window.__xss=1">click me</a>',
    "svg": "<svg/onload=window.__xss=1>",
    "close": "</script><script>window.__xss=1</script>",
    "amp": "R&D &amp; <b>bold</b> &lt;tag&gt;",
}


def hostile_graph() -> KnowledgeGraph:
    """Three concepts and two edges carrying every payload in every text field."""
    p = PAYLOADS

    def concept(slug: str, label: str, kind: str) -> Concept:
        return Concept(
            iri=BASE + slug,
            label=label,
            type=kind,
            types={kind},
            alt_labels=[p["svg"], p["amp"]],
            definition=f"{p['close']} {p['img']} {p['href']}",
            stages=["early-stage"],
            slide=1,
        )

    concepts = {
        c.iri: c
        for c in (
            concept("xss-script", p["script"], "Value"),
            concept("xss-img", p["img"], "Capability"),
            concept("xss-href", p["href"], "FailureFactor"),
            concept("xss-amp", p["amp"], "PositiveOutcome"),
        )
    }

    def prov(name: str) -> Provenance:
        return Provenance(
            statement=BASE + name,
            document=BASE + "hostile-source",
            document_title=p["script"] + p["href"],
            locator=p["img"],
            quote=f"{p['close']} {p['svg']} {p['amp']}",
            basis="stated",
            rationale=p["href"],
        )

    edges = [
        Edge(BASE + "xss-script", "influencesPositively", BASE + "xss-img", (prov("e1"),)),
        Edge(BASE + "xss-img", "mitigates", BASE + "xss-href", (prov("e2"),)),
        Edge(BASE + "xss-href", "hurts", BASE + "xss-amp", (prov("e3"),)),
    ]
    return KnowledgeGraph(concepts, edges, "hostile")
