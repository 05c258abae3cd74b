"""The ``scalekg`` command line: build, check, stats, ask, serve, viz, assess, load."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scalekg.graph.settings import get_settings

app = typer.Typer(help="ScaleKG: a sourced knowledge graph of how engineering organisations scale.")
console = Console()
err = Console(stderr=True)

BuildDir = Annotated[
    Path | None, typer.Option("--build-dir", help="Snapshot directory (SCALEKG_BUILD_DIR).")
]


def _progress():
    status = err.status("building…")
    status.start()

    def say(message: str) -> None:
        status.update(message)
        err.log(message)

    return status, say


def _snapshot(build_dir: Path | None):
    from scalekg.graph.build import BuildError, ensure_built

    settings = get_settings(build_dir=build_dir)
    status, say = _progress()
    try:
        return ensure_built(settings.build_dir, progress=say)
    except BuildError as exc:
        status.stop()
        err.print("[red]build failed: the data does not conform[/red]")
        err.print(exc.report.render(), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    finally:
        status.stop()


def load_kg(build_dir: Path | None = None):
    from scalekg.graph.model import KnowledgeGraph
    from scalekg.graph.store import load_memory_store, store_selector

    snapshot = _snapshot(build_dir)
    return KnowledgeGraph.from_store(
        store_selector(load_memory_store(snapshot.path)), snapshot.hash
    )


@app.command()
def build(
    build_dir: BuildDir = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the inputs are unchanged.")] = False,
) -> None:
    """Validate, reason and write the content-hashed snapshot."""
    from scalekg.graph.build import BuildError
    from scalekg.graph.build import build as run_build

    settings = get_settings(build_dir=build_dir)
    status, say = _progress()
    try:
        result = run_build(settings.build_dir, force=force, progress=say)
    except BuildError as exc:
        status.stop()
        err.print("[red]build failed: the data does not conform[/red]")
        err.print(exc.report.render(), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    except Exception as exc:  # reasoning errors and unparseable files
        status.stop()
        err.print(f"[red]build failed:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(1) from exc
    status.stop()
    how = "reused" if result.reused else "built"
    java = (
        ""
        if result.reused
        else (" (reasoner cache hit)" if result.reasoner_cache_hit else " (HermiT ran)")
    )
    console.print(
        f"snapshot {result.snapshot.hash} {how}{java} in {result.seconds:.2f}s: {result.snapshot.path}"
    )


@app.command()
def check(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Data files to check instead of the shipped ones."),
    ] = None,
) -> None:
    """Run the quality gates (SHACL, violation queries, quotes) and print a readable report."""
    from scalekg.graph.loader import DataFileError, load_sources
    from scalekg.graph.validate import validate_graph

    try:
        sources = load_sources(data=data) if data else load_sources()
    except DataFileError as exc:
        err.print(f"[red]cannot parse:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    report = validate_graph(sources.ontology + sources.data)
    if report.conforms:
        console.print(f"[green]conforms[/green]: {', '.join(report.checks_run)}")
        return
    err.print(report.render(), markup=False, highlight=False)
    raise typer.Exit(1)


@app.command()
def stats(
    build_dir: BuildDir = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a Markdown table (for the README).")
    ] = False,
) -> None:
    """Counts per class and per relation of the built graph."""
    kg = load_kg(build_dir)
    counts = kg.counts()
    if markdown:
        print("| class | count |\n|---|---|")
        for name, n in counts["classes"].items():
            print(f"| {name} | {n} |")
        print("\n| relation | edges |\n|---|---|")
        for name, n in counts["relations"].items():
            print(f"| {name} | {n} |")
        return
    for title, key in (("classes", "classes"), ("relations", "relations")):
        table = Table(title=title)
        table.add_column(title[:-2] if key == "classes" else "relation")
        table.add_column("count", justify="right")
        for name, n in counts[key].items():
            table.add_row(name, str(n))
        console.print(table)
    console.print(f"snapshot {kg.snapshot_hash}")


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(help='For example: "what mitigates premature scaling"')
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    build_dir: BuildDir = None,
) -> None:
    """Answer a question, with the path and the sources behind each answer."""
    from scalekg.graph.ask import SUPPORTED_PATTERNS, UnparseableQuestionError
    from scalekg.graph.ask import ask as run_ask
    from scalekg.graph.search import UnknownConceptError

    from .error_shape import unknown_concept_body, unparseable_question_body

    kg = load_kg(build_dir)
    try:
        result = run_ask(kg, question)
    except UnknownConceptError as exc:
        suggestions = [m.as_dict() for m in exc.suggestions]
        if as_json:
            print(json.dumps(unknown_concept_body(exc), indent=2, ensure_ascii=False))
        else:
            err.print(f"[red]unknown concept[/red] {exc.text!r}.", highlight=False)
            if suggestions:
                err.print(
                    "Did you mean: " + "; ".join(s["label"] for s in suggestions), highlight=False
                )
        raise typer.Exit(2) from exc
    except UnparseableQuestionError as exc:
        if as_json:
            body = unparseable_question_body(exc, SUPPORTED_PATTERNS)
            print(json.dumps(body, indent=2, ensure_ascii=False))
        else:
            err.print(f"[red]cannot parse[/red] {question!r}. Supported patterns:", highlight=False)
            for pattern in SUPPORTED_PATTERNS:
                err.print(f"  - {pattern}", highlight=False)
        raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    _print_answers(result)


def _print_answers(result) -> None:
    c = result.concept
    console.print(
        f"{result.question}  →  {c.label} ({c.type})", highlight=False, markup=False, style="bold"
    )
    if result.description:
        console.print(result.description.get("definition", ""), highlight=False)
    if not result.answers:
        console.print("no answers in the graph")
        return
    for i, answer in enumerate(result.answers, 1):
        a = answer.as_dict()
        console.print(
            f"\n{i}. {a['label']} ({a['type']}, {a['kind']}, {a['basis']})",
            highlight=False,
            markup=False,
            style="bold",
        )
        console.print("   " + " → ".join(a["path"]), highlight=False, markup=False)
        for src in a["sources"]:
            console.print(
                f"   {src['document']}, {src['locator']} ({src['basis']}): “{src['quote']}”",
                highlight=False,
                markup=False,
                style="dim",
            )
            if src.get("rationale"):
                console.print(
                    f"     why: {src['rationale']}", highlight=False, markup=False, style="italic"
                )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int | None, typer.Option(help="uvicorn worker processes.")] = None,
    store: Annotated[
        str | None, typer.Option(help="memory | oxigraph:PATH | sparql:URL[,update=URL][,gsp=URL]")
    ] = None,
    build_dir: BuildDir = None,
) -> None:
    """Start the web service (graph page, SPARQL endpoint, API) on 127.0.0.1:8000."""
    import uvicorn

    from scalekg.graph.backends import StoreError, check_serving

    settings = get_settings(host=host, port=port, workers=workers, store=store, build_dir=build_dir)
    try:
        check_serving(settings)  # refuse a store spec that cannot be served, before any process
    except StoreError as exc:
        err.print(f"[red]cannot serve:[/red] {exc.message}", highlight=False)
        raise typer.Exit(2) from exc
    _snapshot(settings.build_dir)  # build before binding, so the port opens fast
    for name in ("host", "port", "workers", "store", "build_dir"):
        os.environ[f"SCALEKG_{name.upper()}"] = str(getattr(settings, name))
    console.print(f"ScaleKG on http://{settings.host}:{settings.port}/  (store: {settings.store})")
    from .http_protocol import GuardedH11Protocol

    uvicorn.run(
        "scalekg.api.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="info",
        http=GuardedH11Protocol,  # closes connections that do not send headers in time
        timeout_keep_alive=settings.keep_alive_timeout,
        limit_concurrency=settings.max_connections,
        # X-Forwarded-For is read by api/security.py only with behind_proxy (the last hop);
        # uvicorn's own handling would let any local client pick its address.
        proxy_headers=False,
    )


PLUGIN_MODULES = ("scalekg.viz.cli", "scalekg.api.assess_cli", "scalekg.api.store_cli")


def _register_plugins() -> None:
    """Commands that live next to their feature (viz, assess, load) add themselves here."""
    import importlib

    for name in PLUGIN_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_plugins()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
