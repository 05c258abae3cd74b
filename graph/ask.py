"""The question door: "how do I avoid premature scaling" -> an explained, sourced answer.

``graph.question`` understands the question (relation and direction, a description, or a path
between two concepts, and the concepts with the words they matched); this module looks the answer
up in ``answers`` and keeps the shape every front door shares (``/api/ask``, ``scalekg ask
--json``, the home page).
"""

from dataclasses import dataclass, field

from .answers import (
    VIA_HURTS,
    Answer,
    Step,
    chain_confidence,
    describe,
    improvers,
    paths,
    related,
)
from .confidence import at_least, rank
from .model import Concept, KnowledgeGraph
from .paths import ChainFilter
from .question.interpret import (
    SUPPORTED_PATTERNS,
    Interpretation,
    InvalidQuestionError,
    UnparseableQuestionError,
    interpret,
)

__all__ = [
    "SUPPORTED_PATTERNS",
    "AskResult",
    "InvalidQuestionError",
    "UnparseableQuestionError",
    "ask",
    "clean_question",
]


def clean_question(question: str) -> str:
    """The question on one line, without surrounding space (as echoed in answers)."""
    return " ".join(question.split())


@dataclass
class AskResult:
    question: str
    pattern: str
    concept: Concept
    answers: list[Answer]
    interpretation: Interpretation
    target: Concept | None = None
    description: dict | None = None
    min_confidence: str | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {
            "question": self.question,
            "pattern": self.pattern,
            "concept": self.concept.summary(),
            "answers": [a.as_dict() for a in self.answers],
            "interpretation": self.interpretation.as_dict(),
        }
        if self.min_confidence is not None:
            out["min_confidence"] = self.min_confidence
        if self.target is not None:
            out["target"] = self.target.summary()
        if self.description is not None:
            out["description"] = self.description
        return out


def _neighbours(kg: KnowledgeGraph, concept: Concept, min_confidence: str | None) -> list[Answer]:
    answers = [
        Answer(kg.concepts[e.object], [Step(e, kg)])
        for e in kg.edges_from(concept.iri)
        if at_least(e.confidence, min_confidence)
    ] + [
        Answer(kg.concepts[e.subject], [Step(e, kg)])
        for e in kg.edges_to(concept.iri)
        if at_least(e.confidence, min_confidence)
    ]
    return sorted(answers, key=lambda a: rank(a.confidence))  # stable: edge order kept


def ask(kg: KnowledgeGraph, question: str, *, min_confidence: str | None = None) -> AskResult:
    """Answer ``question``. Raises InvalidQuestionError or UnparseableQuestionError (422) and
    ``search.UnknownConceptError`` (404)."""
    meaning = interpret(kg, question)
    q = question if question == question.strip() else question.strip()
    concept = meaning.concepts[0].concept
    if meaning.kind == "path":
        target = meaning.concepts[1].concept
        chains = paths(kg, concept, target, flt=ChainFilter(min_confidence=min_confidence))
        chains.sort(key=lambda c: rank(chain_confidence(c)))  # stable: shorter first within
        answers = [Answer(kg.concepts[c[-1].edge.object], list(c), "path") for c in chains]
        return AskResult(
            q,
            meaning.pattern,
            concept,
            answers,
            meaning,
            target=target,
            min_confidence=min_confidence,
        )
    if meaning.kind == "describe":
        return AskResult(
            q,
            meaning.pattern,
            concept,
            _neighbours(kg, concept, min_confidence),
            meaning,
            description=describe(kg, concept, min_confidence=min_confidence),
            min_confidence=min_confidence,
        )
    assert meaning.relation is not None and meaning.direction is not None
    if meaning.kind == VIA_HURTS:  # "what improves deployment frequency"
        answers = improvers(kg, concept, min_confidence=min_confidence)
    else:
        answers = related(
            kg, concept, meaning.relation, meaning.direction, min_confidence=min_confidence
        )
    if meaning.answer_type:
        typed = [a for a in answers if a.concept.is_a(meaning.answer_type)]
        answers = typed or answers
    return AskResult(q, meaning.pattern, concept, answers, meaning, min_confidence=min_confidence)
