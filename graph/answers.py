"""Explained answers: each carries the path that justifies it and the sources of every step.

One implementation per question, shared by the CLI, the REST API and the graph view.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import paths as chain_paths
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
            "sources": [p.as_dict() for p in self.edge.provenance],
        }


@dataclass
class Answer:
    concept: Concept
    steps: list[Step]
    kind: str = "direct"  # "direct", "indirect" or "path"
    extra: dict = field(default_factory=dict)

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
            "path": self.path(),
            "steps": [s.as_dict() for s in self.steps],
            "sources": self.sources(),
            **self.extra,
        }


def _order(answers: Iterable[Answer]) -> list[Answer]:
    """Direct before indirect, shorter before longer, capabilities before values, then by label."""
    return sorted(
        answers,
        key=lambda a: (
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


def related(kg: KnowledgeGraph, concept: Concept, predicate: str, direction: str) -> list[Answer]:
    """Concepts joined to ``concept`` by ``predicate``, directly and through one causes hop.

    direction "in": who <predicate> concept (e.g. what mitigates X).
    direction "out": what concept <predicate> (e.g. what does X mitigate).
    """
    answers: dict[str, Answer] = {}
    incoming = direction == "in"
    direct = (
        kg.edges_to(concept.iri, predicate) if incoming else kg.edges_from(concept.iri, predicate)
    )
    for edge in direct:
        other = edge.subject if incoming else edge.object
        answers[other] = Answer(kg.concepts[other], [Step(edge, kg)])
    for first, second in kg.cached(("chains", predicate), lambda: chains(kg, predicate)):
        anchor, other = (
            (second.object, first.subject) if incoming else (first.subject, second.object)
        )
        if anchor == concept.iri and other not in answers and other != concept.iri:
            steps = [Step(first, kg), Step(second, kg)]
            answers[other] = Answer(kg.concepts[other], steps, "indirect")
    return _order(answers.values())


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


def describe(kg: KnowledgeGraph, concept: Concept) -> dict:
    """The concept with its labels, definition and every edge grouped by relation and direction."""
    out: dict[str, list[dict]] = {}
    incoming: dict[str, list[dict]] = {}
    for edge in kg.edges_from(concept.iri):
        out.setdefault(edge.predicate, []).append(Step(edge, kg).as_dict())
    for edge in kg.edges_to(concept.iri):
        incoming.setdefault(edge.predicate, []).append(Step(edge, kg).as_dict())
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
        "attributes": concept.attributes,
        "outgoing": out,
        "incoming": incoming,
    }
