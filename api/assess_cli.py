"""``scalekg assess``: write the template, and diagnose an organisation from its assessment file.

- ``scalekg assess init [-o my-org.yaml] [--stage early|late]``: a commented YAML template with
  every capability (and the essay's diagnostic question where it has one), mechanism, signal and
  input metric.
- ``scalekg assess run my-org.yaml [--json | --format md|csv] [--html report.html] [--all]``:
  validate, analyse and print the report, the moves first (rich text, JSON, or the roadmap as
  Markdown or CSV); write the printable HTML report only when asked. The assessment is kept in
  the data directory (``--no-save`` not to), so the next run shows the trend.
- ``scalekg assess compare A B``: what changed from A to B (files or stored ids).
"""

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

assess_app = typer.Typer(help="Self-assessment: depth and width of each capability, diagnosed.")


@assess_app.command("init")
def init(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here instead of standard output.")
    ] = None,
    stage: Annotated[
        str, typer.Option(help="early or late: which capabilities come first.")
    ] = "late",
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    build_dir: Annotated[
        Path | None, typer.Option("--build-dir", help="Snapshot directory.")
    ] = None,
) -> None:
    """Write a commented YAML template to fill in."""
    from scalekg.graph.assessment.template import render_template
    from scalekg.graph.params import STAGE_SHORT, UnknownName, parse_stage

    from .cli_common import load_kg

    try:
        short = STAGE_SHORT[parse_stage(stage)]
    except UnknownName:
        err.print("[red]--stage must be early or late[/red]")
        raise typer.Exit(2) from None
    text = render_template(load_kg(build_dir), stage=short, today=date.today())
    if output is None:
        sys.stdout.write(text)
        return
    if output.exists() and not force:
        err.print(f"[red]{output} exists[/red]; use --force to overwrite", highlight=False)
        raise typer.Exit(1)
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}; fill it in, then: scalekg assess run {output}", highlight=False)


def _load(kg, path: Path, as_json: bool):
    from scalekg.graph.assessment import AssessmentValidationError, prepare_text

    from .error_shape import assessment_error_body

    if not path.is_file():
        err.print(f"[red]no such file:[/red] {path}", highlight=False)
        raise typer.Exit(2)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        return prepare_text(kg, path.read_bytes(), fmt)
    except AssessmentValidationError as exc:
        if as_json:
            print(json.dumps(assessment_error_body(exc), indent=2, ensure_ascii=False))
        else:
            err.print(f"[red]{path} does not validate[/red] ({len(exc.errors)} problem(s)):")
            for problem in exc.errors:
                err.print(f"  {problem.render()}", markup=False, highlight=False)
        raise typer.Exit(2) from exc


def _repository(build_dir: Path | None):
    from scalekg.graph.assessment.repository import default_repository
    from scalekg.graph.settings import get_settings

    return default_repository(get_settings(build_dir=build_dir))


@assess_app.command("run")
def run(
    path: Annotated[Path, typer.Argument(help="The assessment, YAML or JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Print the roadmap as md or csv instead of the report."),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the printable HTML report here.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--all", help="Every row of every table (default: the first 12).")
    ] = False,
    save: Annotated[
        bool,
        typer.Option(help="Keep the assessment in the data directory (for the trend next time)."),
    ] = True,
    build_dir: Annotated[
        Path | None, typer.Option("--build-dir", help="Snapshot directory.")
    ] = None,
) -> None:
    """Validate an assessment and print its diagnostic: the moves first, then why.

    Examples:
      scalekg assess run my-org.yaml
      scalekg assess run my-org.yaml --html report.html
      scalekg assess run my-org.yaml --format csv > roadmap.csv
    """
    from scalekg.graph.assessment.export import FORMATS
    from scalekg.graph.assessment.report import analyse
    from scalekg.graph.assessment.repository import earlier_than

    from .cli_common import load_kg

    if fmt is not None and fmt not in FORMATS:
        err.print(f"[red]--format must be one of {', '.join(FORMATS)}[/red]")
        raise typer.Exit(2)
    kg = load_kg(build_dir)
    assessment = _load(kg, path, as_json)
    repo = _repository(build_dir)
    earlier = earlier_than(repo, assessment)
    if save:
        repo.save(assessment)
    report = analyse(kg, assessment, earlier=earlier)
    if html is not None:
        from .routers.assessment_pages import render_report_html

        html.write_text(render_report_html(report), encoding="utf-8")
        err.print(f"HTML report: {html}", highlight=False)
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif fmt is not None:
        sys.stdout.write(FORMATS[fmt](report))
    else:
        print_report(report, top=None if full else 12)


