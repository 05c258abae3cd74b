"""Explained answers: each carries the path that justifies it and the sources of every step.

One implementation per question, shared by the CLI, the REST API and the graph view.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import paths as chain_paths
from .confidence import at_least, rank, weakest
from .model import Concept, Edge, KnowledgeGraph
from .params import RELATION_NAMES

# The look-up scheme: each relation read forwards and backwards (graph/params.py).
LOOKUPS: dict[str, tuple[str, str]] = {}
for _pred, (_fwd, _back) in RELATION_NAMES.items():
    LOOKUPS[_fwd] = (_pred, "out")
    LOOKUPS[_back] = (_pred, "in")

# Indirect answers go through one "causes" hop (skg:indirectlyMitigates is mitigates o causes):
# - mitigates, hop after:  X mitigates F, F causes Y   => X (indirectly) mitigates Y
# - hurts, hop before:     X causes F, F hurts Y       => X (indirectly) hurts Y
CHAINS: dict[str, str] = {"mitigates": "after", "hurts": "before"}

# No edge improves a positive outcome; "what improves deployment frequency" is answered by what
# mitigates a failure factor that hurts it, directly or through one causes hop (a contributing
# factor, or a failure factor that causes another): mitigates/causes?/hurts.
IMPROVES = "improves"
VIA_HURTS = "via hurts"  # the kind of such answers and of the interpretation
IMPROVEMENT_PATTERN: tuple[chain_paths.Hop, ...] = (
    chain_paths.Hop(frozenset({"mitigates"})),
    chain_paths.Hop(frozenset({"causes"}), optional=True),
    chain_paths.Hop(frozenset({"hurts"})),
)


@dataclass(frozen=True)
class Step:
    edge: Edge
    kg: KnowledgeGraph

    def as_dict(self) -> dict:
        s, o = self.kg.concepts[self.edge.subject], self.kg.concepts[self.edge.object]
        return {
            "subject": s.summary(),
            "predicate": self.edge.predicate,
            "object": o.summary(),
            "basis": self.edge.basis,
            "confidence": self.edge.confidence,
            "sources": [p.as_dict() for p in self.edge.provenance],
        }


def chain_confidence(steps: list[Step]) -> str:
    """A chain is as sure as its weakest step."""
    return weakest([s.edge.confidence for s in steps])


def _chain_dict(kind: str, steps: list[Step]) -> dict:
    kg = steps[0].kg
    labels = [kg.concepts[steps[0].edge.subject].label]
    for step in steps:
        labels += [step.edge.predicate, kg.concepts[step.edge.object].label]
    return {
        "kind": kind,
        "confidence": chain_confidence(steps),
        "path": labels,
        "steps": [s.as_dict() for s in steps],
    }


@dataclass
class Answer:
    """One answer: the concept, its best chain (``steps``) and every chain that reaches it.

    ``chains`` holds (kind, steps) for every way the answer reaches the concept asked about (for
    example through several contributing factors), the surest first; ``steps`` and ``kind`` are
    the first of them. The answer's confidence is that of its surest chain, and a chain's is
    that of its weakest step.
    """

    concept: Concept
    steps: list[Step]
    kind: str = "direct"  # "direct", "indirect" or "path"
    extra: dict = field(default_factory=dict)
    chains: list[tuple[str, list[Step]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.chains:
            self.chains = [(self.kind, self.steps)]

    @property
    def confidence(self) -> str:
        return chain_confidence(self.steps)

    def path(self) -> list[str]:
        """A readable chain: label, relation, label, relation, label ..."""
        if not self.steps:
            return [self.concept.label]
        kg = self.steps[0].kg
        out = [kg.concepts[self.steps[0].edge.subject].label]
        for step in self.steps:
            out += [step.edge.predicate, kg.concepts[step.edge.object].label]
        return out

    def sources(self) -> list[dict[str, str]]:
        seen, out = set(), []
        for step in self.steps:
            for prov in step.edge.provenance:
                if prov.statement not in seen:
                    seen.add(prov.statement)
                    out.append(
                        {
                            "document": prov.document_title or prov.document,
                            "document_iri": prov.document,
                            "locator": prov.locator,
                            "quote": prov.quote,
                            "basis": prov.basis,
                            "rationale": prov.rationale,
                            "edge": f"{step.kg.concepts[step.edge.subject].label} "
                            f"{step.edge.predicate} {step.kg.concepts[step.edge.object].label}",
                        }
                    )
        return out

    def as_dict(self) -> dict:
        return {
            **self.concept.summary(),
            "kind": self.kind,
            "basis": "stated"
            if all(s.edge.basis == "stated" for s in self.steps)
            else "interpreted",
            "confidence": self.confidence,
            "path": self.path(),
            "steps": [s.as_dict() for s in self.steps],
            "sources": self.sources(),
            "paths": [_chain_dict(kind, steps) for kind, steps in self.chains if steps],
            **self.extra,
        }


def _order(answers: Iterable[Answer]) -> list[Answer]:
    """Surest first (stated, strong, plausible, speculative); then direct before indirect, shorter
    before longer, capabilities before values, then by label."""
    return sorted(
        answers,
        key=lambda a: (
            rank(a.confidence),
            a.kind != "direct",
            len(a.steps),
            not a.concept.is_a("Capability"),
            a.concept.label.lower(),
        ),
    )


def chains(kg: KnowledgeGraph, predicate: str) -> list[tuple[Edge, Edge]]:
    """Two-step chains that count as an indirect ``predicate`` edge, as (first, second)."""
    where = CHAINS.get(predicate)
    pairs: list[tuple[Edge, Edge]] = []
    for edge in (e for e in kg.edges if e.predicate == predicate):
        if where == "after":
            pairs += [(edge, hop) for hop in kg.edges_from(edge.object, "causes")]
        elif where == "before":
            pairs += [(hop, edge) for hop in kg.edges_to(edge.subject, "causes")]
    return pairs


def chain_index(kg: KnowledgeGraph, predicate: str, direction: str) -> dict:
    """The two-step chains of ``predicate`` by the concept they end at (in) or start from (out)."""

    def compute() -> dict[str, list[tuple[Edge, Edge]]]:
        index: dict[str, list[tuple[Edge, Edge]]] = {}
        for first, second in chains(kg, predicate):
            anchor = second.object if direction == "in" else first.subject
            index.setdefault(anchor, []).append((first, second))
        return index

    return kg.cached(("chain-index", predicate, direction), compute)


ANY = "any"  # every relation (direct edges only): "what affects X"


def _direct(kg: KnowledgeGraph, iri: str, predicate: str | None, direction: str) -> list[Edge]:
    if direction == "both":
        return kg.edges_to(iri, predicate) + kg.edges_from(iri, predicate)
    return kg.edges_to(iri, predicate) if direction == "in" else kg.edges_from(iri, predicate)


def has_answers(kg: KnowledgeGraph, concept: Concept, predicate: str, direction: str) -> bool:
    """Whether ``related`` (or ``improvers`` for IMPROVES) finds anything (cheap: no answers are
    built)."""
    if predicate == IMPROVES:
        return direction == "in" and bool(improvement_chains(kg, concept))
    pred = None if predicate == ANY else predicate
    if _direct(kg, concept.iri, pred, direction):
        return True
    return (
        pred in CHAINS
        and direction in ("in", "out")
        and bool(chain_index(kg, pred, direction).get(concept.iri))
    )


def related(
    kg: KnowledgeGraph,
    concept: Concept,
    predicate: str,
    direction: str,
    *,
    min_confidence: str | None = None,
) -> list[Answer]:
    """Concepts joined to ``concept`` by ``predicate``, directly and through one causes hop.

    direction "in": who <predicate> concept (e.g. what mitigates X).
    direction "out": what concept <predicate> (e.g. what does X mitigate).
    direction "both": either way, direct edges only (e.g. what is X related to).
    ``predicate`` "any": every relation, direct edges only.
    Every chain that reaches an answer is kept (``Answer.chains``), surest first; chains with a
    step below ``min_confidence`` are left out, and so are answers left with no chain.
    """
    incoming = direction == "in"
    pred = None if predicate == ANY else predicate
    found: dict[str, list[tuple[str, list[Step]]]] = {}
    for edge in _direct(kg, concept.iri, pred, direction):
        if not at_least(edge.confidence, min_confidence):
            continue
        other = edge.subject if edge.object == concept.iri else edge.object
        if other != concept.iri:
            found.setdefault(other, []).append(("direct", [Step(edge, kg)]))
    if pred in CHAINS and direction in ("in", "out"):
        for first, second in chain_index(kg, pred, direction).get(concept.iri, ()):
            other = first.subject if incoming else second.object
            if other == concept.iri:
                continue
            if not (
                at_least(first.confidence, min_confidence)
                and at_least(second.confidence, min_confidence)
            ):
                continue
            found.setdefault(other, []).append(("indirect", [Step(first, kg), Step(second, kg)]))
    answers = []
    for other, ways in found.items():
        ways.sort(key=lambda w: (rank(chain_confidence(w[1])), w[0] != "direct", len(w[1])))
        kind, steps = ways[0]
        answers.append(Answer(kg.concepts[other], steps, kind, chains=ways))
    return _order(answers)


def improvement_chains(
    kg: KnowledgeGraph, outcome: Concept, min_confidence: str | None = None
) -> list[chain_paths.Chain]:
    """Chains mitigates/causes?/hurts into a positive outcome (none for other concepts)."""
    if not outcome.is_a("PositiveOutcome"):
        return []
    flt = chain_paths.ChainFilter(min_confidence=min_confidence)
    return chain_paths.chains_into(kg, outcome.iri, IMPROVEMENT_PATTERN, flt)


def improvers(
    kg: KnowledgeGraph, outcome: Concept, *, min_confidence: str | None = None
) -> list[Answer]:
    """What improves a positive outcome: each concept that mitigates a failure factor that hurts
    it, directly or through one causes hop, with every such chain (surest first, then shorter).
    An answer is as sure as its surest chain, a chain as its weakest step; chains with a step
    below ``min_confidence`` are left out."""
    found: dict[str, list[tuple[str, list[Step]]]] = {}
    for chain in improvement_chains(kg, outcome, min_confidence):
        found.setdefault(chain[0].subject, []).append((VIA_HURTS, [Step(e, kg) for e in chain]))
    answers = []
    for other, ways in found.items():
        ways.sort(key=lambda w: rank(chain_confidence(w[1])))  # stable: ranked chains kept
        answers.append(Answer(kg.concepts[other], ways[0][1], VIA_HURTS, chains=ways))
    return _order(answers)


def mitigators(kg: KnowledgeGraph, concept: Concept) -> list[Answer]:
    """What mitigates a failure factor: directly, or by mitigating a contributing factor of it."""
    return related(kg, concept, "mitigates", "in")


def paths(
    kg: KnowledgeGraph,
    source: Concept,
    target: Concept,
    *,
    max_steps: int = 6,
    limit: int = 10,
    flt: chain_paths.ChainFilter = chain_paths.EVERYTHING,
) -> list[list[Step]]:
    """Explanation chains from ``source`` to ``target`` along the edges, ranked (graph/paths.py).

    Shorter chains first; among equals, those with more stated steps. Each step carries its
    sources. Both directions are tried, so "how does X affect Y" works whichever way the arrows run.
    ``flt`` restricts the relations, the types in between and the confidence of each step.
    """
    found = chain_paths.chains(kg, source.iri, target.iri, flt, max_steps=max_steps, limit=limit)
    return [[Step(edge, kg) for edge in chain] for chain in found]


def describe(kg: KnowledgeGraph, concept: Concept, *, min_confidence: str | None = None) -> dict:
    """The concept with its labels, definition and every edge grouped by relation and direction
    (surest first; edges below ``min_confidence`` left out)."""
    out: dict[str, list[dict]] = {}
    incoming: dict[str, list[dict]] = {}
    for edges, into in ((kg.edges_from(concept.iri), out), (kg.edges_to(concept.iri), incoming)):
        for edge in sorted(edges, key=lambda e: rank(e.confidence)):
            if at_least(edge.confidence, min_confidence):
                into.setdefault(edge.predicate, []).append(Step(edge, kg).as_dict())
    return {
        **concept.summary(),
        "types": sorted(concept.types),
        "alt_labels": concept.alt_labels,
        "definition": concept.definition,
        "scope_notes": concept.scope_notes,
        "stages": concept.stages,
        "slide": concept.slide,
        "defined_in": concept.defined_in,
        "diagnostic_questions": concept.diagnostic_questions,
        "close_matches": [
            kg.concepts[m].summary() if m in kg.concepts else {"iri": m}
            for m in concept.close_matches
        ],
        "alignments": [a.as_dict() for a in concept.alignments],
        "attributes": concept.attributes,
        "outgoing": out,
        "incoming": incoming,
    }
