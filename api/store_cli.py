"""``scalekg load`` and ``scalekg store-status``: push the snapshot into a store, and look at one.

Registered by ``api/cli.py``. Credentials of a remote store come from the
environment only (SCALEKG_STORE_USER, SCALEKG_STORE_PASSWORD, SCALEKG_STORE_AUTH), never from
the command line, where other users could read them in the process list.
"""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # messages stay on one line (greppable)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="memory | oxigraph:PATH | sparql:QUERY_URL[,update=URL][,gsp=URL] (SCALEKG_STORE). "
        "Credentials: SCALEKG_STORE_USER / SCALEKG_STORE_PASSWORD / SCALEKG_STORE_AUTH.",
    ),
]
BuildDirOpt = Annotated[
    Path | None, typer.Option("--build-dir", help="Snapshot directory (SCALEKG_BUILD_DIR).")
]

# Exit codes: 1 store error (unreachable, full, read-only…), 2 bad spec or usage.
EXIT_STORE = 1
EXIT_SPEC = 2


def _fail(exc: Exception, as_json: bool) -> typer.Exit:
    from scalekg.graph.backends import StoreError, StoreSpecError

    from .error_shape import error_body

    kind = exc.kind if isinstance(exc, StoreError) else "error"
    message = exc.message if isinstance(exc, StoreError) else str(exc)
    if as_json:
        print(json.dumps(error_body(kind, message)))
    else:
        err.print(f"[red]{kind}:[/red] {message}", highlight=False)
    return typer.Exit(EXIT_SPEC if isinstance(exc, StoreSpecError) else EXIT_STORE)


def load(
    store: StoreOpt = None,
    build_dir: BuildDirOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Reload even if the store holds this snapshot.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Load the snapshot into a store (replacing its three shipped graphs, never user data)."""
    from scalekg.graph.backends import SnapshotRef, StoreError, open_backend, parse_spec
    from scalekg.graph.settings import get_settings

    from .cli_common import snapshot as _snapshot

    settings = get_settings(store=store, build_dir=build_dir)
    try:
        parse_spec(settings.store)  # a bad spec fails before any build work
    except StoreError as exc:
        raise _fail(exc, as_json) from exc
    snapshot = _snapshot(settings.build_dir)
    if settings.store == "memory" and not as_json:
        err.print("note: a memory store is gone when this command ends; loading it only checks.")
    backend = None
    try:
        backend = open_backend(settings)
        report = backend.ensure_snapshot(SnapshotRef(snapshot.path, snapshot.hash), force=force)
    except (StoreError, OSError) as exc:
        raise _fail(exc, as_json) from exc
    finally:
        if backend is not None:
            backend.close()
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
        return
    if not report.loaded:
        console.print(f"{report.backend}: already holds snapshot {report.snapshot_hash}")
        return
    was = f" (was {report.previous_hash})" if report.previous_hash else ""
    extra = f", {report.requests} requests" if report.requests else ""
    console.print(
        f"{report.backend}: loaded snapshot {report.snapshot_hash}{was}: "
        f"{report.quads} quads in {report.seconds:.2f}s{extra}",
        highlight=False,
    )


def store_status(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Which snapshot a store holds, and its named graphs."""
    from scalekg.graph.backends import StoreError, open_backend
    from scalekg.graph.settings import get_settings

    settings = get_settings(store=store)
    backend = None
    try:
        backend = open_backend(settings)
        info = {
            "store": backend.description,
            "kind": backend.kind,
            "snapshot": backend.loaded_hash(),
            "graphs": {g: backend.count(g) for g in backend.graph_names() if "scalekg" in g},
        }
    except (StoreError, OSError) as exc:
        raise _fail(exc, as_json) from exc
    finally:
        if backend is not None:
            backend.close()
    if as_json:
        print(json.dumps(info, indent=2))
        return
    console.print(f"{info['store']}: snapshot {info['snapshot'] or 'none'}", highlight=False)
    for g, n in info["graphs"].items():
        console.print(f"  {g}  {n} triples", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("load", epilog="Example: scalekg load --store oxigraph:/var/lib/scalekg")(load)
    app.command(
        "store-status",
        epilog="Example: SCALEKG_STORE_USER=dba SCALEKG_STORE_PASSWORD=… "
        "scalekg store-status --store sparql:http://127.0.0.1:8890/sparql",
    )(store_status)
