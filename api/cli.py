"""The ``scalekg`` command line: build, check, stats, ask, serve, viz, assess, load."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from scalekg.graph.settings import get_settings

from . import assess_cli, store_cli, viz_cli
from .cli_common import (
    NORMAL,
    QUIET,
    VERBOSE,
    BuildDir,
    build_progress,
    console,
    err,
    load_kg,
    set_verbosity,
    snapshot,
    verbosity,
)

app = typer.Typer(
    help="ScaleKG: a sourced knowledge graph of how engineering organisations scale.",
    epilog="Example: scalekg ask 'what mitigates premature scaling'   "
    "(scalekg -v build: show every step)",
)


@app.callback()
def options(
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Say more on stderr: every step, timings.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="Nothing on stderr but errors.")
    ] = False,
) -> None:
    """Options that come before the command: scalekg -v build."""
    set_verbosity(VERBOSE if verbose else QUIET if quiet else NORMAL)


@app.command(epilog="Example: scalekg build --build-dir /tmp/scalekg-build")
def build(
    build_dir: BuildDir = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the inputs are unchanged.")] = False,
    write_inference: Annotated[
        bool,
        typer.Option(
            "--write-inference",
            help="Run HermiT afresh and rewrite data/inferred.nt, the committed inference "
            "(needs Java; `make inference`). Commit the file afterwards.",
        ),
    ] = False,
) -> None:
    """Validate, reason and write the content-hashed snapshot."""
    from scalekg.graph.build import BuildError
    from scalekg.graph.build import build as run_build

    settings = get_settings(build_dir=build_dir)
    if write_inference:
        _write_inference()
    try:
        result = run_build(settings.build_dir, force=force, progress=build_progress)
    except BuildError as exc:
        err.print("[red]build failed: the data does not conform[/red]")
        err.print(exc.report.render(), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    except Exception as exc:  # reasoning errors and unparseable files
        err.print(f"[red]build failed:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(1) from exc
    how = "reused" if result.reused else "built"
    java = {
        None: "",
        "cache": " (reasoner cache hit)",
        "committed": " (committed inference, no Java)",
        "hermit": " (HermiT ran)",
    }[result.reasoner_source]
    console.print(
        f"snapshot {result.snapshot.hash} {how}{java} in {result.seconds:.2f}s: {result.snapshot.path}",
        highlight=False,
        soft_wrap=True,
    )


def _write_inference() -> None:
    from scalekg.graph.loader import load_sources
    from scalekg.graph.reason import ReasoningError, regenerate_committed

    sources = load_sources()
    try:
        path, count = regenerate_committed(sources.ontology, sources.data)
    except ReasoningError as exc:
        err.print(f"[red]cannot write the inference:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    console.print(f"wrote {path} ({count} inferred triples): commit it", highlight=False)


@app.command(epilog="Example: scalekg check --data my-source.ttl")
def check(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Data files to check instead of the shipped ones."),
    ] = None,
    gaps: Annotated[
        bool,
        typer.Option("--gaps", help="Also list concepts with no edge of a kind (warnings only)."),
    ] = False,
    fidelity: Annotated[
        bool,
        typer.Option(
            "--fidelity",
            help="Print the fidelity summary (docs/fidelity.md) as Markdown instead of checking.",
        ),
    ] = False,
) -> None:
    """Run the quality gates (SHACL, violation queries, quotes) and print a readable report.

    Examples: `scalekg check --gaps`; `scalekg check --fidelity > docs/fidelity.md`.
    """
    from scalekg.graph.loader import DataFileError, load_sources
    from scalekg.graph.resources import data_files, ontology_files, shape_files, violation_queries
    from scalekg.graph.validate import validate_cached

    try:
        sources = load_sources(data=data) if data else load_sources()
    except DataFileError as exc:
        err.print(f"[red]cannot parse:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    graph = sources.ontology + sources.data
    if fidelity:
        from scalekg.graph.fidelity import render_summary

        print(render_summary(graph), end="")
        return
    inputs = ontology_files() + shape_files() + violation_queries() + (data or data_files())
    cache = get_settings().build_dir / "validation-cache"
    report = validate_cached(graph, inputs, cache)
    if gaps:
        from scalekg.graph.gaps import find_gaps, render_gaps

        print(render_gaps(find_gaps(graph)))
    if report.conforms:
        console.print(f"[green]conforms[/green]: {', '.join(report.checks_run)}")
        return
    err.print(report.render(), markup=False, highlight=False)
    raise typer.Exit(1)


@app.command(epilog="Example: scalekg stats --markdown")
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


@app.command(
    epilog="Examples: scalekg ask 'what mitigates premature scaling'   "
    "scalekg ask 'how does be frugal affect premature scaling' --json"
)
def ask(
    question: Annotated[
        str, typer.Argument(help='For example: "how do we avoid premature scaling"')
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    min_confidence: Annotated[
        str | None,
        typer.Option(
            "--min-confidence",
            help="Only answers at least this sure: stated, strong, plausible or speculative.",
        ),
    ] = None,
    build_dir: BuildDir = None,
) -> None:
    """Answer a question, with how it was understood, the path and the sources of each answer."""
    from scalekg.graph.ask import (
        SUPPORTED_PATTERNS,
        InvalidQuestionError,
        UnparseableQuestionError,
    )
    from scalekg.graph.ask import ask as run_ask
    from scalekg.graph.confidence import CONFIDENCE_ORDER, parse_min_confidence
    from scalekg.graph.search import UnknownConceptError

    from .error_shape import (
        error_body,
        invalid_question_body,
        unknown_concept_body,
        unparseable_question_body,
    )

    def fail(body: dict, lines: list[str], exc: Exception) -> None:
        if as_json:
            print(json.dumps(body, indent=2, ensure_ascii=False))
        else:
            for line in lines:
                err.print(line, highlight=False, markup=False)
        raise typer.Exit(2) from exc

    try:
        minimum = parse_min_confidence(min_confidence)
    except ValueError as exc:
        body = error_body("invalid min_confidence", str(exc), valid=list(CONFIDENCE_ORDER))
        fail(body, [str(exc)], exc)
    kg = load_kg(build_dir)
    try:
        result = run_ask(kg, question, min_confidence=minimum)
    except InvalidQuestionError as exc:
        fail(invalid_question_body(exc), [exc.message], exc)
    except UnknownConceptError as exc:
        body = unknown_concept_body(exc)
        lines = [f"unknown concept: {body['message']}"]
        if exc.suggestions:
            lines.append("Did you mean: " + "; ".join(m.concept.label for m in exc.suggestions))
        fail(body, lines, exc)
    except UnparseableQuestionError as exc:
        body = unparseable_question_body(exc, SUPPORTED_PATTERNS)
        lines = [f"cannot parse: {body['message']}", "Supported patterns:"]
        lines += [f"  - {p}" for p in SUPPORTED_PATTERNS]
        fail(body, lines, exc)
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    _print_answers(result)


def _print_answers(result) -> None:
    c = result.concept
    meaning = result.interpretation
    heading = f"{result.question}  →  {meaning.pattern}: {c.label} ({c.type})"
    if result.target is not None:
        heading += f" → {result.target.label} ({result.target.type})"
    console.print(heading, highlight=False, markup=False, style="bold")
    if meaning.did_you_mean:
        console.print(
            "did you mean: " + "; ".join(d.concept.label for d in meaning.did_you_mean),
            highlight=False,
            markup=False,
            style="italic",
        )
    if result.description:
        console.print(result.description.get("definition", ""), highlight=False, markup=False)
    if not result.answers:
        console.print("no answers in the graph")
        return
    for i, answer in enumerate(result.answers, 1):
        a = answer.as_dict()
        console.print(
            f"\n{i}. {a['label']} ({a['type']}, {a['kind']}, {a['confidence']})",
            highlight=False,
            markup=False,
            style="bold",
        )
        for chain in a["paths"]:
            console.print(
                f"   {' → '.join(chain['path'])}  [{chain['confidence']}]",
                highlight=False,
                markup=False,
            )
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


@app.command(epilog="Example: scalekg serve --port 8080 --store oxigraph:/var/lib/scalekg")
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
    snapshot(settings.build_dir)  # build before binding, so the port opens fast
    for name in ("host", "port", "workers", "store", "build_dir"):
        os.environ[f"SCALEKG_{name.upper()}"] = str(getattr(settings, name))
    console.print(f"ScaleKG on http://{settings.host}:{settings.port}/  (store: {settings.store})")
    from .http_protocol import protocol_class

    uvicorn.run(
        "scalekg.api.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="info" if verbosity() >= VERBOSE else "warning",
        http=protocol_class(),  # closes connections that do not send headers in time
        timeout_keep_alive=settings.keep_alive_timeout,
        limit_concurrency=settings.max_connections,
        # X-Forwarded-For is read by api/security.py only with behind_proxy (the last hop);
        # uvicorn's own handling would let any local client pick its address.
        proxy_headers=False,
    )


# Commands that live next to their feature (viz, assess, load) register themselves here.
for _module in (viz_cli, assess_cli, store_cli):
    _module.register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
