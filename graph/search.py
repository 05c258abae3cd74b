"""Find concepts by what people call them: case, punctuation, synonyms and small typos forgiven."""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from .model import Concept, KnowledgeGraph

STOPWORDS = frozenset({"the", "a", "an", "of", "to", "and", "in", "is", "for", "on", "with"})


def normalise(text: str) -> str:
    """Lower case, ASCII, punctuation to spaces, single spaces."""
    text = re.sub(r"['\u2018\u2019]", "", text)  # apostrophes: "shouldn’t" == "shouldnt"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("#1", " number one ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _tokens(text: str) -> set[str]:
    return {t for t in normalise(text).split() if t not in STOPWORDS}


@dataclass(frozen=True)
class Match:
    concept: Concept
    score: float
    matched: str  # the label or synonym that matched

    def as_dict(self) -> dict:
        return {**self.concept.summary(), "score": round(self.score, 3), "matched": self.matched}


def _score(query: str, query_tokens: set[str], label: str) -> float:
    norm = normalise(label)
    if not norm:
        return 0.0
    if norm == query:
        return 1.0
    ratio = SequenceMatcher(None, query, norm).ratio()
    label_tokens = _tokens(label)
    overlap = len(query_tokens & label_tokens) / len(query_tokens) if query_tokens else 0.0
    score = max(ratio * 0.95, overlap * 0.85 + ratio * 0.1)
    if query and (norm.startswith(query) or f" {query}" in f" {norm}"):
        score = max(score, 0.9 if norm.startswith(query) else 0.85)
    return score


def search(
    kg: KnowledgeGraph,
    query: str,
    *,
    type_name: str | None = None,
    stage: str | None = None,
    limit: int = 10,
    threshold: float = 0.55,
) -> list[Match]:
    """Concepts ranked by how well one of their labels matches ``query``."""
    q = normalise(query)
    q_tokens = _tokens(query)
    matches = []
    for concept in kg.concepts.values():
        if type_name and not concept.is_a(type_name):
            continue
        if stage and stage not in concept.stages:
            continue
        if concept.slug == q.replace(" ", "-"):
            matches.append(Match(concept, 1.0, concept.slug))
            continue
        best = max(
            ((_score(q, q_tokens, label), label) for label in [concept.label, *concept.alt_labels]),
            key=lambda pair: pair[0],
        )
        if best[0] >= threshold:
            matches.append(Match(concept, best[0], best[1]))
    matches.sort(key=lambda m: (-m.score, m.concept.label.lower()))
    return matches[:limit]


class UnknownConceptError(LookupError):
    """No concept matches well enough; ``suggestions`` are the nearest ones."""

    def __init__(self, text: str, suggestions: list[Match]):
        super().__init__(f"no concept matches {text!r}")
        self.text = text
        self.suggestions = suggestions


def resolve(kg: KnowledgeGraph, text: str, *, type_name: str | None = None) -> Concept:
    """The one concept ``text`` names (an IRI, a slug, a label or a synonym, typos forgiven)."""
    direct = kg.concept(text.strip())
    if direct is not None:
        return direct
    found = search(kg, text, type_name=type_name, limit=5, threshold=0.82)
    if found:
        runner_up = found[1].score if len(found) > 1 else 0.0
        if found[0].score - runner_up >= 0.02:
            return found[0].concept
    suggestions = found or search(kg, text, type_name=type_name, limit=5, threshold=0.4)
    raise UnknownConceptError(text, suggestions)
