"""The store backend interface, its errors, and helpers shared by the backends.

A backend holds the three shipped named graphs (ontology, data, inferred) of one snapshot, plus
user data (assessments) in named graphs of their own. It answers SPARQL SELECT as row dicts (what
``KnowledgeGraph.from_store`` needs), loads or refreshes the snapshot, and writes whole named
graphs. Errors are typed, so the web layer can map each to one HTTP status:

- ``StoreUnavailableError``: the store cannot be reached or opened now (HTTP 503);
- ``StoreFullError``: the disk of the store is full (HTTP 507);
- ``StoreReadOnlyError``: the store cannot be written (read-only directory or mount) (HTTP 503);
- ``StoreSpecError``: the ``--store`` value is malformed (a CLI/configuration error).

No web imports here: ``graph/`` is a pure library.
"""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pyoxigraph as ox

from ..namespaces import DATA_GRAPH, GRAPH_BASE, INFERRED_GRAPH, ONTOLOGY_GRAPH, SKG
from ..sparql.json_terms import Term

if TYPE_CHECKING:
    from ..assessment.repository import AssessmentRepository
from ..store import Row

# Rows of RDF terms (unbound variables left out), and variable names bound to IRIs.
TermRow = dict[str, Term]
Bindings = dict[str, str]

# The named graphs a snapshot ships; a refresh replaces exactly these and never touches others.
SHIPPED_GRAPHS: tuple[str, ...] = (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH)
# Where a backend records which snapshot it holds (one triple: META_SUBJECT skg:loadedSnapshot "hash").
META_GRAPH = GRAPH_BASE + "meta"
META_SUBJECT = GRAPH_BASE + "meta"
LOADED_SNAPSHOT = str(SKG) + "loadedSnapshot"

LOADED_HASH_QUERY = (
    f"SELECT ?h WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_SUBJECT}> <{LOADED_SNAPSHOT}> ?h }} }}"
)


class StoreError(Exception):
    """Base class of every error a backend raises on purpose. ``message`` is for people."""

    status = 500
    kind = "store error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreSpecError(StoreError, ValueError):
    """The store spec (``--store`` / SCALEKG_STORE) is malformed."""

    kind = "bad store spec"


class StoreUnavailableError(StoreError):
    """The store cannot be reached or opened right now; retry later (HTTP 503)."""

    status = 503
    kind = "store unavailable"


class StoreLockedError(StoreUnavailableError):
    """Another process holds the on-disk store's write lock (RocksDB allows one writer)."""


class StoreNotLoadedError(StoreUnavailableError):
    """The store does not hold the snapshot this build expects (run ``scalekg load``)."""

    kind = "store not loaded"


class StoreFullError(StoreError):
    """The store's disk is full. Nothing already written is lost (HTTP 507)."""

    status = 507
    kind = "store full"


class StoreReadOnlyError(StoreError):
    """The store cannot be written: read-only directory, mount or server (HTTP 503)."""

    status = 503
    kind = "store read-only"


@dataclass(frozen=True)
class SnapshotRef:
    """What a backend needs to know of a snapshot: its N-Quads file and its content hash."""

    path: Path
    hash: str


@dataclass
class LoadReport:
    """What ``ensure_snapshot`` (or ``scalekg load``) did."""

    backend: str
    snapshot_hash: str
    previous_hash: str | None
    loaded: bool  # False: the store already held this snapshot
    quads: int = 0
    seconds: float = 0.0
    requests: int = 0  # remote: HTTP requests sent
    graphs: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "snapshot": self.snapshot_hash,
            "previous": self.previous_hash,
            "loaded": self.loaded,
            "quads": self.quads,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "graphs": self.graphs,
        }


