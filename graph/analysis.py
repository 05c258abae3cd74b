"""Leverage: which capabilities matter most, by what they mitigate and where they sit."""

from dataclasses import dataclass

import networkx as nx

from .answers import related
from .model import Concept, KnowledgeGraph


@dataclass(frozen=True)
class Leverage:
    concept: Concept
    direct: int
    indirect: int
    centrality: float
    score: float
    mitigated: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            **self.concept.summary(),
            "direct": self.direct,
            "indirect": self.indirect,
            "centrality": round(self.centrality, 4),
            "score": round(self.score, 4),
            "mitigates": list(self.mitigated),
            "stages": self.concept.stages,
        }


def centrality(kg: KnowledgeGraph) -> dict[str, float]:
    """Betweenness centrality over the causal graph, without direction (how much a node bridges)."""
    simple = nx.Graph()
    simple.add_nodes_from(kg.nx.nodes)
    simple.add_edges_from((u, v) for u, v, _k in kg.nx.edges(keys=True))
    return nx.betweenness_centrality(simple, normalized=True)


def leverage(
    kg: KnowledgeGraph, *, stage: str | None = None, limit: int | None = None
) -> list[Leverage]:
    """Capabilities ranked by failure factors mitigated (direct + indirect) and centrality.

    score = direct + 0.5 * indirect + 10 * betweenness. With ``stage``, only capabilities relevant
    at that stage count, and only failure factors relevant at that stage (or at no stage).
    """
    between = centrality(kg)
    ranked = []
    for cap in kg.of_type("Capability"):
        if stage and cap.stages and stage not in cap.stages:
            continue
        answers = related(kg, cap, "mitigates", "out")
        if stage:
            answers = [a for a in answers if not a.concept.stages or stage in a.concept.stages]
        direct = sum(1 for a in answers if a.kind == "direct")
        indirect = len(answers) - direct
        c = between.get(cap.iri, 0.0)
        score = direct + 0.5 * indirect + 10 * c
        ranked.append(
            Leverage(cap, direct, indirect, c, score, tuple(a.concept.label for a in answers))
        )
    ranked.sort(key=lambda lv: (-lv.score, lv.concept.label.lower()))
    return ranked[:limit] if limit else ranked
