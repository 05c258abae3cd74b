"""The assessment report as a PDF, printed by headless Chromium from its HTML.

    python -m bench.report_pdf report.html report.pdf

The report's print stylesheet (A4, no site header, steps and chains kept whole) decides the pages.
Chromium runs with ScaleKG's flags (bench/chromium.py), offline: the report embeds its chart as a
data: URI and loads nothing. ``make report-pdf`` writes one for an example assessment.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.chromium import CHROMIUM, FLAGS


class PdfError(RuntimeError):
    """Chromium is missing or did not write the PDF."""


def html_to_pdf(html: Path, pdf: Path, *, timeout: float = 120.0) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium; returns ``pdf``."""
    if not Path(CHROMIUM).exists():
        raise PdfError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scalekg-pdf-") as profile:
        cmd = [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise PdfError(f"Chromium did not print {html}: {done.stderr.strip()[-500:]}")
    return pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="The report's HTML (scalekg assess run --html).")
    parser.add_argument("pdf", type=Path, help="Where to write the PDF.")
    args = parser.parse_args(argv)
    try:
        html_to_pdf(args.html, args.pdf)
    except (PdfError, subprocess.TimeoutExpired) as exc:
        print(f"scalekg: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
