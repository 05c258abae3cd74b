"""``scalekg viz``: write the graph page as one standalone, offline HTML file."""

from pathlib import Path
from typing import Annotated

import typer

from .cli_common import BuildDir, console, err, load_kg

List = Annotated[
    list[str] | None,
    typer.Option(help="Comma separated or repeated; as in /graph?…"),
]


def register(app: typer.Typer) -> None:
    @app.command(
        "viz",
        epilog="Example: scalekg viz -o graph.html --focus premature-scaling --depth 2",
    )
    def viz(
        output: Annotated[
            Path, typer.Option("-o", "--output", help="The HTML file to write.")
        ] = Path("graph.html"),
        focus: Annotated[
            str | None, typer.Option(help="Concept to focus on: id, label or synonym.")
        ] = None,
        depth: Annotated[int | None, typer.Option(help="Hops around the focus (0–6).")] = None,
        types: List = None,
        relations: List = None,
        stages: List = None,
        expand: List = None,
        path: Annotated[
            str | None, typer.Option(help="Highlight the chains between two concepts: A,B.")
        ] = None,
        max_nodes: Annotated[
            int | None, typer.Option(help="Node cap of a focused view (SCALEKG_GRAPH_MAX_NODES).")
        ] = None,
        base_url: Annotated[
            str,
            typer.Option(
                help="Server the page links to (Linked Data pages, answers, SPARQL, GraphML). "
                "Without it those links are relative and dead in a standalone file."
            ),
        ] = "",
        build_dir: BuildDir = None,
    ) -> None:
        """Write the graph page (the same as /graph) as a standalone offline HTML file."""
        from scalekg.graph.settings import get_settings
        from scalekg.viz.page import render_page
        from scalekg.viz.select import ViewError, parse_view, select

        kg = load_kg(build_dir)
        params = {
            "focus": focus,
            "depth": None if depth is None else str(depth),
            "types": types,
            "relations": relations,
            "stages": stages,
            "expand": expand,
            "path": path,
        }
        try:
            view = parse_view(kg, params)
        except ViewError as exc:
            err.print(f"[red]{exc.param}:[/red] {exc.message}", highlight=False)
            if exc.suggestions:
                err.print(
                    "Did you mean: " + "; ".join(s["label"] for s in exc.suggestions),
                    highlight=False,
                )
            if exc.allowed:
                err.print("Allowed: " + ", ".join(exc.allowed), highlight=False)
            raise typer.Exit(2) from exc
        cap = max_nodes or get_settings(build_dir=build_dir).graph_max_nodes
        html = render_page(kg, view, max_nodes=cap, standalone=True, base_url=base_url)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
        shown = select(kg, view, max_nodes=cap)
        console.print(
            f"wrote {output} ({len(html) // 1024} KiB): {len(shown.nodes)} of {len(kg.concepts)} "
            f"nodes, {len(shown.edges)} edges" + (" (capped)" if shown.truncated else ""),
            highlight=False,
        )
