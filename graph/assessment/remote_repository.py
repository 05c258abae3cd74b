"""Assessments in a remote SPARQL store: one named graph each, written with one Graph Store PUT
(atomic on servers that apply a PUT as one transaction, as Virtuoso and Fuseki do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..namespaces import ASSESSMENT_GRAPH_BASE
from .model import Assessment
from .rdf import from_graph, graph_from_quads, graph_iri, to_graph, to_quads
from .repository import LIST_QUERY, AssessmentSummary, now

if TYPE_CHECKING:
    from ..backends.remote import RemoteBackend


class RemoteAssessmentRepository:
    """The AssessmentRepository of a remote SPARQL store (through RemoteBackend's protocol)."""

    def __init__(self, backend: RemoteBackend):
        self.backend = backend

    def _graph(self, assessment_id: str) -> str:
        return graph_iri(assessment_id)

    def exists(self, assessment_id: str) -> bool:
        return self.backend.ask(
            f"ASK {{ GRAPH <{self._graph(assessment_id)}> {{ ?s ?p ?o }} }}", default_graphs=None
        )

    def save(self, assessment: Assessment) -> tuple[Assessment, bool]:
        existing = self.get(assessment.id)
        if existing is not None:
            return existing, False
        if not assessment.created:
            assessment.created = now()
        quads = to_quads(to_graph(assessment), assessment.id)
        self.backend.put_graph(self._graph(assessment.id), [q.triple for q in quads])
        return assessment, True

    def get(self, assessment_id: str) -> Assessment | None:
        graph = self._graph(assessment_id)
        triples = self.backend.get_graph(graph)
        if not triples:
            return None
        node = ox.NamedNode(graph)
        quads = [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]
        try:
            return from_graph(graph_from_quads(quads), assessment_id)
        except KeyError:
            return None

    def list(self, org: str | None = None) -> list[AssessmentSummary]:
        rows = []
        for row in self.backend.select(LIST_QUERY, default_graphs=None):
            if not row.get("g", "").startswith(ASSESSMENT_GRAPH_BASE):
                continue
            rows.append(
                AssessmentSummary(
                    id=row.get("id", ""),
                    organisation=row.get("org", ""),
                    date=row.get("date", ""),
                    stage=row.get("stage", "").rsplit("/", 1)[-1].removesuffix("-stage"),
                    headcount=int(row.get("headcount", "0")),
                    created=row.get("created", ""),
                )
            )
        if org:
            needle = org.casefold().strip()
            rows = [r for r in rows if needle in r.organisation.casefold()]
        rows.sort(key=lambda r: (r.organisation.casefold(), r.date, r.created, r.id))
        return rows

    def delete(self, assessment_id: str) -> bool:
        if not self.exists(assessment_id):
            return False
        self.backend.delete_graph(self._graph(assessment_id))
        return True
