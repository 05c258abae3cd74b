"""Screenshots of the pages for docs/: the /query workbench (completion, chart, graph result),
the site header, and the assessment report (its chains, its PDF's first page), each from a real
server in headless Chromium.

    python -m bench.screenshot_pages docs/img [--build-dir build]

Offline like bench.screenshot: any request not to 127.0.0.1 is aborted and fails the run.
"""

import argparse
import sys
from pathlib import Path

from bench.run_graph import browser, new_page, serve

READY = "() => document.body.getAttribute('data-workbench') === 'ready'"
CONSTRUCT = """PREFIX skg: <https://w3id.org/scalekg/ontology#>
PREFIX kg:  <https://w3id.org/scalekg/id/>
# What mitigates premature scaling and its contributing factors, as a graph
CONSTRUCT { ?m skg:mitigates ?f . ?f skg:causes kg:premature-scaling }
WHERE {
  { ?m skg:mitigates kg:premature-scaling . BIND(kg:premature-scaling AS ?f) }
  UNION { ?f skg:causes kg:premature-scaling . ?m skg:mitigates ?f }
}
"""


def _run(page) -> None:
    page.evaluate("document.getElementById('status').textContent = ''")
    page.click("#run")
    page.wait_for_function(
        "() => { const t = document.getElementById('status').textContent;"
        " return t && t !== 'running…'; }"
    )


def workbench(page, url: str, out: Path) -> list[Path]:
    written = []
    page.set_viewport_size({"width": 1300, "height": 860})
    page.goto(url + "/query")
    page.wait_for_function(READY, timeout=60_000)
    page.evaluate(
        "q => window.scalekgWorkbench.yasqe.setValue(q)",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\nSELECT ?label WHERE {\n  \n}\n",
    )
    page.evaluate(
        "() => { const y = window.scalekgWorkbench.yasqe; y.focus();"
        " y.getDoc().setCursor({line: 3, ch: 2}); }"
    )
    page.keyboard.type("premat", delay=30)
    page.wait_for_selector(".CodeMirror-hints li")
    page.wait_for_timeout(200)
    written.append(out / "query-completion.png")
    page.screenshot(path=str(written[-1]), clip={"x": 0, "y": 0, "width": 1300, "height": 640})
    page.keyboard.press("Escape")

    page.goto(url + "/query?example=03-leverage-count")
    page.wait_for_function(READY)
    _run(page)
    page.click(".yasr .select_chart")
    page.wait_for_selector("svg.bar-chart")
    page.locator("#status").scroll_into_view_if_needed()
    written.append(out / "query-chart.png")
    page.screenshot(path=str(written[-1]), full_page=True)

    page.evaluate("q => window.scalekgWorkbench.yasqe.setValue(q)", CONSTRUCT)
    _run(page)
    page.wait_for_selector(".result-graph-wrap[data-nodes] canvas", timeout=30_000)
    page.wait_for_timeout(500)
    written.append(out / "query-graph.png")
    page.screenshot(path=str(written[-1]), full_page=True)
    return written


def navigation_and_report(page, url: str, out: Path) -> list[Path]:
    """The site header on the home page, and the example report: its chains, and its PDF's
    first page (printed by report_pdf, turned into a PNG by pdftoppm)."""
    import subprocess
    import tempfile

    import httpx

    from bench.report_pdf import html_to_pdf

    written = []
    page.set_viewport_size({"width": 1300, "height": 860})
    page.goto(url + "/")
    written.append(out / "site-header.png")
    page.screenshot(path=str(written[-1]), clip={"x": 0, "y": 0, "width": 1300, "height": 330})
    example = Path(__file__).resolve().parents[1] / "data" / "examples" / "late-stage-scaleup.yaml"
    r = httpx.post(
        url + "/api/assessments",
        content=example.read_bytes(),
        headers={"Content-Type": "application/yaml"},
        timeout=60,
    )
    r.raise_for_status()
    report = f"{url}/assessments/{r.json()['id']}/report.html"
    page.set_viewport_size({"width": 1100, "height": 860})
    page.goto(report)
    written.append(out / "report-chains.png")
    page.locator("#chains").screenshot(path=str(written[-1]))
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        html.write_text(httpx.get(report, timeout=60).text, encoding="utf-8")
        pdf = html_to_pdf(html, Path(tmp) / "report.pdf")
        stem = out / "report-pdf-page"
        subprocess.run(
            [
                "pdftoppm",
                "-f",
                "1",
                "-l",
                "1",
                "-r",
                "70",
                "-png",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
        )
    written.append(stem.with_suffix(".png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, nargs="?", default=Path("docs/img"))
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    with serve(args.build_dir) as url, browser() as b:
        page = new_page(b)
        written = workbench(page, url, args.output)
        written += navigation_and_report(page, url, args.output)
        if page.outside or page.errors:
            print(f"outside requests: {page.outside}; errors: {page.errors}", file=sys.stderr)
            return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
