"""The knowledge graph as Python objects and a networkx MultiDiGraph.

Built once per snapshot from any store that answers SPARQL SELECT (see ``store.SelectFn``). Every
front door (CLI, REST API, graph view, diagnostic) reads through this one model, so there is one
implementation per question.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from .confidence import SPECULATIVE, STATED, rank
from .namespaces import CONCEPT_CLASSES, EDGE_PREDICATES, SPARQL_PREFIXES, local_name, supertypes
from .params import STAGES as STAGES
from .store import SelectFn

TYPE_PRIORITY = CONCEPT_CLASSES


@dataclass(frozen=True)
class Provenance:
    statement: str
    document: str
    document_title: str
    locator: str
    quote: str
    basis: str
    rationale: str = ""
    # "strong" | "plausible" | "speculative" for interpreted statements; "" for stated ones.
    grade: str = ""

    @property
    def confidence(self) -> str:
        """'stated' for a stated source, else its grade (ungraded counts as speculative)."""
        if self.basis == "stated":
            return STATED
        return self.grade or SPECULATIVE

    def as_dict(self) -> dict[str, str]:
        return {
            "statement": self.statement,
            "document": self.document,
            "document_title": self.document_title,
            "locator": self.locator,
            "quote": self.quote,
            "basis": self.basis,
            "rationale": self.rationale,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Edge:
    subject: str
    predicate: str  # local name, e.g. "mitigates"
    object: str
    provenance: tuple[Provenance, ...]

    @property
    def basis(self) -> str:
        """'stated' if any source states the edge, else 'interpreted'."""
        return "stated" if any(p.basis == "stated" for p in self.provenance) else "interpreted"

    @property
    def confidence(self) -> str:
        """The surest of its sources: 'stated', 'strong', 'plausible' or 'speculative'."""
        return min((p.confidence for p in self.provenance), key=rank, default=SPECULATIVE)


MATCH_KINDS = {"exactMatch": "exact", "closeMatch": "close", "relatedMatch": "related"}


@dataclass(frozen=True)
class Alignment:
    """A mapping of one of our concepts to an item of an external scheme (DORA Core), with its reason."""

    iri: str  # the external item; for DORA Core, its dora.dev page
    label: str  # the item's skos:prefLabel in its scheme ("" when the scheme gives none)
    kind: str  # "exact" | "close" | "related"
    reason: str  # the statement's skg:mappingReason, one line
    scheme: str = ""  # label of the concept scheme, e.g. "DORA Core v2"
    group: str = ""  # the scheme collection holding it, e.g. "DORA Core: fast flow"

    def as_dict(self) -> dict[str, str]:
        return {
            "iri": self.iri,
            "label": self.label,
            "kind": self.kind,
            "reason": self.reason,
            "scheme": self.scheme,
            "group": self.group,
        }


@dataclass
class Concept:
    iri: str
    label: str
    type: str
    types: set[str] = field(default_factory=set)
    alt_labels: list[str] = field(default_factory=list)
    definition: str = ""
    scope_notes: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    slide: int | None = None
    defined_in: str = ""
    diagnostic_questions: list[str] = field(default_factory=list)
    close_matches: list[str] = field(default_factory=list)  # our own concepts only
    alignments: list[Alignment] = field(default_factory=list)  # external schemes (DORA Core)
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return local_name(self.iri)

    def is_a(self, type_name: str) -> bool:
        return type_name in self.types

    def summary(self) -> dict[str, str]:
        return {"iri": self.iri, "id": self.slug, "label": self.label, "type": self.type}


CONCEPTS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?c ?type ?label WHERE {
  ?c a ?type ; skos:prefLabel ?label .
  FILTER(STRSTARTS(STR(?type), STR(skg:)))
  FILTER(LANG(?label) = "en" || LANG(?label) = "")
}"""
)

