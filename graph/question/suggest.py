"""Suggestions as you type: concepts (exact label first, then prefix, then fuzzy) and questions.

One ranking, used by ``GET /api/suggest`` (the graph page's search box and the home page's ask
box) and, precomputed for every prefix people can type, by the standalone ``scalekg viz`` file
(``prefix_table``), which has no server to ask.

Concept tiers, best first (within a tier: shorter label first, then alphabetical):

0. the text is the concept's label (or its id);
1. the text is one of its synonyms;
2. its label starts with the text;
3. a synonym starts with the text;
4. a later word of its label starts with the text ("scal" -> "Premature scaling");
5. a later word of a synonym starts with the text;
6. fuzzy: the question linker's score is at least ``SUGGESTION_FLOOR`` (typos, inflection).
"""

import bisect
from dataclasses import dataclass

from ..answers import has_answers
from ..model import Concept, KnowledgeGraph
from .lexicon import COMPLETIONS, IN, OUT
from .linking import SUGGESTION_FLOOR, ConceptIndex, concept_index
from .text import normalise

TIER_NAMES = (
    "label",
    "synonym",
    "label prefix",
    "synonym prefix",
    "word prefix",
    "synonym word prefix",
    "fuzzy",
)
FUZZY_TIER = 6
MAX_LIMIT = 20
TABLE_KEY_CHARS = 12  # the standalone table covers the first 12 characters people type
TABLE_IDS = 6
SHORT_PREFIX_CHARS = 2  # prefixes this short are ranked once, when first asked

# Question beginnings offered while the text is still a beginning ("how do w" -> ...), and the
# ones after which the rest of the text is a concept ("how do we avoid prem" -> ...).
HEADS: tuple[tuple[str, str, str], ...] = (
    ("what mitigates ", "mitigates", IN),
    ("how do we avoid ", "mitigates", IN),
    ("how do we fix ", "mitigates", IN),
    ("what causes ", "causes", IN),
    ("why do we have ", "causes", IN),
    ("what hurts ", "hurts", IN),
    ("what influences ", "influencesPositively", IN),
    ("what supports ", "supports", IN),
    ("which mechanisms apply ", "applies", IN),
    ("what signals ", "signals", IN),
    ("what measures ", "watches", IN),
    ("what is ", "", ""),
    ("tell me about ", "", ""),
)


@dataclass(frozen=True)
class ConceptSuggestion:
    concept: Concept
    tier: int
    matched: str
    score: float = 1.0

    def as_dict(self) -> dict:
        return {
            **self.concept.summary(),
            "matched": self.matched,
            "how": TIER_NAMES[self.tier],
            "score": round(self.score, 3),
        }


def _rank(index: ConceptIndex, concept_pos: int, tier: int) -> tuple:
    c = index.concepts[concept_pos]
    return (tier, len(c.label), c.label.lower(), c.slug)


def _scan(index: ConceptIndex, q: str, offer) -> None:
    """Names that start with ``q``, and names with a later word that does."""
    i = bisect.bisect_left(index.by_norm, (q, -1))
    while i < len(index.by_norm) and index.by_norm[i][0].startswith(q):
        norm, name_id = index.by_norm[i]
        preferred = index.names[name_id].preferred
        offer(name_id, (0 if preferred else 1) if norm == q else (2 if preferred else 3))
        i += 1
    i = bisect.bisect_left(index.by_word, (q, -1))
    while i < len(index.by_word) and index.by_word[i][0].startswith(q):
        name_id = index.by_word[i][1]
        offer(name_id, 4 if index.names[name_id].preferred else 5)
        i += 1


def concept_suggestions(
    kg: KnowledgeGraph, text: str, *, limit: int = 8, fuzzy: bool = True
) -> list[ConceptSuggestion]:
    """Concepts for what has been typed so far, best first (see the module docstring)."""
    index = concept_index(kg)
    q = normalise(text)
    if not q:
        return []
    best: dict[int, tuple[int, int]] = {}  # concept position -> (tier, name id)

    def offer(name_id: int, tier: int) -> None:
        pos = index.names[name_id].concept
        if pos not in best or tier < best[pos][0]:
            best[pos] = (tier, name_id)

    direct = kg.concept(text.strip())
    if direct is not None:
        pos = index.concept_pos[direct.iri]
        best[pos] = (0, index.first_name[pos])
    if len(q) <= SHORT_PREFIX_CHARS:
        for pos, tier, name_id in short_prefixes(kg).get(q, ()):
            if pos not in best:
                best[pos] = (tier, name_id)
    else:
        _scan(index, q, offer)
    found = [
        ConceptSuggestion(index.concepts[pos], tier, index.names[name_id].text)
        for pos, (tier, name_id) in sorted(
            best.items(), key=lambda kv: _rank(index, kv[0], kv[1][0])
        )
    ]
    if fuzzy and len(found) < limit and len(q) >= 3:
        seen = {s.concept.iri for s in found}
        for cand in index.link(q.split(), limit=limit):
            if cand.score >= SUGGESTION_FLOOR and cand.concept.iri not in seen:
                found.append(ConceptSuggestion(cand.concept, FUZZY_TIER, cand.matched, cand.score))
    return found[:limit]