@assess_app.command("compare")
def compare_cmd(
    before: Annotated[str, typer.Argument(help="The earlier assessment: a file or a stored id.")],
    after: Annotated[str, typer.Argument(help="The later assessment: a file or a stored id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    build_dir: Annotated[
        Path | None, typer.Option("--build-dir", help="Snapshot directory.")
    ] = None,
) -> None:
    """What changed from one assessment to another: exposure per failure factor, ratings.

    Examples:
      scalekg assess compare q1.yaml q3.yaml
      scalekg assess compare 3f2a9c0d1e4b5a67 my-org.yaml
    """
    from scalekg.graph.assessment.compare import compare
    from scalekg.graph.assessment.report import analyse

    from .cli_common import load_kg

    kg = load_kg(build_dir)
    repo = _repository(build_dir)

    def get(ref: str):
        path = Path(ref)
        if path.is_file():
            return _load(kg, path, as_json)
        found = repo.get(ref)
        if found is None:
            err.print(
                f"[red]{ref} is neither a file nor a stored assessment[/red]", highlight=False
            )
            raise typer.Exit(2)
        return found

    a, b = get(before), get(after)
    diff = compare(analyse(kg, a), analyse(kg, b))
    if as_json:
        print(json.dumps(diff, indent=2, ensure_ascii=False))
        return
    mean = diff["mean_exposure"]
    console.print(
        f"[bold]{escape(diff['a']['organisation'])}[/bold] {diff['a']['date']} → "
        f"{escape(diff['b']['organisation'])} {diff['b']['date']}: mean exposure "
        f"{mean['before']:.2f} → {mean['after']:.2f} ({mean['delta']:+.2f}); "
        f"{diff['counts']['down']} failure factors down, {diff['counts']['up']} up",
        highlight=False,
    )
    table = Table(title="Failure factors that moved")
    for col in ("failure factor", "before", "after", "change"):
        table.add_column(col, justify="left" if col == "failure factor" else "right")
    for f in diff["factors"]:
        if f["direction"] != "same":
            delta = "–" if f["delta"] is None else f"{f['delta']:+.2f}"
            table.add_row(escape(f["label"]), _f(f["before"]), _f(f["after"]), delta)
    console.print(table)
    for c in diff["capabilities"]:
        console.print(
            f"  {escape(c['label'])}: {c['depth'][0]}×{c['width'][0]} → "
            f"{c['depth'][1]}×{c['width'][1]}",
            highlight=False,
        )


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _rating(row: dict) -> str:
    return "not assessed" if row.get("depth") is None else f"{row['depth']}×{row['width']}"


def print_headline(report: dict) -> None:
    head = report["headline"]
    console.print(f"\n[bold]{escape(head['text'])}[/bold]")
    for move in head["moves"]:
        console.print(f" {move['rank']}. {escape(move['text'])}", highlight=False)
    if head["more"]:
        spec = head["speculative_only"]
        note = f", {spec} of them resting only on speculative readings" if spec else ""
        console.print(f" [dim]+{head['more']} more in the ranking below{note}[/dim]")
    for c in report["contradictions"]:
        console.print(f"[yellow]contradiction:[/yellow] {escape(c['text'])}", highlight=False)
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    if report.get("trend"):
        console.print(f"[dim]trend:[/dim] {escape(report['trend']['text'])}", highlight=False)


def print_step(step: dict) -> None:
    console.print(
        f"\n[bold]{step['rank']}. {escape(step['capability']['label'])}[/bold]  "
        f"[dim]cuts {step['gain']:.2f} of weighted exposure; effort "
        f"{step['effort'] or 'M (assumed)'}, {step['gain_per_effort']:.2f} per effort point; "
        f"support {step['support']}[/dim]",
        highlight=False,
    )
    console.print(f"   {escape(step['action']['text'])} {escape(step['action']['question'])}")
    if step["tied_with"]:
        console.print("   tied with: " + escape(", ".join(step["tied_with"])), highlight=False)
    cut = ", ".join(
        f"{f['label']} ({f['reduction']:.2f})"
        for f in step["factors"][:4]
        if f["reduction"] >= 0.005
    )
    console.print("   cuts: " + escape(cut), highlight=False)
    if step["mechanisms"]:
        rituals = ", ".join(
            m["label"] + (f" ({m['cadence']})" if m["cadence"] else "") for m in step["mechanisms"]
        )
        console.print("   rituals to start: " + escape(rituals), highlight=False)
    untracked = [m["label"] for m in step["metrics"] if not m["tracked"]]
    if untracked:
        console.print("   start tracking: " + escape(", ".join(untracked)), highlight=False)
    chains = step["chains"]
    for chain in chains[:1]:
        console.print(
            f"   why ({chain['confidence']}): " + escape(" → ".join(chain["path"])),
            highlight=False,
        )
        for st in chain["steps"]:
            src = st["sources"][0] if st["sources"] else None
            where = f"{src['document_title'] or src['document']}, {src['locator']}" if src else ""
            quote = _short(src["quote"]) if src else ""
            console.print(
                f"      [dim]{escape(st['predicate'])} {escape('[' + st['confidence'] + ']')} "
                f"{escape(where)}:[/dim] "
                f"“{escape(quote)}”",
                highlight=False,
            )
    if len(chains) > 1:
        console.print(
            f"   [dim]+{len(chains) - 1} more chain(s) with their sources: --html or --json[/dim]"
        )


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cut(rows: list, top: int | None) -> tuple[list, int]:
    if top is None or len(rows) <= top:
        return rows, 0
    return rows[:top], len(rows) - top


def print_report(report: dict, *, top: int | None = 12) -> None:
    """The diagnostic, actions first (user text is never read as markup)."""
    a, s = report["assessment"], report["summary"]
    growth = f" (×{a['growth']:.1f} in a year, {a['hiring_pace']})" if a.get("growth") else ""
    console.print(
        f"[bold]Diagnostic:[/bold] {escape(a['organisation'])}  "
        f"[dim]{a['date']} · {a['stage']} stage · {a['headcount']} people{growth} · "
        f"id {a['id']}[/dim]",
        highlight=False,
    )
    print_headline(report)

    if report["next_steps"]:
        console.print("\n[bold]Why these moves[/bold]")
        for step in report["next_steps"]:
            print_step(step)

    rows, cut = _cut(report["exposure"], top)
    table = Table(
        title="Failure factors, most pressing first (exposure: 1 = nothing you have mitigates "
        "it; weight: what you report about it)"
    )
    for col, just in (("failure factor", "left"), ("exposure", "right"), ("weight", "right")):
        table.add_column(col, justify=just)
    table.add_column("evidence")
    for row in rows:
        table.add_row(
            escape(row["label"]),
            _f(row["exposure"]),
            _f(row["weight"]),
            escape("; ".join(p["text"] for p in row["evidence"])),
        )
    console.print(table)
    if cut:
        console.print(f"[dim]+{cut} more failure factors (--all shows them)[/dim]")

    rows, cut = _cut(report["leverage"], top)
    table = Table(title="Ranking: the weighted exposure each realistic next step cuts")
    for col, just in (
        ("#", "right"),
        ("capability", "left"),
        ("now → next", "center"),
        ("cut", "right"),
        ("effort", "center"),
        ("cut/effort", "right"),
        ("support", "left"),
        ("MICMAC", "left"),
    ):
        table.add_column(col, justify=just)
    for row in rows:
        support = "speculative only" if row["speculative_only"] else row["support"]
        tie = " (tie)" if row["tied_with"] else ""
        table.add_row(
            str(row["rank"]),
            escape(row["label"]) + tie,
            f"{_rating(row)} → {row['next']['depth']}×{row['next']['width']}",
            _f(row["gain"]),
            (row["effort"] or "M?"),
            _f(row["gain_per_effort"]),
            support,
            row["quadrant"],
        )
    console.print(table)
    if cut:
        console.print(f"[dim]+{cut} more capabilities (--all shows them)[/dim]")

    blind = report["blind_spots"]
    if blind["factors"] or blind["outcomes"]:
        console.print("\n[bold]Blind spots[/bold]")
        for f in blind["factors"]:
            console.print(f"   {escape(f['label'])}: {escape(f['reason'])}", highlight=False)
        for o in blind["outcomes"]:
            watch = ", ".join(w["label"] for w in o["watch_with"]) or "a DORA value"
            console.print(
                f"   {escape(o['label'])}: no metric watches it (watch it with {escape(watch)})",
                highlight=False,
            )
    console.print(
        f"\n[dim]mean exposure {s['mean_exposure']:.2f} over {s['factors']} failure factors; "
        f"weighted {s['weighted_exposure']:.2f}. The model: docs/diagnostic.md.[/dim]",
        highlight=False,
    )


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def register(app: typer.Typer) -> None:
    """Called by ``scalekg.api.cli`` (plugin hook)."""
    app.add_typer(assess_app, name="assess")
