"""The endpoint's own vocabulary, for autocompletion in the SPARQL workbench.

A graph this size can list its whole vocabulary: the prefixes it declares, the classes and
properties its triples use or its ontology declares (with their labels and how often they are
used), and every concept with its label and synonyms. ``complete`` ranks the terms that match
what someone is typing: a prefixed name (``kg:prem``), a bare word (``premat``) or a label.

The ranking: what is typed as a prefix of the name, then of the label or a synonym, then of a word
in them; below those, the question module's concept linking (``graph.question.linking``: stems,
word synonyms, typos) forgives the rest, so ``premture scaling`` and ``deploy freq`` still find
their concept. The same linking ranks the search box and /api/ask, so completion agrees with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import KnowledgeGraph
from .namespaces import PREFIXES, SPARQL_PREFIXES
from .question.linking import SUGGESTION_FLOOR, concept_index
from .question.text import normalise as question_words
from .search import normalise

Row = dict[str, str]
SelectFn = Callable[[str], Iterable[Row]]

KINDS = ("prefix", "class", "property", "concept")

CLASSES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?c (COUNT(?x) AS ?n) WHERE {
  { ?x a ?c } UNION { ?c a owl:Class } UNION { ?c a rdfs:Class }
  FILTER(isIRI(?c))
} GROUP BY ?c"""
)

PROPERTIES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?p (COUNT(?s) AS ?n) WHERE {
  { ?s ?p ?o }
  UNION { ?p a owl:ObjectProperty } UNION { ?p a owl:DatatypeProperty }
  UNION { ?p a owl:AnnotationProperty } UNION { ?p a rdf:Property }
} GROUP BY ?p"""
)

LABELS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?t ?label ?comment WHERE {
  { ?t a owl:Class } UNION { ?t a rdfs:Class } UNION { ?t a owl:ObjectProperty }
  UNION { ?t a owl:DatatypeProperty } UNION { ?t a owl:AnnotationProperty } UNION { ?t a rdf:Property }
  OPTIONAL { ?t rdfs:label ?label FILTER(LANG(?label) = "en" || LANG(?label) = "") }
  OPTIONAL { ?t rdfs:comment ?comment FILTER(LANG(?comment) = "en" || LANG(?comment) = "") }
}"""
)


@dataclass(frozen=True)
class Term:
    kind: str  # prefix, class, property or concept
    value: str  # what goes in the query: a prefixed name, or the prefix declaration's name
    iri: str
    label: str
    detail: str = ""  # concept: its class; class/property: its comment; prefix: ""
    synonyms: tuple[str, ...] = ()
    uses: int = 0  # how many triples use the class or property

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "value": self.value,
            "iri": self.iri,
            "label": self.label,
        }
        if self.detail:
            out["detail"] = self.detail
        if self.synonyms:
            out["synonyms"] = list(self.synonyms)
        if self.kind in ("class", "property"):
            out["uses"] = self.uses
        return out


@dataclass(frozen=True)
class Vocabulary:
    prefixes: dict[str, str]
    terms: tuple[Term, ...]

    def of_kind(self, kind: str) -> list[Term]:
        return [t for t in self.terms if t.kind == kind]

    def as_dict(self) -> dict[str, object]:
        return {"prefixes": self.prefixes, **_grouped(self.terms)}


def _grouped(terms: Iterable[Term]) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {"classes": [], "properties": [], "concepts": []}
    names = {"class": "classes", "property": "properties", "concept": "concepts"}
    for t in terms:
        if t.kind in names:
            out[names[t.kind]].append(t.as_dict())
    return out


def prefixed(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """``kg:premature-scaling`` for a known namespace and a local name SPARQL accepts, else ``<iri>``."""
    for prefix, base in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base):
            local = iri[len(base) :]
            if local and all(ch.isalnum() or ch in "-_" for ch in local) and local[0] != "-":
                return f"{prefix}:{local}"
    return f"<{iri}>"


