"""Concept linking: which concept a piece of a question names, and how sure we are.

The index is built once per graph (``concept_index``, cached on the ``KnowledgeGraph``): every
prefLabel and altLabel is normalised, folded to American spelling and stemmed, once. A span of a
question is then scored against the labels that share a stem with it:

- each word of the span is matched to a label word: the same stem (1.0), a word-synonym from the
  lexicon (``SYNONYM_SIMILARITY``), a stem that the word's stem begins (0.85), or, for a word that
  is no label word, the closest label words by edit distance (rapidfuzz, ratio >= 80);
- words are weighted by how rare their stem is among the concepts (IDF); a word that no label
  contains weighs as much as the rarest stem, so unexplained words count against a match;
- ``score = coverage_of_span * (0.6 + 0.4 * coverage_of_label)``: a span fully explained by a
  label scores at least 0.6, and 1.0 when it also covers the whole label.

The result is a ranked list of ``Candidate``; the thresholds that turn it into a decision are
``ACCEPT`` (link), ``AMBIGUITY_MARGIN`` (report the runner-up) and ``SUGGESTION_FLOOR`` (below it,
a concept is never suggested). They are documented in docs/api.md.
"""

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..model import Concept, KnowledgeGraph
from .lexicon import SYNONYM_SIMILARITY, WORD_SYNONYMS
from .text import STOPWORDS, normalise, stem

ACCEPT = 0.72  # a span links to a concept at this score or above
AMBIGUITY_MARGIN = 0.06  # another concept this close to the best is listed under did_you_mean
SUGGESTION_FLOOR = 0.5  # nothing below this is ever suggested
PREFIX_SIMILARITY = 0.85
FUZZY_CUTOFF = 80  # rapidfuzz ratio, 0-100
WHOLE_STRING_CUTOFF = 88
ALPHA = 0.6


@dataclass(frozen=True)
class Name:
    """One label or synonym of a concept, prepared for matching."""

    concept: int  # index into ConceptIndex.concepts
    text: str
    preferred: bool
    norm: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """A concept that a span of the question may name."""

    concept: Concept
    score: float
    matched: str  # the label or synonym that matched
    text: str = ""  # the words of the question that were matched

    def as_dict(self) -> dict:
        return {
            **self.concept.summary(),
            "score": round(self.score, 3),
            "matched": self.matched,
            "text": self.text,
        }


