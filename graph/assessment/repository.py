"""Where assessments live: a small interface, and two implementations.

- ``FileAssessmentRepository`` (the default): one N-Quads file per assessment, its named graph,
  in the user data directory (``DATA_DIR/assessments/<id>.nq``). Written to a temporary file and
  renamed, so a reader never sees half of one; any number of processes (the CLI, server workers)
  can share the directory, which a single-writer on-disk store would not allow.
- ``OxigraphAssessmentRepository``: named graphs in a pyoxigraph ``Store``, written with one
  ``Store.extend`` call (one transaction). With the in-memory store it lasts as long as the
  process (tests); with an on-disk store (``oxigraph:PATH``) it survives restarts. A remote SPARQL
  store implements the same interface with the Graph Store Protocol (remote_repository.py).

Each assessment is one named graph, ``https://w3id.org/scalekg/graph/assessment/<id>``.
"""

import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from ..backends.base import Backend
from ..namespaces import ASSESSMENT_GRAPH_BASE, SPARQL_PREFIXES
from ..store import select_rows
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


class GraphAssessmentRepository(ABC):
    """What every store-backed repository shares: one named graph per assessment, saved once
    (the same document saved again returns the stored one), listed by organisation. Subclasses
    say how to read, write, list and remove a named graph in their store."""

    @abstractmethod
    def _read(self, graph: str) -> list[ox.Quad]: ...

    @abstractmethod
    def _write(self, graph: str, quads: list[ox.Quad]) -> None:
        """Write the whole graph at once (all of it or nothing, where the store allows)."""

    @abstractmethod
    def _list_rows(self) -> Iterable[Mapping[str, str]]:
        """The rows of ``LIST_QUERY`` over every named graph."""

    @abstractmethod
    def _remove(self, graph: str) -> bool: ...

    def save(self, assessment: Assessment) -> tuple[Assessment, bool]:
        existing = self.get(assessment.id)
        if existing is not None:
            return existing, False
        if not assessment.created:
            assessment.created = now()
        self._write(graph_iri(assessment.id), to_quads(to_graph(assessment), assessment.id))
        return assessment, True

    def get(self, assessment_id: str) -> Assessment | None:
        quads = self._read(graph_iri(assessment_id))
        if not quads:
            return None
        try:
            return from_graph(graph_from_quads(quads), assessment_id)
        except (KeyError, ValueError):
            return None

    def _summaries(self) -> list[AssessmentSummary]:
        return [
            AssessmentSummary(
                id=row.get("id", ""),
                organisation=row.get("org", ""),
                date=row.get("date", ""),
                stage=row.get("stage", "").rsplit("/", 1)[-1].removesuffix("-stage"),
                headcount=int(row.get("headcount", "0")),
                created=row.get("created", ""),
            )
            for row in self._list_rows()
            if row.get("g", "").startswith(ASSESSMENT_GRAPH_BASE)
        ]

    def list(self, org: str | None = None) -> list[AssessmentSummary]:
        """The stored assessments (of organisations whose name contains ``org``), by
        organisation, date, creation time and id."""
        rows = self._summaries()
        if org:
            needle = org.casefold().strip()
            rows = [r for r in rows if needle in r.organisation.casefold()]
        rows.sort(key=lambda r: (r.organisation.casefold(), r.date, r.created, r.id))
        return rows

    def delete(self, assessment_id: str) -> bool:
        return self._remove(graph_iri(assessment_id))


class OxigraphAssessmentRepository(GraphAssessmentRepository):
    """Assessments as named graphs in a pyoxigraph Store (in memory or on disk)."""

    def __init__(self, store: ox.Store):
        self.store = store

    def exists(self, assessment_id: str) -> bool:
        return self.store.contains_named_graph(ox.NamedNode(graph_iri(assessment_id)))

    def _read(self, graph: str) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def _write(self, graph: str, quads: list[ox.Quad]) -> None:
        # One call, one transaction: the named graph appears whole or not at all.
        self.store.extend(quads)
        self.store.flush()  # on disk: make it durable now; in memory: a no-op

    def _list_rows(self) -> Iterable[Mapping[str, str]]:
        return select_rows(self.store, LIST_QUERY)

    def _remove(self, graph: str) -> bool:
        node = ox.NamedNode(graph)
        if not self.store.contains_named_graph(node):
            return False
        self.store.remove_graph(node)
        return True


ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")