def _local(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def build_vocabulary(select: SelectFn, kg: KnowledgeGraph) -> Vocabulary:
    """Every prefix, class, property and concept of the store, with labels (one pass, cacheable)."""
    labels: dict[str, tuple[str, str]] = {}
    for row in select(LABELS_QUERY):
        label, comment = labels.get(row["t"], ("", ""))
        labels[row["t"]] = (label or row.get("label", ""), comment or row.get("comment", ""))

    def term(kind: str, iri: str, uses: int) -> Term:
        label, comment = labels.get(iri, ("", ""))
        return Term(kind, prefixed(iri), iri, label or _local(iri), comment, uses=uses)

    classes = {row["c"]: int(row.get("n", "0") or 0) for row in select(CLASSES_QUERY)}
    properties = {row["p"]: int(row.get("n", "0") or 0) for row in select(PROPERTIES_QUERY)}
    terms: list[Term] = [Term("prefix", p, iri, iri) for p, iri in PREFIXES.items()]
    terms += [term("class", iri, n) for iri, n in sorted(classes.items())]
    terms += [term("property", iri, n) for iri, n in sorted(properties.items())]
    terms += [
        Term(
            "concept",
            prefixed(c.iri),
            c.iri,
            c.label,
            c.type,
            synonyms=tuple(c.alt_labels),
        )
        for c in sorted(kg.concepts.values(), key=lambda c: c.slug)
    ]
    return Vocabulary(dict(PREFIXES), tuple(terms))


def _rank(term: Term, text: str, words: str) -> float:
    """How well ``term`` completes what was typed (0: not at all). ``text`` is lower case;
    ``words`` is ``text`` normalised (``graph.search.normalise``)."""
    value = term.value.lower()
    local = value.split(":", 1)[1] if ":" in value and not value.startswith("<") else value
    if ":" in text:
        if value.startswith(text):
            return 1.0
        text = text.split(":", 1)[1]
        words = normalise(text)
        if not text:
            return 0.0
    if local.startswith(text):
        return 0.95
    names = [term.label, *term.synonyms]
    best = 0.0
    for name in names:
        norm = normalise(name)
        if words and norm.startswith(words):
            best = max(best, 0.9)
        elif words and f" {words}" in f" {norm}":
            best = max(best, 0.8)
    if best == 0.0 and words and words.replace(" ", "-") in local:
        best = 0.7
    return best


def complete(
    vocabulary: Vocabulary,
    kg: KnowledgeGraph,
    text: str,
    *,
    kinds: Iterable[str] = KINDS,
    limit: int = 20,
) -> list[Term]:
    """The terms of the given kinds that best complete ``text``, best first.

    Exact-prefix matches come first (the prefixed name, then a label or synonym, then a word in
    them); classes and properties that are used more come before rarer ones at the same rank.
    Concepts that match none of these but that the question module's linking finds (a typo, a
    word's stem, a synonym) follow, by its score."""
    wanted = set(kinds)
    text = text.strip().lower()
    if not text:
        return []
    words = normalise(text)
    scored: list[tuple[float, int, str, Term]] = []
    for term in vocabulary.terms:
        if term.kind not in wanted:
            continue
        if term.kind == "prefix":
            score = 1.0 if term.value.lower().startswith(text.rstrip(":")) else 0.0
        else:
            score = _rank(term, text, words)
        if score > 0:
            scored.append((-score, -term.uses, term.value.lower(), term))
    if "concept" in wanted and ":" not in text and len(words) >= 3:
        found = {t.iri for *_rest, t in scored}
        by_iri = {t.iri: t for t in vocabulary.terms if t.kind == "concept"}
        for candidate in concept_index(kg).link(question_words(text).split(), limit=limit):
            match = by_iri.get(candidate.concept.iri)
            if match is not None and match.iri not in found and candidate.score >= SUGGESTION_FLOOR:
                scored.append((-0.6 * candidate.score, 0, match.value.lower(), match))
    scored.sort(key=lambda s: s[:3])
    return [t for *_rest, t in scored[:limit]]
