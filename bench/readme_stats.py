"""Rewrite the coverage table in README.md from the built graph (``make readme-stats``)."""

import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    table = subprocess.run(
        [sys.executable, "-m", "scalekg.api.cli", "stats", "--markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    text = README.read_text(encoding="utf-8")
    head, rest = text.split("<!-- coverage:start -->")
    _, tail = rest.split("<!-- coverage:end -->")
    README.write_text(
        f"{head}<!-- coverage:start -->\n{table}\n<!-- coverage:end -->{tail}", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