@dataclass
class ConceptIndex:
    concepts: list[Concept]
    names: list[Name]
    idf: dict[str, float]
    unknown_weight: float
    postings: dict[str, list[int]]  # stem -> name ids
    exact: dict[str, list[int]]  # joined stems -> name ids
    sorted_stems: list[str]
    fuzzy_words: list[str]  # label words (not numbers), for edit-distance matching
    word_stem: dict[str, str]
    synonyms: dict[str, set[str]]
    by_norm: list[tuple[str, int]]  # (normalised name, name id), sorted: prefix search
    by_word: list[tuple[str, int]]  # (name from its 2nd, 3rd... word on, name id), sorted
    name_weight: list[float] = field(default_factory=list)
    norms: list[str] = field(default_factory=list)
    first_name: list[int] = field(
        default_factory=list
    )  # per concept position: its label's name  # per name id; empty for very large graphs
    concept_pos: dict[str, int] = field(default_factory=dict)
    _token_cache: dict[str, tuple] = field(default_factory=dict)
    _posting_sets: dict[str, frozenset[int]] = field(default_factory=dict)

    # --- building -------------------------------------------------------------------------------

    @classmethod
    def build(cls, kg: KnowledgeGraph) -> "ConceptIndex":
        concepts = sorted(kg.concepts.values(), key=lambda c: (len(c.label), c.label.lower()))
        names: list[Name] = []
        for i, c in enumerate(concepts):
            seen: set[str] = set()
            for text, preferred in ((c.label, True), *((a, False) for a in c.alt_labels)):
                norm = normalise(text)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                stems = tuple(stem(w) for w in norm.split() if w not in STOPWORDS)
                names.append(Name(i, text, preferred, norm, stems or (norm,)))
        df: dict[str, int] = defaultdict(int)
        per_concept: dict[int, set[str]] = defaultdict(set)
        for n in names:
            per_concept[n.concept].update(n.stems)
        for concept_stems in per_concept.values():
            for s in concept_stems:
                df[s] += 1
        total = len(concepts) + 1
        idf = {s: math.log(total / (d + 0.5)) for s, d in df.items()}
        postings: dict[str, list[int]] = defaultdict(list)
        exact: dict[str, list[int]] = defaultdict(list)
        word_stem: dict[str, str] = {}
        by_word: list[tuple[str, int]] = []
        for j, n in enumerate(names):
            for s in set(n.stems):
                postings[s].append(j)
            exact[" ".join(n.stems)].append(j)
            words = n.norm.split()
            for w in words:
                if w not in STOPWORDS:
                    word_stem[w] = stem(w)
            for k in range(1, len(words)):
                by_word.append((" ".join(words[k:]), j))
        synonyms: dict[str, set[str]] = defaultdict(set)
        for group in WORD_SYNONYMS:
            group_stems = {stem(w) for w in group}
            for s in group_stems:
                synonyms[s] |= group_stems - {s}
        index = cls(
            concepts=concepts,
            names=names,
            idf=idf,
            unknown_weight=math.log(total / 0.5),
            postings=dict(postings),
            exact=dict(exact),
            sorted_stems=sorted(postings),
            fuzzy_words=sorted(w for w in word_stem if len(w) >= 4 and not w.isdigit()),
            word_stem=word_stem,
            synonyms=dict(synonyms),
            by_norm=sorted((n.norm, j) for j, n in enumerate(names)),
            by_word=sorted(by_word),
        )
        index.name_weight = [sum(idf[s] for s in n.stems) or 1.0 for n in names]
        index.concept_pos = {c.iri: i for i, c in enumerate(concepts)}
        index.first_name = [0] * len(concepts)
        for j in range(len(names) - 1, -1, -1):
            index.first_name[names[j].concept] = j
        index.norms = [n.norm for n in names] if len(names) <= 20_000 else []
        return index

    # --- matching one word ----------------------------------------------------------------------

    def word_matches(self, word: str) -> tuple[float, dict[str, float]]:
        """(weight, {label stem: similarity}) for one normalised question word."""
        cached = self._token_cache.get(word)
        if cached is not None:
            return cached
        s = stem(word)
        found: dict[str, float] = {}
        if s in self.postings:
            found[s] = 1.0
        for syn in self.synonyms.get(s, ()):
            if syn in self.postings:
                found.setdefault(syn, SYNONYM_SIMILARITY)
        if len(s) >= 4:  # "toil" -> "toilsom"
            i = bisect.bisect_left(self.sorted_stems, s)
            for other in self.sorted_stems[i : i + 6]:
                if not other.startswith(s):
                    break
                if other != s:
                    found.setdefault(other, PREFIX_SIMILARITY)
        if s not in self.postings and len(word) >= 4 and not word.isdigit():
            for other, ratio, _ in process.extract(
                word, self.fuzzy_words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
            ):
                os_ = self.word_stem[other]
                found[os_] = max(found.get(os_, 0.0), 0.95 * ratio / 100)
        if s in self.idf:
            weight = self.idf[s]
        elif found:
            weight = max(self.idf[o] for o in found)
        else:
            weight = self.unknown_weight
        result = (weight, found)
        if len(self._token_cache) < 50_000:
            self._token_cache[word] = result
        return result

    def posting_set(self, label_stem: str) -> frozenset[int]:
        found = self._posting_sets.get(label_stem)
        if found is None:
            found = self._posting_sets[label_stem] = frozenset(self.postings.get(label_stem, ()))
        return found

    # --- linking a span -------------------------------------------------------------------------

    def link(
        self, words: list[str], *, limit: int = 8, allowed: set[int] | None = None
    ) -> list[Candidate]:
        """Concepts that the normalised ``words`` may name, best first (one entry per concept)."""
        content = [w for w in words if w not in STOPWORDS]
        if not content:
            return []
        text = " ".join(words)
        best: dict[int, tuple[float, int]] = {}  # concept -> (score, name id)

        def offer(name_id: int, score: float) -> None:
            ci = self.names[name_id].concept
            if allowed is not None and ci not in allowed:
                return
            if ci not in best or score > best[ci][0]:
                best[ci] = (score, name_id)

        exact_ids = self.exact.get(" ".join(stem(w) for w in content), ())
        for name_id in exact_ids:
            offer(name_id, 1.0)
        only: set[int] | None = None
        if exact_ids:  # a label itself: only names holding all its stems can come close to it
            lists = sorted((self.postings.get(stem(w), ()) for w in content), key=len)
            only = set(lists[0]).intersection(*lists[1:])
        matches = [self.word_matches(w) for w in content]
        total_q = sum(w for w, _ in matches) or 1.0
        q_acc: dict[int, float] = {}  # name -> weighted similarity of the question's words
        n_acc: dict[int, float] = {}  # name -> weighted similarity of the label's words
        idf = self.idf
        # A name can only reach the floor if it matches one of the heaviest words, those without
        # which the rest weighs less than the floor: candidates come from their postings, and the
        # lighter (common) words only add to names already found.
        floor = SUGGESTION_FLOOR * 0.8 * total_q
        order = sorted(range(len(matches)), key=lambda i: -matches[i][0])
        rest = total_q
        for rank_, i in enumerate(order):
            weight, found = matches[i]
            opening = rest >= floor  # names first seen here may still reach the floor
            rest -= weight
            seen: set[int] = set()  # names this word already matched (with its best label stem)
            for label_stem, sim in sorted(found.items(), key=lambda kv: -kv[1]):
                gain_q, gain_n = weight * sim, idf[label_stem] * sim
                if opening or rank_ == 0:
                    ids = self.postings.get(label_stem, ())
                else:
                    posting = self.posting_set(label_stem)
                    ids = [n for n in q_acc if n in posting]
                for name_id in ids:
                    if name_id in seen or (only is not None and name_id not in only):
                        continue
                    seen.add(name_id)
                    q_acc[name_id] = q_acc.get(name_id, 0.0) + gain_q
                    n_acc[name_id] = n_acc.get(name_id, 0.0) + gain_n
        name_weight = self.name_weight
        for name_id, q in q_acc.items():
            if q < floor:
                continue
            cn = min(1.0, n_acc[name_id] / name_weight[name_id])
            offer(name_id, min(0.99, q / total_q * (ALPHA + (1 - ALPHA) * cn)))
        top = max((s for s, _ in best.values()), default=0.0)
        if top < ACCEPT and len(text) >= 6:  # split or merged words: "prematurescaling"
            hit = process.extractOne(
                text, self.norms, scorer=fuzz.ratio, score_cutoff=WHOLE_STRING_CUTOFF
            )
            if hit is not None:
                offer(hit[2], 0.97 * hit[1] / 100)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [
            Candidate(self.concepts[ci], score, self.names[name_id].text, text)
            for ci, (score, name_id) in ranked
        ]


def concept_index(kg: KnowledgeGraph) -> ConceptIndex:
    """The graph's concept index, built on first use and kept with the graph."""
    return kg.cached(("question", "index"), lambda: ConceptIndex.build(kg))
