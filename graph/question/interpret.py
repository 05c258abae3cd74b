"""From a question in people's words to an interpretation: what is asked, about which concept(s).

Reading (see lexicon.py for the words):

1. check the input (``check_question``): empty, too long, control characters or only punctuation
   are refused with a reason;
2. normalise the words, expand "what's", fold pronouns and auxiliaries for cue matching, and drop
   a leading context ("as a CTO, ...", "in my startup, ...");
3. find every cue in the question (relation cues, describe cues, path cues), and for each one
   read the text on either side: frame words ("what", "do we", "which capabilities") are stripped
   from the edges (also tried with fewer stripped), and what remains is linked to a concept;
4. a reading is kept when its concept(s) link at ``ACCEPT`` or above; the best reading wins
   (its link score, a small bonus for a longer cue). A bare concept reads as "describe".

Nothing links well: ``UnknownConceptError`` (404) when the question has a recognisable form, with
suggestions above ``SUGGESTION_FLOOR`` only; ``UnparseableQuestionError`` (422) otherwise.
"""

import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..answers import IMPROVES, VIA_HURTS, has_answers
from ..model import KnowledgeGraph
from ..paths import connected
from .lexicon import (
    ANY,
    CONTEXT_PREPS,
    CONTEXT_WORDS,
    DESCRIBE_CUES,
    DESCRIBE_PATTERN,
    FOLD,
    FRAME_WORDS,
    MEANING_CUES,
    OUT,
    PATH_CUES,
    PATH_PATTERN,
    PATH_SEPARATORS,
    PATTERN_NAMES,
    RELATION_CUES,
    TYPE_NOUNS,
    Cue,
)
from .linking import (
    ACCEPT,
    AMBIGUITY_MARGIN,
    SUGGESTION_FLOOR,
    Candidate,
    ConceptIndex,
    concept_index,
)
from .text import STOPWORDS, normalise, stem

MAX_QUESTION_CHARS = 500
EXCERPT_CHARS = 40
MAX_BARE_NAME_WORDS = 6  # longer text that names nothing is "no question", not "unknown concept"
WEAK_LINK = 0.85
COMPATIBLE_MARGIN = 0.15  # a reading this close that the question has answers for is preferred
FRAME_TYPO_CUTOFF = 85  # below this, a close runner-up is always shown under did_you_mean
WIDE_MARGIN = 0.15
WH_WORDS = frozenset({"what", "which", "who", "how", "why", "where", "when", "is", "do", "can"})
PATH_TRAILING = frozenset({"related", "connected", "linked", "relate", "connect", "link"})
SUPPORTED_PATTERNS: list[str] = [
    *dict.fromkeys(PATTERN_NAMES[(rel, d)] for rel, d in PATTERN_NAMES if rel != ANY),
    PATTERN_NAMES[(ANY, "in")],
    PATH_PATTERN,
    DESCRIBE_PATTERN,
]


class InvalidQuestionError(ValueError):
    """The input is not a question at all: empty, too long, control characters, punctuation."""

    def __init__(self, reason: str, message: str, excerpt: str = ""):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.excerpt = excerpt


