"""``scalekg assess``: write the template, and diagnose an organisation from its assessment file.

- ``scalekg assess init [-o my-org.yaml] [--stage early|late]``: a commented YAML template with
  every capability (and the essay's diagnostic question where it has one), mechanism, signal and
  input metric.
- ``scalekg assess run my-org.yaml [--json] [--html report.html | --no-html]``: validate, analyse,
  print the report (rich tables, or JSON with ``--json``) and write the printable HTML report
  (by default next to the input: ``my-org.html``).
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


@assess_app.command("run")
def run(
    path: Annotated[Path, typer.Argument(help="The assessment, YAML or JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Where to write the HTML report (default: next to the input)."),
    ] = None,
    no_html: Annotated[
        bool, typer.Option("--no-html", help="Do not write the HTML report.")
    ] = False,
    build_dir: Annotated[
        Path | None, typer.Option("--build-dir", help="Snapshot directory.")
    ] = None,
) -> None:
    """Validate an assessment, print its diagnostic and write the HTML report."""
    from scalekg.graph.assessment import AssessmentValidationError, prepare_text
    from scalekg.graph.assessment.scoring import analyse

    from .cli_common import load_kg
    from .error_shape import assessment_error_body

    if not path.is_file():
        err.print(f"[red]no such file:[/red] {path}", highlight=False)
        raise typer.Exit(2)
    kg = load_kg(build_dir)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        assessment = prepare_text(kg, path.read_bytes(), fmt)
    except AssessmentValidationError as exc:
        if as_json:
            print(json.dumps(assessment_error_body(exc), indent=2, ensure_ascii=False))
        else:
            err.print(f"[red]{path} does not validate[/red] ({len(exc.errors)} problem(s)):")
            for problem in exc.errors:
                err.print(f"  {problem.render()}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    report = analyse(kg, assessment)
    if not no_html:
        from .routers.assessment_pages import render_report_html

        target = html or path.with_suffix(".html")
        target.write_text(render_report_html(report), encoding="utf-8")
        (err if as_json else console).print(f"HTML report: {target}", highlight=False)
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print_report(report)


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def print_report(report: dict, *, top: int = 12) -> None:
    """The diagnostic as rich tables (user text is never read as markup)."""
    a, s = report["assessment"], report["summary"]
    console.print(
        f"[bold]Diagnostic:[/bold] {escape(a['organisation'])}  "
        f"[dim]{a['date']} · {a['stage']} stage · headcount {a['headcount']} · "
        f"id {a['id']} · snapshot {report['snapshot']}[/dim]"
    )
    console.print(
        f"mean exposure [bold]{s['mean_exposure']:.2f}[/bold] over {s['factors']} failure factors; "
        f"blind spots: {s['blind_spot_factors']} factors, {s['blind_spot_outcomes']} outcomes",
        highlight=False,
    )
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")

    table = Table(title="Exposure by failure factor (1 = nothing you have mitigates it)")
    table.add_column("failure factor")
    table.add_column("exposure", justify="right")
    table.add_column("mitigators in place")
    table.add_column("signals")
    for row in report["exposure"][:top]:
        table.add_row(
            escape(row["label"]),
            _f(row["exposure"]),
            escape(
                ", ".join(
                    f"{m['label']} {m['strength']:.2f}×{m['weight']:g}"
                    for m in row["mitigators"]
                    if m["strength"] > 0
                )
                or "none"
            ),
            escape(", ".join(x["label"] for x in row["signals"])),
        )
    console.print(table)

    table = Table(title="Leverage: the capabilities that would cut the most exposure")
    for col, just in (
        ("capability", "left"),
        ("depth×width", "center"),
        ("cut at 4×4", "right"),
        ("MICMAC", "left"),
        ("leverage", "right"),
    ):
        table.add_column(col, justify=just)
    for row in report["leverage"][:top]:
        dw = f"{row['depth']}×{row['width']}" if row["assessed"] else "not assessed"
        table.add_row(
            escape(row["label"]), dw, _f(row["gain"]), row["quadrant"], _f(row["leverage"])
        )
    console.print(table)

    console.print("\n[bold]Next steps[/bold]")
    for step in report["next_steps"]:
        console.print(
            f"\n[bold]{step['rank']}. {escape(step['capability']['label'])}[/bold]  "
            f"[dim](cuts {step['gain']:.2f} at 4×4; first step {step['action']['gain_one_step']:.2f})"
            "[/dim]"
        )
        console.print(f"   {escape(step['action']['text'])}")
        missing = [m for m in step["mechanisms"] if m["status"] != "in place"]
        if step["values"]:
            console.print(
                "   values: " + escape(", ".join(v["label"] for v in step["values"])),
                highlight=False,
            )
        if missing:
            console.print(
                "   mechanisms to introduce: " + escape(", ".join(m["label"] for m in missing)),
                highlight=False,
            )
        if step["metrics"]:
            console.print(
                "   input metrics to watch: "
                + escape(
                    ", ".join(
                        m["label"] + ("" if m["tracked"] else " (not tracked)")
                        for m in step["metrics"]
                    )
                ),
                highlight=False,
            )
        for chain in step["chains"]:
            console.print("   why: " + escape(" → ".join(chain["path"])), highlight=False)
            for st in chain["steps"]:
                for src in st["sources"]:
                    console.print(
                        f"      [dim]{escape(src['document_title'] or src['document'])}, "
                        f"{escape(src['locator'])} ({st['basis']}):[/dim] “{escape(src['quote'])}”",
                        highlight=False,
                    )

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


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def register(app: typer.Typer) -> None:
    """Called by ``scalekg.api.cli`` (plugin hook)."""
    app.add_typer(assess_app, name="assess")
