"""Assessments in a remote SPARQL store: one named graph each, written with one Graph Store PUT
(atomic on servers that apply a PUT as one transaction, as Virtuoso and Fuseki do)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .rdf import graph_iri
from .repository import LIST_QUERY, GraphAssessmentRepository

if TYPE_CHECKING:
    from ..backends.remote import RemoteBackend


class RemoteAssessmentRepository(GraphAssessmentRepository):
    """The AssessmentRepository of a remote SPARQL store (through RemoteBackend's protocol)."""

    def __init__(self, backend: RemoteBackend):
        self.backend = backend

    def exists(self, assessment_id: str) -> bool:
        return self._has(graph_iri(assessment_id))

    def _has(self, graph: str) -> bool:
        node = ox.NamedNode(graph)  # a valid IRI, serialised by pyoxigraph
        return self.backend.ask(f"ASK {{ GRAPH {node} {{ ?s ?p ?o }} }}", default_graphs=None)

    def _read(self, graph: str) -> list[ox.Quad]:
        node = ox.NamedNode(graph)
        return [
            ox.Quad(t.subject, t.predicate, t.object, node) for t in self.backend.get_graph(graph)
        ]

    def _write(self, graph: str, quads: list[ox.Quad]) -> None:
        self.backend.put_graph(graph, [q.triple for q in quads])

    def _list_rows(self) -> Iterable[Mapping[str, str]]:
        return self.backend.select(LIST_QUERY, default_graphs=None)

    def _remove(self, graph: str) -> bool:
        if not self._has(graph):
            return False
        self.backend.delete_graph(graph)
        return True
