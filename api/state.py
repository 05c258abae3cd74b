"""What one running app holds: settings, the snapshot, the knowledge graph and the query executor."""

from dataclasses import dataclass, field
from typing import Any

from scalekg.graph.build import Snapshot
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.settings import Settings


@dataclass
class AppState:
    settings: Settings
    snapshot: Snapshot
    kg: KnowledgeGraph
    executor: Any = None  # scalekg.graph.sparql.executor.QueryExecutor (or a remote one)
    store: Any = None  # the store backend (scalekg.graph.backends)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return self.snapshot.etag