class UnparseableQuestionError(ValueError):
    """No recognisable question: no cue, and the text names no concept."""

    def __init__(self, question: str, suggestions: list[Candidate] | None = None, reason: str = ""):
        super().__init__(f"cannot parse the question {excerpt(question)!r}")
        self.question = question
        self.excerpt = excerpt(question)
        self.patterns = SUPPORTED_PATTERNS
        self.suggestions = suggestions or []
        self.reason = reason or "It fits no known question form and names no concept."


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of the input, control characters shown as U+FFFD."""
    clean = "".join("\ufffd" if unicodedata.category(ch) == "Cc" else ch for ch in text[:limit])
    return clean + ("…" if len(text) > limit else "")


def check_question(question: str) -> None:
    """Refuse what is not a question, with the reason (raises InvalidQuestionError)."""
    if not question or not question.strip():
        raise InvalidQuestionError(
            "empty", "The question is empty. Ask, for example: 'what mitigates premature scaling'."
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            "too long",
            f"The question has {len(question)} characters; at most {MAX_QUESTION_CHARS} are "
            "accepted.",
            excerpt(question),
        )
    bad = sorted(
        {
            f"U+{ord(ch):04X}"
            for ch in question
            if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"
        }
    )
    if bad:
        raise InvalidQuestionError(
            "control characters",
            f"The question contains control characters ({', '.join(bad[:5])}). Send plain text.",
            excerpt(question),
        )
    if not normalise(question):
        raise InvalidQuestionError(
            "no words",
            "The question has no letters or digits, only punctuation or symbols.",
            excerpt(question),
        )


@dataclass
class Interpretation:
    """How a question was understood."""

    question: str
    pattern: str  # canonical form, e.g. "what mitigates X"
    kind: str  # "relation", "describe", "path" or "via hurts" (what improves an outcome)
    concepts: list[Candidate]  # one, or two for a path (source, target)
    relation: str | None = None  # an edge predicate, or "any"
    direction: str | None = None  # "in": answers point at the concept; "out": the reverse
    relations: tuple[str, ...] = ()  # what the cue can mean, in order of preference
    cue: str = ""  # the words of the question that named the relation
    answer_type: str | None = None  # "which capabilities ...": only answers of this class
    did_you_mean: list[Candidate] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self) -> dict:
        return {
            "pattern": self.pattern,
            "kind": self.kind,
            "relation": self.relation,
            "direction": self.direction,
            "cue": self.cue,
            "answer_type": self.answer_type,
            "concepts": [
                {**c.as_dict(), "role": role}
                for c, role in zip(self.concepts, self._roles(), strict=False)
            ],
            "did_you_mean": [c.as_dict() for c in self.did_you_mean],
        }

    def _roles(self) -> list[str]:
        return ["source", "target"] if self.kind == "path" else ["concept"]


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tokens:
    words: list[str]  # normalised words of the question ("whats" expanded)
    folded_stems: list[str]  # stems after folding pronouns and auxiliaries, for cue matching
    start: int  # first word after a leading context


_EXPAND = {k: v.split() for k, v in FOLD.items() if " " in v}


_TYPO_TARGETS = ("what", "which", "where", "when", "why", "how", "who", "does", "should", "could")


def _frame_typo(word: str, index: ConceptIndex) -> str:
    """A misspelt question word ("wat", "wich", "hwo") as the word, if it is no label word."""
    if len(word) < 3 or word in _STRIPPABLE or word in index.word_stem or word.isdigit():
        return word
    hit = process.extractOne(word, _TYPO_TARGETS, scorer=fuzz.ratio, score_cutoff=FRAME_TYPO_CUTOFF)
    return hit[0] if hit else word


def _tokens(question: str, index: ConceptIndex) -> _Tokens:
    words: list[str] = []
    for i, w in enumerate(normalise(question).split()):
        w = _frame_typo(w, index) if i < 2 else w
        words.extend(_EXPAND.get(w, [w]))
    folded = [FOLD.get(w, w) for w in words]
    stems = [stem(w) for w in folded]
    start = 0
    if words and words[0] in CONTEXT_PREPS:
        for k in range(1, min(len(words), 9)):
            if words[k] in ("what", "which", "how", "why", "who", "where"):
                start = k
                break
    return _Tokens(words, stems, start)


def _compile(phrases) -> dict[str, list[tuple[tuple[str, ...], object]]]:
    table: dict[str, list[tuple[tuple[str, ...], object]]] = {}
    for phrase, payload in phrases:
        stems = tuple(stem(FOLD.get(w, w)) for w in normalise(phrase).split())
        table.setdefault(stems[0], []).append((stems, payload))
    return table


_RELATION_TABLE = _compile((c.phrase, c) for c in RELATION_CUES)
_DESCRIBE_TABLE = _compile((p, p) for p in DESCRIBE_CUES)
_MEANING_TABLE = _compile((p, p) for p in MEANING_CUES)
_WH = frozenset({"what", "which", "how", "why", "who", "where", "when", "whose"})
_PATH_TABLE = _compile((p, p) for p in PATH_CUES)


_INSERTABLE = frozenset({"we", "our"})  # "help us with" reads as "help with"


def _find(table, stems: list[str], start: int) -> list[tuple[int, int, object]]:
    """Every cue phrase in ``stems`` as (first, end, payload); a pronoun may sit inside a phrase."""
    found = []
    for i in range(start, len(stems)):
        for phrase, payload in table.get(stems[i], ()):
            j, k = i + 1, 1
            while k < len(phrase) and j < len(stems):
                if stems[j] == phrase[k]:
                    k += 1
                elif stems[j] not in _INSERTABLE:
                    break
                j += 1
            if k == len(phrase):
                found.append((i, j, payload))
    return found


_STRIPPABLE = FRAME_WORDS | set(TYPE_NOUNS) | PATH_TRAILING | set(FOLD)


def _variants(words: list[str]) -> list[tuple[list[str], float, str | None]]:
    """Ways to read ``words`` as a concept's text: (words, penalty, class named in the frame).

    Frame words are stripped from both edges (also fewer of them, so that "Own it" keeps its
    "it"), and a trailing context ("in my startup") may be dropped at a small cost per word that
    is not a known context word.
    """
    n = len(words)
    lead = 0
    while lead < n and words[lead] in _STRIPPABLE:
        lead += 1
    trail = n
    while trail > lead and words[trail - 1] in _STRIPPABLE:
        trail -= 1
    if lead >= trail:
        return []
    out: list[tuple[list[str], float, str | None]] = []
    answer_type = next((TYPE_NOUNS[w] for w in words[:lead] if w in TYPE_NOUNS), None)
    for a in range(lead, -1, -1):
        for b in range(trail, n + 1):
            out.append((words[a:b], 0.0, answer_type))
    for k in range(lead + 1, trail):  # trailing context: "premature scaling in my startup"
        if words[k] in CONTEXT_PREPS and trail - k <= 6:
            cost = 0.02 * sum(1 for w in words[k + 1 : trail] if w not in CONTEXT_WORDS)
            out.append((words[lead:k], cost, answer_type))
    return out


@dataclass
class _Reading:
    kind: str
    score: float
    links: list[Candidate]
    alternatives: list[list[Candidate]]
    cue: str = ""
    relations: tuple[str, ...] = ()
    direction: str | None = None
    answer_type: str | None = None


class _Reader:
    def __init__(self, kg: KnowledgeGraph, index: ConceptIndex, tokens: _Tokens):
        self.kg = kg
        self.index = index
        self.tokens = tokens
        self._cache: dict[tuple[str, ...], list[Candidate]] = {}
        self.failed: list[tuple[float, str, list[Candidate]]] = []  # recognised form, no concept
        self.named_nothing = False  # a cue with nothing around it ("what mitigates")

    def link(self, words: list[str]) -> list[Candidate]:
        key = tuple(words)
        if key not in self._cache:
            self._cache[key] = self.index.link(words)
        return self._cache[key]

    def best_link(self, words: list[str]) -> tuple[float, list[Candidate], str | None] | None:
        """The best reading of ``words`` as one concept: (score, candidates, answer type)."""
        best = None
        for variant, penalty, answer_type in _variants(words):  # most stripped first
            found = self.link(variant)
            if not found:
                continue
            score = found[0].score - penalty
            if best is None or score > best[0] + 1e-9:
                best = (score, found, answer_type)
            if score >= 1.0:  # a label itself: less stripped text cannot do better
                break
        return best

    def note_failure(self, words: list[str], found) -> None:
        keep = [i for i, w in enumerate(words) if w not in _STRIPPABLE]
        text = " ".join(words[keep[0] : keep[-1] + 1]) if keep else " ".join(words)
        cands = found[1] if found else []
        self.failed.append((found[0] if found else 0.0, text, cands))


_OBJECT_PRONOUNS = frozenset({"that", "this", "it", "them", "those", "these"})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "get", "gets", "got"})


def _reads_forward(words: list[str], start: int, i: int, j: int) -> bool:
    """The concept stands before the cue but is its object: "X. how do we stop that?" (a
    pronoun after the cue points back at it) or "how is X applied" (a participle after a form of
    *be*)."""
    if any(w in _OBJECT_PRONOUNS for w in words[j:]):
        return True
    if j == len(words) and words[i].endswith(("ion", "ions")):  # "premature scaling mitigations"
        return True
    return words[i].endswith("ed") and j == len(words) and any(w in _BE for w in words[start:i])


def _type_noun(words: list[str]) -> str | None:
    return next((TYPE_NOUNS[w] for w in words if w in TYPE_NOUNS), None)


def _is_frame(words: list[str]) -> bool:
    return all(w in _STRIPPABLE or w in STOPWORDS for w in words)


def _readings(reader: _Reader) -> list[_Reading]:
    t = reader.tokens
    words, stems, start = t.words, t.folded_stems, t.start
    out: list[_Reading] = []
    # relation cues: "what mitigates X", "what does X lead to", "how does X hurt Y"
    for i, j, cue in _find(_RELATION_TABLE, stems, start):
        assert isinstance(cue, Cue)
        left, right = words[start:i], words[j:]
        bonus = 0.01 * (j - i)
        cue_text = " ".join(words[i:j])
        left_frame, right_frame = _is_frame(left), _is_frame(right)
        if left_frame and right_frame:
            reader.named_nothing = True
            continue
        if left_frame or right_frame:
            side, direction = (right, cue.after) if left_frame else (left, cue.before)
            if not left_frame and cue.before == OUT and _reads_forward(words, start, i, j):
                direction = cue.after
            found = reader.best_link(side)
            if found is None or found[0] < ACCEPT:
                reader.note_failure(side, found)
                continue
            answer_type = found[2] if not left_frame else _type_noun(left)
            out.append(
                _Reading(
                    "relation",
                    found[0] + bonus,
                    [found[1][0]],
                    [found[1]],
                    cue_text,
                    cue.relations,
                    direction,
                    answer_type,
                )
            )
            continue
        a, b = reader.best_link(left), reader.best_link(right)
        if not (a and b and min(a[0], b[0]) >= ACCEPT):
            side, found = (left, a) if not a or (b and a[0] <= b[0]) else (right, b)
            reader.note_failure(side, found)
        elif a[1][0].concept != b[1][0].concept:
            out.append(
                _Reading(
                    "path",
                    min(a[0], b[0]) + bonus - 0.01,
                    [a[1][0], b[1][0]],
                    [a[1], b[1]],
                    cue_text,
                )
            )
    # describe cues: "what is X", "tell me about X"
    for i, j, _ in _find(_DESCRIBE_TABLE, stems, start):
        if not _is_frame(words[start:i]):
            continue
        right = words[j:]
        if _is_frame(right):
            reader.named_nothing = True
            continue
        found = reader.best_link(right)
        if found is None or found[0] < ACCEPT:
            reader.note_failure(right, found)
            continue
        out.append(
            _Reading(
                "describe",
                found[0] + 0.01 * (j - i) - 0.005,
                [found[1][0]],
                [found[1]],
                " ".join(words[i:j]),
            )
        )
    # path cues: "connect X and Y", "path from X to Y", "how are X and Y related"
    for i, j, _ in [*_find(_PATH_TABLE, stems, start), (start, start, None)]:
        if not _is_frame(words[start:i]):
            continue
        rest = words[j:]
        for k in range(1, len(rest) - 1):
            if rest[k] not in PATH_SEPARATORS:
                continue
            a, b = reader.best_link(rest[:k]), reader.best_link(rest[k + 1 :])
            if a and b and min(a[0], b[0]) >= ACCEPT and a[1][0].concept != b[1][0].concept:
                out.append(
                    _Reading(
                        "path",
                        min(a[0], b[0]) + 0.01 * (j - i) - 0.02,
                        [a[1][0], b[1][0]],
                        [a[1], b[1]],
                        " ".join(words[i:j]),
                    )
                )
    # a bare concept: "premature scaling", "premature scaling?"
    # "what does X mean", "what does PR/FAQ stand for"
    for i, j, _ in _find(_MEANING_TABLE, stems, start):
        if j == len(words) and not _is_frame(words[start:i]):
            found = reader.best_link(words[start:i])
            if found is not None and found[0] >= ACCEPT:
                out.append(
                    _Reading("describe", found[0], [found[1][0]], [found[1]], " ".join(words[i:j]))
                )
    # a bare concept: "premature scaling", "premature scaling?" (not a question word first)
    if words[start] not in _WH:
        found = reader.best_link(words[start:])
        if found is not None and found[0] >= ACCEPT:
            out.append(_Reading("describe", found[0] - 0.02, [found[1][0]], [found[1]], ""))
    return out


def _choose_relation(kg: KnowledgeGraph, reading: _Reading, concept) -> str:
    """The first relation the cue can mean that has answers for the concept; failing that, the
    first whose edges (anywhere in the graph) reach concepts of its class; else the first."""
    direction = reading.direction or "in"
    for relation in reading.relations:
        if has_answers(kg, concept, relation, direction):
            return relation
    ends = relation_ends(kg)
    for relation in reading.relations:
        if concept.type in ends.get((relation, direction), ()):
            return relation
    return reading.relations[0]


def relation_ends(kg: KnowledgeGraph) -> dict[tuple[str, str], set[str]]:
    """(predicate, direction) -> the classes of the concepts such edges are asked about."""

    def compute() -> dict[tuple[str, str], set[str]]:
        ends: dict[tuple[str, str], set[str]] = {}
        for e in kg.edges:
            ends.setdefault((e.predicate, "in"), set()).add(kg.concepts[e.object].type)
            ends.setdefault((e.predicate, "out"), set()).add(kg.concepts[e.subject].type)
        return ends

    return kg.cached(("question", "relation-ends"), compute)


def _connected(kg: KnowledgeGraph, a: str, b: str) -> bool:
    return connected(kg, a, b)


def _did_you_mean(chosen: Candidate, candidates: list[Candidate]) -> list[Candidate]:
    """The other readings worth naming: those scoring close to the chosen one (closer when it
    links well), and any that scored higher (the chosen one was preferred for having answers)."""
    margin = AMBIGUITY_MARGIN if chosen.score >= WEAK_LINK else WIDE_MARGIN
    return [
        c
        for c in candidates
        if c.concept != chosen.concept
        and c.score >= SUGGESTION_FLOOR
        and c.score >= chosen.score - margin
    ][:3]


def interpret(kg: KnowledgeGraph, question: str) -> Interpretation:
    """Understand ``question``; raises InvalidQuestionError, UnknownConceptError or
    UnparseableQuestionError (see the module docstring)."""
    from ..search import Match, UnknownConceptError

    check_question(question)
    index = concept_index(kg)
    tokens = _tokens(question, index)
    reader = _Reader(kg, index, tokens)
    readings = _readings(reader)
    if not readings:
        if reader.failed:
            _score, text, cands = max(reader.failed, key=lambda f: f[0])
            suggestions = [c for c in cands if c.score >= SUGGESTION_FLOOR][:5]
            raise UnknownConceptError(
                text, [Match(c.concept, c.score, c.matched) for c in suggestions]
            )
        found = reader.best_link(tokens.words[tokens.start :])
        cands = [c for c in (found[1] if found else []) if c.score >= SUGGESTION_FLOOR][:5]
        words = [w for w in tokens.words if w not in STOPWORDS]
        if (
            words
            and len(words) <= MAX_BARE_NAME_WORDS
            and not reader.named_nothing
            and not any(w in _STRIPPABLE for w in words)
        ):
            # a bare name that is no concept's ("purple monkey")
            raise UnknownConceptError(
                " ".join(words), [Match(c.concept, c.score, c.matched) for c in cands]
            )
        reason = (
            "The question names no concept."
            if reader.named_nothing
            else "It fits no known question form and names no concept."
        )
        raise UnparseableQuestionError(question, cands, reason)
    best = max(readings, key=lambda r: r.score)
    links = list(best.links)
    kind = best.kind
    did_you_mean: list[Candidate] = []
    relation = direction = None
    if best.kind == "relation":
        # Among close readings of the concept, prefer one the relation has answers for.
        cands = best.alternatives[0]
        close = [c for c in cands if c.score >= cands[0].score - COMPATIBLE_MARGIN]
        for c in close:
            if any(has_answers(kg, c.concept, r, best.direction or "in") for r in best.relations):
                links = [c]
                break
        relation = _choose_relation(kg, best, links[0].concept)
        direction = best.direction
        pattern = PATTERN_NAMES[(relation, direction or "in")]
        if relation == IMPROVES:  # no edge: mitigates a failure factor that hurts the outcome
            kind, relation = VIA_HURTS, "mitigates"
    elif best.kind == "path":
        # Among close readings of either end, prefer a pair that the edges connect.
        ends = [
            [c for c in cands if c.score >= cands[0].score - COMPATIBLE_MARGIN][:3]
            for cands in best.alternatives
        ]
        pair = next(
            (
                (a, b)
                for a in ends[0]
                for b in ends[1]
                if a.concept != b.concept and _connected(kg, a.concept.iri, b.concept.iri)
            ),
            None,
        )
        if pair is not None:
            links = list(pair)
        pattern = PATH_PATTERN
    else:
        pattern = DESCRIBE_PATTERN
    for chosen, cands in zip(links, best.alternatives, strict=False):
        did_you_mean += [c for c in _did_you_mean(chosen, cands) if c not in did_you_mean]
    return Interpretation(
        question=question,
        pattern=pattern,
        kind=kind,
        concepts=links,
        relation=relation,
        direction=direction,
        relations=best.relations,
        cue=best.cue,
        answer_type=best.answer_type,
        did_you_mean=did_you_mean,
        score=best.score,
    )