@runtime_checkable
class Backend(Protocol):
    """One store. ``kind`` is ``memory``, ``oxigraph`` or ``sparql``."""

    kind: str

    @property
    def description(self) -> str:
        """The spec, for logs and /health (never with credentials)."""
        ...

    def select(self, query: str) -> list[Row]:
        """Run a SELECT over the shipped graphs (their union is the default graph)."""
        ...

    def select_terms(self, query: str, bind: Bindings | None = None) -> list[TermRow]:
        """A SELECT over the shipped graphs, rows of RDF terms; ``bind`` maps variable names to
        IRIs, bound as values (never pasted into the query as text)."""
        ...

    def construct(self, query: str, bind: Bindings | None = None) -> list[ox.Triple]:
        """A CONSTRUCT over the shipped graphs with ``bind`` applied; sorted, no duplicates."""
        ...

    def loaded_hash(self) -> str | None:
        """The hash of the snapshot the store holds, or None."""
        ...

    def ensure_snapshot(self, snapshot: SnapshotRef, *, force: bool = False) -> LoadReport:
        """Load the snapshot, or replace the shipped graphs if the store holds another one."""
        ...

    def put_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int | None:
        """Replace one named graph with these triples (atomically where the store allows); a
        remote store returns the number of requests it sent."""
        ...

    def delete_graph(self, graph: str) -> bool: ...

    def graph_names(self) -> list[str]: ...

    def ping(self) -> None:
        """Raise StoreUnavailableError if the store cannot answer now."""
        ...

    def assessment_repository(self) -> AssessmentRepository:
        """Where this store keeps assessments (graph/assessment/repository.py)."""
        ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# helpers


def os_error_to_store_error(exc: BaseException, where: str) -> StoreError | None:
    """The typed error for an OS/RocksDB error, or None when it is none of ours."""
    text = str(exc)
    code = getattr(exc, "errno", None)
    lowered = text.lower()
    if code == errno.ENOSPC or "no space left" in lowered or "disk quota" in lowered:
        return StoreFullError(
            f"the disk of the store {where} is full ({text.strip()}). Free some space and "
            "restart; everything written before this error is kept."
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(
        s in lowered for s in ("read-only file system", "permission denied", "read only")
    ):
        return StoreReadOnlyError(
            f"the store {where} cannot be written ({text.strip()}). Make the directory "
            "writable, or use another path."
        )
    if "lock hold by current process" in lowered:
        return StoreLockedError(
            f"the store {where} is already open in this process; close it before opening it again."
        )
    if "lock" in lowered and ("resource temporarily unavailable" in lowered or "lock " in lowered):
        return StoreLockedError(
            f"the store {where} is open in another process (RocksDB allows one writer process). "
            "Stop the other `scalekg serve` / `scalekg load`, or run one worker per store "
            "(`--workers 1`), or use a `sparql:` store for several workers."
        )
    if code == errno.EFBIG or "file too large" in lowered:
        return StoreFullError(
            f"the store {where} hit a file size limit ({text.strip()}). Everything written "
            "before this error is kept."
        )
    return None


def triples_to_ntriples(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _bnodes(triple: ox.Triple) -> list[str]:
    return [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]


def chunk_triples(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Batches of about ``size`` triples. Triples linked by a blank node stay in one batch
    (a blank node label means one node only within one request)."""
    plain: list[ox.Triple] = []
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with_bnodes: list[tuple[ox.Triple, list[str]]] = []
    for t in triples:
        bn = _bnodes(t)
        if not bn:
            plain.append(t)
            if len(plain) >= size:
                yield plain
                plain = []
            continue
        with_bnodes.append((t, bn))
        roots = [find(b) for b in bn]
        for r in roots[1:]:
            parent[find(r)] = find(roots[0])
    groups: dict[str, list[ox.Triple]] = {}
    for t, bn in with_bnodes:
        groups.setdefault(find(bn[0]), []).append(t)
    batch = plain
    for group in groups.values():
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Distinct triples in a fixed order (subject, predicate, object as N-Triples text)."""
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def snapshot_quads(path: Path) -> Iterator[ox.Quad]:
    with path.open("rb") as fh:
        yield from ox.parse(fh, format=ox.RdfFormat.N_QUADS)


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]
