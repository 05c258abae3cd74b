"""Rewrite the generated blocks of README.md from the built graph (``make readme-stats``): the
coverage table, and the diagnostic excerpt (the headline of the shipped late-stage example,
exactly as ``scalekg assess run data/examples/late-stage-scaleup.yaml --format md`` opens)."""

import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "late-stage-scaleup.yaml"


def replace_block(text: str, name: str, body: str) -> str:
    head, rest = text.split(f"<!-- {name}:start -->")
    _, tail = rest.split(f"<!-- {name}:end -->")
    return f"{head}<!-- {name}:start -->\n{body}\n<!-- {name}:end -->{tail}"


def diagnostic_excerpt(kg=None) -> str:
    """The headline of the late-stage example's report, as Markdown."""
    from scalekg.graph.assessment import prepare_text
    from scalekg.graph.assessment.export import headline_markdown
    from scalekg.graph.assessment.report import analyse

    if kg is None:
        from scalekg.api.cli_common import load_kg

        kg = load_kg(None)
    report = analyse(kg, prepare_text(kg, EXAMPLE.read_bytes()))
    return headline_markdown(report).strip()


def main() -> None:
    table = subprocess.run(
        [sys.executable, "-m", "scalekg.api.cli", "stats", "--markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    text = README.read_text(encoding="utf-8")
    text = replace_block(text, "coverage", table)
    text = replace_block(text, "diagnostic", diagnostic_excerpt())
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
