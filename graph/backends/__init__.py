"""Store backends behind one interface, chosen by ``--store`` / SCALEKG_STORE.

- ``memory`` (default): the snapshot in an in-memory pyoxigraph store;
- ``oxigraph:PATH``: an on-disk pyoxigraph (RocksDB) store that keeps user data across restarts;
- ``sparql:QUERY_URL[,update=URL][,gsp=URL]``: any SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB,
  QLever…), credentials from SCALEKG_STORE_USER / SCALEKG_STORE_PASSWORD / SCALEKG_STORE_AUTH.

``open_backend(settings)`` opens one; ``open_for_serving(settings, snapshot)`` also makes sure it
holds the snapshot (loading or refreshing an embedded store; checking a remote one, which
``scalekg load`` fills). See docs/scaling.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import (
    SHIPPED_GRAPHS,
    Backend,
    LoadReport,
    SnapshotRef,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotLoadedError,
    StoreReadOnlyError,
    StoreSpecError,
    StoreUnavailableError,
)

if TYPE_CHECKING:
    from ..build import Snapshot
    from ..settings import Settings

SPEC_HELP = (
    "use `memory`, `oxigraph:PATH` (a directory), or "
    "`sparql:QUERY_URL[,update=URL][,gsp=URL]` (credentials go in SCALEKG_STORE_USER / "
    "SCALEKG_STORE_PASSWORD, never in the spec)"
)


def parse_spec(spec: str) -> tuple[str, Any]:  # the argument: None, a Path or a RemoteSpec
    """``(kind, argument)`` of a store spec, or StoreSpecError with a clear message."""
    from .remote_protocol import RemoteSpec

    text = (spec or "").strip()
    if not text:
        raise StoreSpecError(f"empty store spec: {SPEC_HELP}")
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if kind == "memory":
        if sep:
            raise StoreSpecError(f"`memory` takes no argument (got {spec!r}): {SPEC_HELP}")
        return "memory", None
    if kind == "oxigraph":
        if not rest.strip():
            raise StoreSpecError(
                f"`oxigraph:` needs a directory, e.g. oxigraph:./var/store: {SPEC_HELP}"
            )
        return "oxigraph", Path(rest.strip()).expanduser()
    if kind == "sparql":
        return "sparql", RemoteSpec.parse(rest)
    if kind in ("http", "https"):
        raise StoreSpecError(f"a bare URL is not a store spec; write sparql:{text}")
    raise StoreSpecError(f"unknown store {spec!r}: {SPEC_HELP}")


def check_serving(settings: Settings) -> None:
    """Fail fast, before any server process starts, on a store spec that cannot be served with
    these settings (malformed, or ``oxigraph:PATH`` with several uvicorn workers)."""
    kind, arg = parse_spec(settings.store)
    workers = settings.workers
    if kind == "oxigraph" and workers > 1:
        raise StoreSpecError(
            f"`oxigraph:{arg}` runs with one worker process: RocksDB lets only one process "
            f"write a store, and --workers {workers} would start {workers}. Use --workers 1 "
            "(the SPARQL query workers still run in parallel), or put the data in a SPARQL "
            "server (`sparql:…`) to scale out."
        )


def open_backend(settings: Settings, *, read_only: bool = False) -> Backend:
    """The backend named by ``settings.store`` (a ``Settings``), opened but not loaded."""
    kind, arg = parse_spec(settings.store)
    if kind == "memory":
        from .memory import MemoryBackend

        return MemoryBackend()
    if kind == "oxigraph":
        check_serving(settings)
        from .oxigraph_disk import OxigraphDiskBackend

        return OxigraphDiskBackend(arg, read_only=read_only)
    from .remote import RemoteBackend

    return RemoteBackend(
        arg,
        user=settings.store_user,
        password=settings.store_password,
        auth=settings.store_auth,
        timeout=settings.query_timeout,
    )


def open_for_serving(settings: Settings, snapshot: Snapshot) -> tuple[Backend, LoadReport | None]:
    """Open the store and make sure it holds ``snapshot`` (anything with ``path`` and ``hash``).

    Embedded stores are loaded or refreshed here. A remote store is only checked: it must hold
    this snapshot already (``scalekg load --store …`` pushes it), else StoreNotLoadedError.
    """
    backend = open_backend(settings)
    ref = SnapshotRef(Path(snapshot.path), snapshot.hash)
    if backend.kind == "sparql":
        held = backend.loaded_hash()
        if held != ref.hash:
            backend.close()
            raise StoreNotLoadedError(
                f"the SPARQL store {backend.description} holds snapshot {held or 'none'}, "
                f"but this build is {ref.hash}. Push it first: `scalekg load --store "
                f"{settings.store}` (with SCALEKG_STORE_USER / SCALEKG_STORE_PASSWORD set)."
            )
        return backend, None
    try:
        report = backend.ensure_snapshot(ref)
    except Exception:
        backend.close()
        raise
    return backend, report


__all__ = [
    "SHIPPED_GRAPHS",
    "Backend",
    "LoadReport",
    "SnapshotRef",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreNotLoadedError",
    "StoreReadOnlyError",
    "StoreSpecError",
    "StoreUnavailableError",
    "check_serving",
    "open_backend",
    "open_for_serving",
    "parse_spec",
]
