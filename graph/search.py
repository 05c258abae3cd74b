"""Find concepts by what people call them: case, punctuation, synonyms, inflection and typos forgiven.

A thin door over ``question.linking``: the same index and the same scores as the question reader,
so a concept found by the search box is the one a question about it links to.
"""

from dataclasses import dataclass

from .model import Concept, KnowledgeGraph
from .question.linking import ACCEPT, SUGGESTION_FLOOR, concept_index
from .question.text import STOPWORDS, normalise

__all__ = [
    "STOPWORDS",
    "Match",
    "UnknownConceptError",
    "normalise",
    "resolve",
    "search",
]

TIE = 0.02  # two concepts this close to each other are a tie: resolve() refuses to pick


@dataclass(frozen=True)
class Match:
    concept: Concept
    score: float
    matched: str  # the label or synonym that matched

    def as_dict(self) -> dict:
        return {**self.concept.summary(), "score": round(self.score, 3), "matched": self.matched}


def search(
    kg: KnowledgeGraph,
    query: str,
    *,
    type_name: str | None = None,
    stage: str | None = None,
    limit: int = 10,
    threshold: float = SUGGESTION_FLOOR,
) -> list[Match]:
    """Concepts ranked by how well one of their labels matches ``query``."""
    index = concept_index(kg)
    allowed = None
    if type_name or stage:
        allowed = {
            i
            for i, c in enumerate(index.concepts)
            if (not type_name or c.is_a(type_name)) and (not stage or stage in c.stages)
        }
    direct = kg.concept(query.strip())
    found: list[Match] = []
    if direct is not None and (allowed is None or index.concept_pos[direct.iri] in allowed):
        found.append(
            Match(direct, 1.0, direct.slug if query.strip() != direct.label else direct.label)
        )
    for cand in index.link(normalise(query).split(), limit=limit + 1, allowed=allowed):
        if cand.score >= threshold and all(m.concept != cand.concept for m in found):
            found.append(Match(cand.concept, cand.score, cand.matched))
    found.sort(key=lambda m: (-m.score, m.concept.label.lower()))
    return found[:limit]


class UnknownConceptError(LookupError):
    """No concept matches well enough; ``suggestions`` are the nearest ones above the floor."""

    def __init__(self, text: str, suggestions: list[Match]):
        super().__init__(f"no concept matches {text!r}")
        self.text = text
        self.suggestions = suggestions


def resolve(kg: KnowledgeGraph, text: str, *, type_name: str | None = None) -> Concept:
    """The one concept ``text`` names (an IRI, a slug, a label or a synonym, typos forgiven).

    Refuses (UnknownConceptError with suggestions) below ``ACCEPT``, and when two concepts tie.
    """
    direct = kg.concept(text.strip())
    if direct is not None and (not type_name or direct.is_a(type_name)):
        return direct
    found = search(kg, text, type_name=type_name, limit=5, threshold=SUGGESTION_FLOOR)
    if found and found[0].score >= ACCEPT:
        runner_up = found[1].score if len(found) > 1 else 0.0
        if found[0].score - runner_up >= TIE:
            return found[0].concept
    raise UnknownConceptError(text, found)
