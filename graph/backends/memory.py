"""Embedded pyoxigraph backends: the shared implementation, and the in-memory one (the default).

``EmbeddedBackend`` works over any pyoxigraph ``Store``. ``MemoryBackend`` is a fresh in-memory
store holding the snapshot: nothing survives a restart, and it loads in milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ..assessment.repository import OxigraphAssessmentRepository
from ..store import (
    GraphName,
    QueryResult,
    Row,
    query_triples,
    rows_from_solutions,
    solutions,
    term_text,
)
from .base import (
    LOADED_HASH_QUERY,
    LOADED_SNAPSHOT,
    META_GRAPH,
    META_SUBJECT,
    SHIPPED_GRAPHS,
    Bindings,
    LoadReport,
    SnapshotRef,
    StoreError,
    StoreReadOnlyError,
    StoreUnavailableError,
    TermRow,
    os_error_to_store_error,
    sorted_triples,
)

# Above this snapshot size, a refresh uses the bulk loader (fast, not one transaction; the
# loaded-hash marker is written last, so an interrupted refresh is redone at the next start).
ATOMIC_LOAD_MAX_BYTES = 64 * 1024 * 1024


def _iri(value: str) -> str:
    if any(c in value for c in '<>"{}|^`\\ \n'):
        raise ValueError(f"not a valid IRI: {value!r}")
    return f"<{value}>"


def _count_lines(path) -> int:
    n = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


class EmbeddedBackend:
    """A backend over one pyoxigraph Store (in memory or on disk)."""

    kind = "embedded"

    def __init__(self, store: ox.Store, where: str = "in memory"):
        self.ox_store = store
        self.where = where
        self.read_only = False
        self.write_refusal: StoreError | None = None  # why writes are refused, when read-only
        self._shipped: list[GraphName] = [ox.NamedNode(g) for g in SHIPPED_GRAPHS]

    # -- naming -------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        return self.kind

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"

    # -- errors -------------------------------------------------------------------------------

    def _wrap(self, exc: OSError) -> Exception:
        mapped = os_error_to_store_error(exc, self.where)
        return mapped if mapped is not None else exc

    def _write(self, fn, *args, **kwargs):
        if self.read_only:
            if self.write_refusal is not None:
                raise self.write_refusal
            raise StoreReadOnlyError(
                f"the store {self.where} is open read-only (its directory cannot be written); "
                "writes are refused, reads still work."
            )
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            raise self._wrap(exc) from exc

    # -- reads --------------------------------------------------------------------------------

    def select(self, query: str) -> list[Row]:
        try:
            results = solutions(self.ox_store.query(query, default_graph=self._shipped))
        except OSError as exc:
            raise self._wrap(exc) from exc
        return rows_from_solutions(results)

    def select_terms(self, query: str, bind: Bindings | None = None) -> list[TermRow]:
        """A SELECT over the shipped graphs; rows of RDF terms. ``bind`` binds variables to IRIs
        (pyoxigraph substitutions: nothing is pasted into the query)."""
        results = solutions(self._bound_query(query, bind))
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def construct(self, query: str, bind: Bindings | None = None) -> list[ox.Triple]:
        """A CONSTRUCT over the shipped graphs with ``bind`` applied; sorted, no duplicates."""
        return sorted_triples(query_triples(self._bound_query(query, bind)))

    def _bound_query(self, query: str, bind: Bindings | None) -> QueryResult:
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
        substitutions = {ox.Variable(k): ox.NamedNode(v) for k, v in (bind or {}).items()}
        try:
            return self.ox_store.query(
                query, default_graph=self._shipped, substitutions=substitutions
            )
        except OSError as exc:
            raise self._wrap(exc) from exc

    def query(self, query: str, **kwargs: Any) -> Any:
        """Raw pyoxigraph query (for the benchmark and tests)."""
        try:
            return self.ox_store.query(query, **kwargs)
        except OSError as exc:
            raise self._wrap(exc) from exc

    def loaded_hash(self) -> str | None:
        try:
            for solution in solutions(self.ox_store.query(LOADED_HASH_QUERY)):
                return term_text(solution["h"])
        except OSError as exc:
            raise self._wrap(exc) from exc
        return None

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.ox_store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        for s in solutions(self.ox_store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")):
            return int(term_text(s["n"]))
        return 0

    def ping(self) -> None:
        self.loaded_hash()

    # -- snapshot -----------------------------------------------------------------------------

    def ensure_snapshot(self, snapshot: SnapshotRef, *, force: bool = False) -> LoadReport:
        start = time.perf_counter()
        previous = self.loaded_hash()
        report = LoadReport(self.description, snapshot.hash, previous, loaded=False)
        if previous == snapshot.hash and not force:
            report.seconds = time.perf_counter() - start
            return report
        if self.read_only:
            if self.write_refusal is not None:
                raise type(self.write_refusal)(
                    f"{self.write_refusal.message} The store holds snapshot {previous or 'none'} "
                    f"and this build is {snapshot.hash}: it cannot be refreshed until then."
                )
            raise StoreReadOnlyError(
                f"the store {self.where} is read-only and holds snapshot {previous or 'none'}, "
                f"but this build is {snapshot.hash}: it cannot be refreshed. Make it writable "
                "and start again."
            )
        report.quads = self._replace_shipped(snapshot)
        report.loaded = True
        report.seconds = time.perf_counter() - start
        return report

    def _marker_nq(self, snapshot_hash: str) -> bytes:
        lit = ox.Literal(snapshot_hash)
        return f"<{META_SUBJECT}> <{LOADED_SNAPSHOT}> {lit} <{META_GRAPH}> .\n".encode()

    def _drop_shipped_update(self) -> str:
        drops = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in (*SHIPPED_GRAPHS, META_GRAPH))
        return drops

    def _replace_shipped(self, snapshot: SnapshotRef) -> int:
        """Drop the shipped graphs and the marker (one transaction), then load the snapshot with
        its marker (one transaction for snapshots up to ATOMIC_LOAD_MAX_BYTES; above that the
        bulk loader, then the marker). Other named graphs (user data) are never touched."""
        self._write(self.ox_store.update, self._drop_shipped_update())
        size = snapshot.path.stat().st_size
        if size <= ATOMIC_LOAD_MAX_BYTES:
            data = snapshot.path.read_bytes()
            if data and not data.endswith(b"\n"):
                data += b"\n"
            quads = sum(1 for line in data.splitlines() if line.strip())
            data += self._marker_nq(snapshot.hash)
            self._write(self.ox_store.load, data, format=ox.RdfFormat.N_QUADS)
            return quads
        self._write(self.ox_store.bulk_load, path=str(snapshot.path), format=ox.RdfFormat.N_QUADS)
        self._after_bulk_load()
        self._write(self.ox_store.load, self._marker_nq(snapshot.hash), format=ox.RdfFormat.N_QUADS)
        return _count_lines(snapshot.path)

    def _after_bulk_load(self) -> None:
        """Hook: the on-disk store compacts here."""

    # -- user data ----------------------------------------------------------------------------

    def put_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Replace (or create) one named graph, in one transaction."""
        if graph in SHIPPED_GRAPHS or graph == META_GRAPH:
            raise StoreError(f"{graph} is a shipped graph; it is replaced only by a refresh")
        g = _iri(graph)
        body = "\n".join(f"{t} ." for t in triples)
        self._write(
            self.ox_store.update,
            f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}",
        )

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction."""
        self._write(self.ox_store.extend, list(quads))

    def delete_graph(self, graph: str) -> bool:
        node = ox.NamedNode(graph)
        if not self.ox_store.contains_named_graph(node):
            return False
        self._write(self.ox_store.remove_graph, node)
        return True

    def flush(self) -> None:
        self._write(self.ox_store.flush)

    def assessment_repository(self) -> OxigraphAssessmentRepository:
        """The assessment repository over this store, with store errors typed."""
        backend = self

        class GuardedRepository(OxigraphAssessmentRepository):
            # The backend's current Store, not a reference of our own: close() releases it.
            @property
            def store(self):
                if backend.ox_store is None:
                    raise StoreUnavailableError(f"the store {backend.where} is closed")
                return backend.ox_store

            @store.setter
            def store(self, _value):
                pass

            def save(self, assessment):
                if backend.read_only:
                    backend._write(lambda: None)
                try:
                    return super().save(assessment)
                except OSError as exc:
                    raise backend._wrap(exc) from exc

            def delete(self, assessment_id):
                if backend.read_only:
                    backend._write(lambda: None)
                try:
                    return super().delete(assessment_id)
                except OSError as exc:
                    raise backend._wrap(exc) from exc

        return GuardedRepository(self.ox_store)

    def close(self) -> None:
        pass


class MemoryBackend(EmbeddedBackend):
    """The snapshot in an in-memory pyoxigraph store (the default)."""

    kind = "memory"

    def __init__(self) -> None:
        super().__init__(ox.Store(), "in memory")

    def ensure_snapshot(self, snapshot: SnapshotRef, *, force: bool = False) -> LoadReport:
        start = time.perf_counter()
        previous = self.loaded_hash()
        if previous is None and not any(True for _ in self.ox_store.named_graphs()):
            # A fresh store: the bulk loader is the fastest path (2 ms for our snapshot).
            self.ox_store.bulk_load(path=str(snapshot.path), format=ox.RdfFormat.N_QUADS)
            self.ox_store.load(self._marker_nq(snapshot.hash), format=ox.RdfFormat.N_QUADS)
            return LoadReport(
                self.kind,
                snapshot.hash,
                None,
                True,
                quads=_count_lines(snapshot.path),
                seconds=time.perf_counter() - start,
            )
        return super().ensure_snapshot(snapshot, force=force)
