"""The question door: "what mitigates premature scaling" -> an explained answer.

A small, predictable grammar rather than guesswork: each pattern maps to one look-up in
``answers``. An unknown concept raises ``UnknownConceptError`` with suggestions; a question that
fits no pattern raises ``UnparseableQuestionError`` listing the patterns.
"""

import re
from dataclasses import dataclass

from .answers import Answer, Step, describe, paths, related
from .model import Concept, KnowledgeGraph
from .search import resolve

_X = r"(?P<x>.+?)"
_Y = r"(?P<y>.+?)"
# (pattern, relation, direction); direction "in" means the answers point at X.
PATTERNS: list[tuple[str, str, str, str]] = [
    (
        "what mitigates X",
        rf"^(?:what|which \w+|who) (?:mitigates?|reduces?|prevents?) {_X}$",
        "mitigates",
        "in",
    ),
    ("what does X mitigate", rf"^what does {_X} (?:mitigate|reduce|prevent)$", "mitigates", "out"),
    (
        "what influences X",
        rf"^(?:what|which values?) (?:positively )?influences? {_X}$",
        "influencesPositively",
        "in",
    ),
    (
        "what does X influence",
        rf"^what does {_X} (?:positively )?influence$",
        "influencesPositively",
        "out",
    ),
    ("what hurts Y", rf"^(?:what|which \w+(?: \w+)?) hurts? {_X}$", "hurts", "in"),
    ("what does X hurt", rf"^what does {_X} hurt$", "hurts", "out"),
    ("what causes X", rf"^(?:what|which \w+(?: \w+)?) causes? {_X}$", "causes", "in"),
    ("what does X cause", rf"^what does {_X} cause$", "causes", "out"),
    (
        "which mechanisms apply X",
        rf"^(?:which|what) (?:mechanisms?|rituals?) (?:apply|applies|enforce) {_X}$",
        "applies",
        "in",
    ),
    ("what does X apply", rf"^what (?:values? )?does {_X} apply$", "applies", "out"),
    ("what supports X", rf"^(?:what|which practices?) supports? {_X}$", "supports", "in"),
    (
        "what signals X",
        rf"^(?:what|which signals?) (?:signals?|indicates?|points? to) {_X}$",
        "signals",
        "in",
    ),
    (
        "what watches X",
        rf"^(?:what|which metrics?) (?:watch(?:es)?|measures?) {_X}$",
        "watches",
        "in",
    ),
    (
        "how does X affect Y",
        rf"^how (?:does|do|can|is|are) {_X} (?:affect|affects|influence|impact|relate to|related to|lead to|connect to) {_Y}$",
        "paths",
        "",
    ),
    (
        "what is X",
        rf"^(?:what is|what are|what's|define|describe|tell me about) {_X}$",
        "describe",
        "",
    ),
]
COMPILED = [(name, re.compile(rx), rel, d) for name, rx, rel, d in PATTERNS]
SUPPORTED_PATTERNS = [name for name, *_ in PATTERNS]


class UnparseableQuestionError(ValueError):
    def __init__(self, question: str):
        super().__init__(f"cannot parse the question {question!r}")
        self.question = question
        self.patterns = SUPPORTED_PATTERNS


def clean_question(question: str) -> str:
    q = " ".join(question.strip().split())
    q = re.sub(r"[?!.]+$", "", q).strip()
    return q.lower()


@dataclass
class AskResult:
    question: str
    pattern: str
    concept: Concept
    answers: list[Answer]
    target: Concept | None = None
    description: dict | None = None

    def as_dict(self) -> dict:
        out = {
            "question": self.question,
            "pattern": self.pattern,
            "concept": self.concept.summary(),
            "answers": [a.as_dict() for a in self.answers],
        }
        if self.target is not None:
            out["target"] = self.target.summary()
        if self.description is not None:
            out["description"] = self.description
        return out


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an) ", "", text.strip())


def ask(kg: KnowledgeGraph, question: str) -> AskResult:
    q = clean_question(question)
    for name, rx, relation, direction in COMPILED:
        m = rx.match(q)
        if not m:
            continue
        x = resolve(kg, _strip_article(m.group("x")))
        if relation == "paths":
            y = resolve(kg, _strip_article(m.group("y")))
            chains = paths(kg, x, y)
            answers = [
                Answer(kg.concepts[chain[-1].edge.object], list(chain), "path") for chain in chains
            ]
            return AskResult(question, name, x, answers, target=y)
        if relation == "describe":
            neighbours = [
                Answer(kg.concepts[e.object], [Step(e, kg)]) for e in kg.edges_from(x.iri)
            ] + [Answer(kg.concepts[e.subject], [Step(e, kg)]) for e in kg.edges_to(x.iri)]
            return AskResult(question, name, x, neighbours, description=describe(kg, x))
        return AskResult(question, name, x, related(kg, x, relation, direction))
    raise UnparseableQuestionError(question)
