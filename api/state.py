"""What one running app holds: settings, the snapshot, the knowledge graph, the store, the query
executor, and the values derived from them once per app (``Caches``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scalekg.graph.build import Snapshot
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.settings import Settings

if TYPE_CHECKING:
    from scalekg.graph.assessment.repository import AssessmentRepository
    from scalekg.graph.backends.base import Backend
    from scalekg.graph.backends.remote_executor import RemoteQueryExecutor
    from scalekg.graph.sparql.executor import QueryExecutor
    from scalekg.graph.vocabulary import Vocabulary

    from .caching import ResponseCache
    from .linked_data.ontology import OntologyDocument
    from .linked_data.resources import Index


@dataclass
class Caches:
    """Derived once per app and kept: the snapshot does not change while the app runs."""

    responses: ResponseCache | None = None  # api/caching.py
    assessment_repository: AssessmentRepository | None = None  # api/routers/assessments.py
    assessment_reports: dict[tuple[str, str], dict] = field(default_factory=dict)
    linked_data: Index | None = None  # api/linked_data/resources.py
    ontology: OntologyDocument | None = None  # api/linked_data/ontology.py
    vocabulary: Vocabulary | None = None  # api/routers/vocabulary.py


@dataclass
class AppState:
    settings: Settings
    snapshot: Snapshot
    kg: KnowledgeGraph
    store: Backend  # the store backend (scalekg.graph.backends)
    # Guarded SPARQL: worker processes over the snapshot, or forwarded to a remote store.
    executor: QueryExecutor | RemoteQueryExecutor | None = None
    caches: Caches = field(default_factory=Caches)

    @property
    def etag(self) -> str:
        return self.snapshot.etag