class FileAssessmentRepository(GraphAssessmentRepository):
    """Assessments as N-Quads files, one per assessment, in a directory."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, graph: str) -> Path | None:
        assessment_id = graph.removeprefix(ASSESSMENT_GRAPH_BASE)
        if not ID_PATTERN.match(assessment_id):
            return None
        return self.directory / f"{assessment_id}.nq"

    def _read(self, graph: str) -> list[ox.Quad]:
        path = self._path(graph)
        if path is None or not path.is_file():
            return []
        return list(ox.parse(path.read_bytes(), format=ox.RdfFormat.N_QUADS))

    def _write(self, graph: str, quads: list[ox.Quad]) -> None:
        """To a temporary file, then renamed: a reader never sees half of one."""
        path = self._path(graph)
        if path is None:
            raise ValueError(f"not an assessment graph: {graph!r}")
        self.directory.mkdir(parents=True, exist_ok=True)
        data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        assert data is not None  # with no output file, serialize returns the bytes
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".nq")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    def _list_rows(self) -> Iterable[Mapping[str, str]]:
        return ()  # unused: _summaries reads each file's document

    def _summaries(self) -> list[AssessmentSummary]:
        rows = []
        for path in sorted(self.directory.glob("*.nq")) if self.directory.is_dir() else []:
            found = self.get(path.stem)
            if found is None:
                continue
            doc = found.document
            rows.append(
                AssessmentSummary(
                    found.id,
                    doc.organisation,
                    doc.date.isoformat(),
                    doc.stage,
                    doc.headcount,
                    found.created,
                )
            )
        return rows

    def _remove(self, graph: str) -> bool:
        path = self._path(graph)
        if path is None or not path.is_file():
            return False
        path.unlink()
        return True


def earlier_than(repo: AssessmentRepository, assessment: Assessment) -> Assessment | None:
    """The latest stored assessment of the same organisation dated before this one."""
    name = assessment.document.organisation.casefold().strip()
    date = assessment.document.date.isoformat()
    before = [
        s
        for s in repo.list(org=assessment.document.organisation)
        if s.organisation.casefold().strip() == name and s.date < date and s.id != assessment.id
    ]
    if not before:
        return None
    latest = max(before, key=lambda s: (s.date, s.created, s.id))
    return repo.get(latest.id)


def default_repository(settings: Any, store: Any = None) -> AssessmentRepository:
    """The repository the settings ask for (``assessments``: data-dir, store or memory)."""
    kind = getattr(settings, "assessments", "auto")
    if kind == "auto":
        durable = str(getattr(settings, "store", "memory")) != "memory"
        kind = "store" if durable and store is not None else "data-dir"
    if kind == "store" and store is not None:
        try:
            return repository_for(store)
        except TypeError:
            pass  # no store that can hold them: keep them in memory
    data_dir = getattr(settings, "data_dir", None)
    if kind == "data-dir" and data_dir is not None:
        return FileAssessmentRepository(Path(data_dir) / "assessments")
    return OxigraphAssessmentRepository(ox.Store())


def repository_for(store: Backend | ox.Store) -> AssessmentRepository:
    """The repository of a store backend (each backend makes its own: ``Backend.
    assessment_repository``), or of a bare pyoxigraph Store."""
    if isinstance(store, ox.Store):
        return OxigraphAssessmentRepository(store)
    if isinstance(store, Backend):
        return store.assessment_repository()
    raise TypeError(f"no assessment repository for a store of type {type(store).__name__}")
