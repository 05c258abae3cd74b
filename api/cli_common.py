"""What every ``scalekg`` command shares: the two consoles, how loud stderr is, the snapshot.

stderr carries errors, and short progress lines while a slow step runs (validating, reasoning),
so a long first build is not silent. ``-v`` adds the rest (a reused snapshot, timings, the
server's access log); ``-q`` leaves only errors. stdout carries the command's answer.
"""

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from scalekg.graph.build import Snapshot
    from scalekg.graph.model import KnowledgeGraph

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message per line (greppable)

QUIET, NORMAL, VERBOSE = 0, 1, 2
_level = NORMAL

BuildDir = Annotated[
    Path | None,
    typer.Option(
        "--build-dir",
        help="Snapshot directory (SCALEKG_BUILD_DIR; default DATA_DIR/build, see docs/settings.md).",
    ),
]


def set_verbosity(level: int) -> None:
    """Set once by the top-level ``-v``/``-q`` options, before any command runs."""
    global _level
    _level = level
    if level < VERBOSE:
        # Libraries' deprecation chatter is for developers (-v), not for someone asking a question.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
    logging.basicConfig(
        level=logging.INFO if level >= VERBOSE else logging.WARNING,
        format="scalekg: %(levelname)s %(name)s: %(message)s",
    )


def verbosity() -> int:
    return _level


def progress(message: str) -> None:
    """A short progress line on stderr (not with -q)."""
    if _level >= NORMAL:
        err.print(f"scalekg: {message}", highlight=False, markup=False)


def detail(message: str) -> None:
    """A line only ``-v`` shows."""
    if _level >= VERBOSE:
        err.print(f"scalekg: {message}", highlight=False, markup=False)


def build_progress(message: str) -> None:
    """The build's own messages: a reused snapshot is a detail, real work is progress."""
    (detail if message.startswith("inputs unchanged") else progress)(message)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{message}[/red]" if "\n" not in message else message, highlight=False)
    return typer.Exit(code)


def snapshot(build_dir: Path | None) -> "Snapshot":
    """The current snapshot, built first when missing or stale; a failure exits with code 1."""
    from scalekg.graph.build import BuildError, ensure_built
    from scalekg.graph.reason import ReasoningError
    from scalekg.graph.settings import get_settings

    settings = get_settings(build_dir=build_dir)
    try:
        return ensure_built(settings.build_dir, progress=build_progress)
    except BuildError as exc:
        err.print("[red]build failed: the data does not conform[/red]")
        err.print(exc.report.render(), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    except ReasoningError as exc:
        err.print(f"[red]build failed:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc


def load_kg(build_dir: Path | None = None) -> "KnowledgeGraph":
    """The knowledge graph of the current snapshot, in memory."""
    from scalekg.graph.model import KnowledgeGraph
    from scalekg.graph.store import load_memory_store, store_selector

    snap = snapshot(build_dir)
    return KnowledgeGraph.from_store(store_selector(load_memory_store(snap.path)), snap.hash)
