"""Take the README screenshot of the graph page from a real server.

    python -m bench.screenshot docs/img/graph.png [--query "focus=…&depth=…"] [--whole]

Without ``--query`` it takes the default view (``/graph``, the overview); ``make screenshot`` also
takes the focused chain view (``CHAIN_QUERY``) and the other pages (``bench.screenshot_pages``).

Starts ``scalekg serve`` on a free port, opens the view in headless Chromium (offline: any request
not to 127.0.0.1 is aborted, and the run fails if one was made), waits until the page is
interactive, and saves a PNG of the window.
"""

import argparse
import sys
from pathlib import Path

from bench.run_graph import browser, new_page, serve

# The default view: /graph as a newcomer first sees it (the readable overview).
DEFAULT_QUERY = ""
# A value → capability → contributing factor → failure factor → outcome chain, highlighted in a
# focused view, with the chain and the failure factor's sources in the panel.
CHAIN_QUERY = (
    "focus=slow-cycle-time&depth=2&path=be-humble,deployment-frequency&selected=slow-cycle-time"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, nargs="?", default=Path("docs/img/graph.png"))
    parser.add_argument("--query", default=DEFAULT_QUERY, help="The view, as in /graph?…")
    parser.add_argument("--whole", action="store_true", help="The whole graph instead.")
    parser.add_argument("--width", type=int, default=1500)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    query = "types=all" if args.whole else args.query
    with serve(args.build_dir) as url, browser() as b:
        page = new_page(b)
        page.set_viewport_size({"width": args.width, "height": args.height})
        page.goto(f"{url}/graph{'?' + query if query else ''}")
        page.wait_for_function("window.scalekg && window.scalekg.ready", timeout=60_000)
        page.wait_for_timeout(300)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.output))
        nodes = page.evaluate("scalekg.nodes.length")
        if page.outside or page.errors:
            print(f"outside requests: {page.outside}; errors: {page.errors}", file=sys.stderr)
            return 1
    print(f"wrote {args.output} ({nodes} nodes shown)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
