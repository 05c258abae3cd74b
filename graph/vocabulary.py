"""The endpoint's own vocabulary, for autocompletion in the SPARQL workbench.

A graph this size can list its whole vocabulary: the prefixes it declares, the classes and
properties its triples use or its ontology declares (with their labels and how often they are
used), and every concept with its label and synonyms. ``complete`` ranks the terms that match
what someone is typing: a prefixed name (``kg:prem``), a bare word (``premat``) or a label.

The ranking: concepts are ranked by the suggest ranking of the question module
(``graph.question.suggest.concept_suggestions``, the one behind /api/suggest and the search
boxes: label, synonym, label prefix, synonym prefix, word prefix, then the concept linker's
forgiving match of typos and stems), so ``premat``, ``premture scaling`` and ``deploy freq`` find
their concept as the search box would. Classes and properties: what is typed as a prefix of the
prefixed name, then of the label, then of a word in it, the more used first. A prefixed name
typed in full order (``kg:premature-s``) ranks its own completion first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import KnowledgeGraph
from .namespaces import PREFIXES, SPARQL_PREFIXES
from .question.suggest import FUZZY_TIER, concept_suggestions
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


def _concept_scores(kg: KnowledgeGraph, text: str, limit: int) -> dict[str, float]:
    """Concept IRI -> score from the suggest ranking (tier 0: about 0.95 … fuzzy: about 0.6)."""
    if ":" in text:
        prefix, text = text.split(":", 1)
        if prefix != "kg":
            return {}
    words = text.replace("-", " ").replace("_", " ").strip()
    if not words:
        return {}
    # By tier, and inside a tier in the suggest ranking's own order (shorter label first, ...).
    return {
        s.concept.iri: 0.95 - 0.35 * s.tier / FUZZY_TIER - 0.0001 * position
        for position, s in enumerate(concept_suggestions(kg, words, limit=limit))
    }


def complete(
    vocabulary: Vocabulary,
    kg: KnowledgeGraph,
    text: str,
    *,
    kinds: Iterable[str] = KINDS,
    limit: int = 20,
) -> list[Term]:
    """The terms of the given kinds that best complete ``text``, best first (see the module
    docstring); at equal scores the more used classes and properties first."""
    wanted = set(kinds)
    text = text.strip().lower()
    if not text:
        return []
    words = normalise(text)
    concepts = _concept_scores(kg, text, limit) if "concept" in wanted else {}
    scored: list[tuple[float, int, str, Term]] = []
    for term in vocabulary.terms:
        if term.kind not in wanted:
            continue
        if term.kind == "prefix":
            score = 1.0 if term.value.lower().startswith(text.rstrip(":")) else 0.0
        elif term.kind == "concept":
            exact = ":" in text and term.value.lower().startswith(text)
            score = 1.0 if exact else concepts.get(term.iri, 0.0)
        else:
            score = _rank(term, text, words)
        if score > 0:
            scored.append((-score, -term.uses, term.value.lower(), term))
    scored.sort(key=lambda s: s[:3])
    return [t for *_rest, t in scored[:limit]]