PROPERTIES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?c ?p ?v WHERE {
  ?c skos:prefLabel ?l .
  VALUES ?p { skos:altLabel skos:definition skos:scopeNote skg:relevantAtStage skg:slide skg:definedIn
              skg:diagnosticQuestion skos:closeMatch skg:cadence skg:statisticText skg:value skg:unit
              skg:inGroup skg:characterises skg:hasDominantProblem skg:about skos:example }
  ?c ?p ?v .
}"""
)

EDGES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?st ?s ?p ?o ?doc ?title ?locator ?quote ?basis ?rationale ?confidence WHERE {
  ?st a skg:EdgeStatement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
      skg:source ?doc ; skg:locator ?locator ; skg:quote ?quote ; skg:basis ?basis .
  OPTIONAL { ?st skg:rationale ?rationale }
  OPTIONAL { ?st skg:confidence ?confidence }
  OPTIONAL { ?doc rdfs:label ?title }
}"""
)

ALIGNMENTS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?c ?p ?target ?reason ?label ?scheme ?group WHERE {
  ?st a skg:MappingStatement ; rdf:subject ?c ; rdf:predicate ?p ; rdf:object ?target ;
      skg:mappingReason ?reason .
  OPTIONAL { ?target skos:prefLabel ?label }
  OPTIONAL { ?target skos:inScheme ?s . ?s skos:prefLabel ?scheme }
  OPTIONAL { ?g a skos:Collection ; skos:member ?target ; skos:prefLabel ?group }
}"""
)

PROPERTY_FIELDS = {
    "altLabel": "alt_labels",
    "scopeNote": "scope_notes",
    "diagnosticQuestion": "diagnostic_questions",
    "closeMatch": "close_matches",
}


class KnowledgeGraph:
    """Concepts, sourced edges and the networkx view of one snapshot."""

    def __init__(self, concepts: dict[str, Concept], edges: list[Edge], snapshot_hash: str = ""):
        self.concepts = concepts
        self.edges = edges
        self.snapshot_hash = snapshot_hash
        self.out_edges: dict[str, list[Edge]] = defaultdict(list)
        self.in_edges: dict[str, list[Edge]] = defaultdict(list)
        for edge in edges:
            self.out_edges[edge.subject].append(edge)
            self.in_edges[edge.object].append(edge)
        self.nx = self._to_networkx()
        self.by_slug = {c.slug: c for c in concepts.values()}
        self._cache: dict[object, object] = {}

    def cached(self, key: object, compute):
        """Memoise a derived value of this (immutable) graph."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @classmethod
    def from_store(cls, select: SelectFn, snapshot_hash: str = "") -> "KnowledgeGraph":
        concepts: dict[str, Concept] = {}
        types: dict[str, set[str]] = defaultdict(set)
        labels: dict[str, str] = {}
        for row in select(CONCEPTS_QUERY):
            types[row["c"]].add(local_name(row["type"]))
            labels.setdefault(row["c"], row["label"])
        for iri, kinds in types.items():
            for sub, sups in supertypes().items():
                if sub in kinds:
                    kinds.update(sups)
            display = next((t for t in TYPE_PRIORITY if t in kinds), None)
            if display is None:
                continue  # not a concept (a source, a basis individual)
            concepts[iri] = Concept(iri=iri, label=labels[iri], type=display, types=kinds)
        for row in select(PROPERTIES_QUERY):
            concept = concepts.get(row["c"])
            if concept is None:
                continue
            prop, value = local_name(row["p"]), row["v"]
            if prop in PROPERTY_FIELDS:
                getattr(concept, PROPERTY_FIELDS[prop]).append(value)
            elif prop == "definition":
                concept.definition = value
            elif prop == "relevantAtStage":
                concept.stages.append(local_name(value))
            elif prop == "slide":
                concept.slide = int(float(value))
            elif prop == "definedIn":
                concept.defined_in = value
            else:
                concept.attributes.setdefault(prop, []).append(value)
        for row in select(ALIGNMENTS_QUERY):
            concept = concepts.get(row["c"])
            kind = MATCH_KINDS.get(local_name(row["p"]))
            if concept is None or kind is None:
                continue
            concept.alignments.append(
                Alignment(
                    iri=row["target"],
                    label=row.get("label", ""),
                    kind=kind,
                    reason=row["reason"],
                    scheme=row.get("scheme", ""),
                    group=row.get("group", ""),
                )
            )
        kind_order = list(MATCH_KINDS.values())
        for concept in concepts.values():
            concept.alt_labels.sort()
            concept.stages.sort()
            aligned = {a.iri for a in concept.alignments}
            # A mapping's plain triple is shown with its reason, not again as a bare close match.
            concept.close_matches = sorted(set(concept.close_matches) - aligned)
            concept.alignments = sorted(
                set(concept.alignments),
                key=lambda a: (kind_order.index(a.kind), a.label.lower(), a.iri),
            )
        grouped: dict[tuple[str, str, str], list[Provenance]] = defaultdict(list)
        for row in select(EDGES_QUERY):
            key = (row["s"], local_name(row["p"]), row["o"])
            grouped[key].append(
                Provenance(
                    statement=row["st"],
                    document=row["doc"],
                    document_title=row.get("title", ""),
                    locator=row["locator"],
                    quote=row["quote"],
                    basis=local_name(row["basis"]),
                    rationale=row.get("rationale", ""),
                    grade=local_name(row["confidence"]) if row.get("confidence") else "",
                )
            )
        edges = [
            Edge(s, p, o, tuple(sorted(provs, key=lambda x: x.statement)))
            for (s, p, o), provs in sorted(grouped.items())
            if s in concepts and o in concepts
        ]
        caused = {e.object for e in edges if e.predicate == "causes"}
        hurting = {e.subject for e in edges if e.predicate == "hurts"}
        for concept in concepts.values():
            # Shown as a contributing factor only when it merely feeds other failure factors.
            if concept.type == "ContributingFactor" and (
                concept.iri in caused or concept.iri in hurting
            ):
                concept.type = "FailureFactor"
        return cls(concepts, edges, snapshot_hash)

    def _to_networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for c in self.concepts.values():
            g.add_node(c.iri, label=c.label, type=c.type, stages=tuple(c.stages))
        for e in self.edges:
            g.add_edge(
                e.subject,
                e.object,
                key=e.predicate,
                basis=e.basis,
                confidence=e.confidence,
                edge=e,
            )
        return g

    def concept(self, iri_or_slug: str) -> Concept | None:
        return self.concepts.get(iri_or_slug) or self.by_slug.get(iri_or_slug)

    def edges_from(self, iri: str, predicate: str | None = None) -> list[Edge]:
        return [e for e in self.out_edges.get(iri, ()) if predicate in (None, e.predicate)]

    def edges_to(self, iri: str, predicate: str | None = None) -> list[Edge]:
        return [e for e in self.in_edges.get(iri, ()) if predicate in (None, e.predicate)]

    def of_type(self, type_name: str, stage: str | None = None) -> list[Concept]:
        found = [c for c in self.concepts.values() if c.is_a(type_name)]
        if stage:
            found = [c for c in found if stage in c.stages]
        return sorted(found, key=lambda c: c.label.lower())

    def counts(self) -> dict[str, dict[str, int]]:
        """Members per concept class (a class counts its subclasses' members) and edges per
        relation: the one count, served by /api/stats and written by the build (stats.json)."""
        by_type: dict[str, int] = defaultdict(int)
        for c in self.concepts.values():
            for t in c.types:
                if t in TYPE_PRIORITY:
                    by_type[t] += 1
        by_relation = {p: 0 for p in EDGE_PREDICATES}
        for e in self.edges:
            by_relation[e.predicate] = by_relation.get(e.predicate, 0) + 1
        return {"classes": dict(sorted(by_type.items())), "relations": by_relation}
