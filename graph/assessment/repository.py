"""Where assessments live: a small interface, and its pyoxigraph implementation.

Each assessment is one named graph, ``https://w3id.org/scalekg/graph/assessment/<id>``, written
with one ``Store.extend`` call (pyoxigraph applies it as one transaction: all of it or nothing).
When the store is on disk (``oxigraph:PATH``), assessments survive restarts. A remote SPARQL
store implements the same interface with the Graph Store Protocol (remote_repository.py).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import pyoxigraph as ox

from ..backends.base import Backend
from ..namespaces import ASSESSMENT_GRAPH_BASE, SPARQL_PREFIXES
from ..store import term_text
from .model import Assessment
from .rdf import SKA, from_graph, graph_from_quads, graph_iri, to_graph, to_quads


@dataclass(frozen=True)
class AssessmentSummary:
    id: str
    organisation: str
    date: str
    stage: str
    headcount: int
    created: str

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "organisation": self.organisation,
            "date": self.date,
            "stage": self.stage,
            "headcount": self.headcount,
            "created": self.created or None,
        }


class AssessmentRepository(Protocol):
    """Store, fetch and list assessments. Implementations must write each one atomically."""

    def save(self, assessment: Assessment) -> tuple[Assessment, bool]:
        """Store it; returns (the stored assessment, True if it was new)."""
        ...

    def get(self, assessment_id: str) -> Assessment | None: ...

    def list(self, org: str | None = None) -> list[AssessmentSummary]: ...

    def delete(self, assessment_id: str) -> bool: ...


LIST_QUERY = (
    SPARQL_PREFIXES
    + f"PREFIX ska: <{SKA}>\n"
    + """
SELECT ?g ?id ?org ?date ?stage ?headcount ?created WHERE {
  GRAPH ?g {
    ?a a ska:Assessment ; dcterms:identifier ?id ; ska:organisationName ?org ;
       dcterms:date ?date ; ska:stage ?stage ; ska:headcount ?headcount .
    OPTIONAL { ?a dcterms:created ?created }
  }
}"""
)


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class OxigraphAssessmentRepository:
    """Assessments as named graphs in a pyoxigraph Store (in memory or on disk)."""

    def __init__(self, store: ox.Store):
        self.store = store

    def _graph(self, assessment_id: str) -> ox.NamedNode:
        return ox.NamedNode(graph_iri(assessment_id))

    def exists(self, assessment_id: str) -> bool:
        return self.store.contains_named_graph(self._graph(assessment_id))

    def save(self, assessment: Assessment) -> tuple[Assessment, bool]:
        existing = self.get(assessment.id)
        if existing is not None:
            return existing, False
        if not assessment.created:
            assessment.created = now()
        quads = to_quads(to_graph(assessment), assessment.id)
        # One call, one transaction: the named graph appears whole or not at all.
        self.store.extend(quads)
        self.store.flush()  # on disk: make it durable now; in memory: a no-op
        return assessment, True

    def get(self, assessment_id: str) -> Assessment | None:
        graph = self._graph(assessment_id)
        quads = list(self.store.quads_for_pattern(None, None, None, graph))
        if not quads:
            return None
        try:
            return from_graph(graph_from_quads(quads), assessment_id)
        except KeyError:
            return None

    def list(self, org: str | None = None) -> list[AssessmentSummary]:
        rows = []
        for solution in self.store.query(LIST_QUERY):
            g = term_text(solution["g"])
            if not g.startswith(ASSESSMENT_GRAPH_BASE):
                continue
            row: dict[str, Any] = {
                name: term_text(solution[name]) if solution[name] is not None else ""
                for name in ("id", "org", "date", "stage", "headcount", "created")
            }
            rows.append(
                AssessmentSummary(
                    id=row["id"],
                    organisation=row["org"],
                    date=row["date"],
                    stage=row["stage"].rsplit("/", 1)[-1].removesuffix("-stage"),
                    headcount=int(row["headcount"]),
                    created=row["created"],
                )
            )
        if org:
            needle = org.casefold().strip()
            rows = [r for r in rows if needle in r.organisation.casefold()]
        rows.sort(key=lambda r: (r.organisation.casefold(), r.date, r.created, r.id))
        return rows

    def delete(self, assessment_id: str) -> bool:
        graph = self._graph(assessment_id)
        if not self.store.contains_named_graph(graph):
            return False
        self.store.remove_graph(graph)
        return True


def repository_for(store: Backend | ox.Store) -> AssessmentRepository:
    """The repository of a store backend (each backend makes its own: ``Backend.
    assessment_repository``), or of a bare pyoxigraph Store."""
    if isinstance(store, ox.Store):
        return OxigraphAssessmentRepository(store)
    if isinstance(store, Backend):
        return store.assessment_repository()
    raise TypeError(f"no assessment repository for a store of type {type(store).__name__}")