def _completions_for(kg: KnowledgeGraph, concept: Concept) -> list[dict]:
    out = []
    for (relation, direction), template in COMPLETIONS.items():
        if has_answers(kg, concept, relation, direction):
            out.append(
                {
                    "text": template.format(x=concept.label),
                    "relation": relation,
                    "direction": direction,
                }
            )
    return out


def suggest(kg: KnowledgeGraph, text: str, *, limit: int = 8) -> dict:
    """What ``/api/suggest`` answers: ``concepts`` and ``questions`` for the text typed so far."""
    limit = max(1, min(limit, MAX_LIMIT))
    q = normalise(text)
    questions: list[dict] = []
    concepts: list[ConceptSuggestion] = []
    head = next(
        ((h, r, d) for h, r, d in HEADS if q.startswith(h.strip()) and len(q) > len(h.strip())),
        None,
    )
    if head is not None:  # "how do we avoid prem": the rest is a concept
        h, relation, direction = head
        concepts = concept_suggestions(kg, q[len(h.strip()) :].strip(), limit=limit * 2)
        if relation:
            concepts.sort(key=lambda s: not has_answers(kg, s.concept, relation, direction))
        concepts = concepts[:limit]
        questions = [
            {
                "text": h + s.concept.label,
                "relation": relation or None,
                "direction": direction or None,
            }
            for s in concepts
        ]
    elif q.startswith("what does ") and len(q) > len("what does "):  # "what does keep fin"
        concepts = concept_suggestions(kg, q[len("what does ") :], limit=limit)
        for s in concepts[:2]:
            questions += [c for c in _completions_for(kg, s.concept) if c["direction"] == OUT]
    else:
        questions = [
            {"text": h.strip() + " …", "relation": r or None, "direction": d or None}
            for h, r, d in HEADS
            if q and h.startswith(q) and h.strip() != q
        ]
        concepts = concept_suggestions(kg, text, limit=limit)
        if concepts and concepts[0].tier < FUZZY_TIER:
            questions += _completions_for(kg, concepts[0].concept)
    return {
        "query": text,
        "concepts": [s.as_dict() for s in concepts],
        "questions": questions[:limit],
    }


def _ranked_prefixes(
    index: ConceptIndex, max_chars: int, top: int
) -> dict[str, list[tuple[int, int, int]]]:
    """Every prefix (up to ``max_chars``) of every name and of its later words -> the ``top``
    concepts ``concept_suggestions`` ranks first for it, as (position, tier, name id)."""
    best: dict[str, dict[int, tuple[int, int]]] = {}

    def offer(key: str, pos: int, tier: int, name_id: int) -> None:
        slot = best.setdefault(key, {})
        if pos not in slot or tier < slot[pos][0]:
            slot[pos] = (tier, name_id)

    for name_id, name in enumerate(index.names):
        norm = name.norm
        for k in range(1, min(len(norm), max_chars) + 1):
            key = norm[:k].rstrip()
            tier = (0 if name.preferred else 1) if key == norm else (2 if name.preferred else 3)
            offer(key, name.concept, tier, name_id)
        words = norm.split()
        for w in range(1, len(words)):
            rest = " ".join(words[w:])
            for k in range(1, min(len(rest), max_chars) + 1):
                offer(rest[:k].rstrip(), name.concept, 4 if name.preferred else 5, name_id)
    return {
        key: [
            (pos, tier, name_id)
            for pos, (tier, name_id) in sorted(
                slot.items(), key=lambda kv: _rank(index, kv[0], kv[1][0])
            )[:top]
        ]
        for key, slot in best.items()
    }


def short_prefixes(kg: KnowledgeGraph) -> dict[str, list[tuple[int, int, int]]]:
    """One- and two-character prefixes, ranked once: on a large graph they match thousands of
    labels, too many to sort on every keystroke."""
    return kg.cached(
        ("question", "short-prefixes"),
        lambda: _ranked_prefixes(concept_index(kg), SHORT_PREFIX_CHARS, MAX_LIMIT),
    )


def prefix_table(kg: KnowledgeGraph) -> dict[str, list[str]]:
    """For a standalone page: normalised prefix -> the slugs ``concept_suggestions`` ranks first
    for it (tiers 0-5; fuzzy matching needs the server). Covers every prefix of up to
    ``TABLE_KEY_CHARS`` characters of every label and synonym, and of each of their later words.
    """

    def compute() -> dict[str, list[str]]:
        index = concept_index(kg)
        ranked = _ranked_prefixes(index, TABLE_KEY_CHARS, TABLE_IDS)
        return {key: [index.concepts[pos].slug for pos, _, _ in v] for key, v in ranked.items()}

    return kg.cached(("question", "prefix-table"), compute)
