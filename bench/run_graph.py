"""View-scale benchmark of the graph page, in headless Chromium (software rendering).

    python -m bench.run_graph [--runs 5] [--nodes 5000] [--json build/bench-graph.json]

1. The shipped graph through a real ``scalekg serve``: time from navigation to the first drawn
   frame and to interactive (the frame after it), then a focus change and a filter change.
   Target: interactive within 1.5 s.
2. A synthetic graph (default 5,000 nodes) written with viz.page and served by a plain
   http.server on 127.0.0.1: page generation, first paint, one full redraw, frame intervals while
   dragging and zooming, and a capped focused view. Target: first paint under 5 s, pan/zoom
   responsive.

Every request that is not to 127.0.0.1 is aborted and counted; the run fails if there is one.
"""

import argparse
import functools
import http.server
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.chromium import CHROMIUM, FLAGS

ROOT = Path(__file__).resolve().parents[1]

VIEWPORT = {"width": 1500, "height": 950}
READY = "window.scalekg && window.scalekg.ready"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(build_dir: Path | None = None, env: dict[str, str] | None = None):
    """A real ``scalekg serve`` on 127.0.0.1; yields its base URL."""
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    if build_dir:
        full_env["SCALEKG_BUILD_DIR"] = str(build_dir)
    cmd = [sys.executable, "-m", "scalekg.api.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=full_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited early")
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_dir(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def new_page(b):
    """A fresh context and page that aborts and counts outside requests."""
    context = b.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.outside = []
    page.errors = []

    def route(r) -> None:
        if r.request.url.startswith("http://127.0.0.1"):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def load(page, url: str, timeout_ms: int = 60_000) -> dict:
    page.goto(url)
    page.wait_for_function(READY, timeout=timeout_ms)
    return page.evaluate(
        "({firstPaint: scalekg.firstPaintMs, ready: scalekg.readyMs, nodes: scalekg.nodes.length,"
        " edges: scalekg.edges.length})"
    )


def timed_action(page, script: str) -> float:
    """Run a state change and wait for the next drawn frame; milliseconds."""
    return page.evaluate(
        """async (script) => {
          const t0 = performance.now();
          const drawn = new Promise((ok) => scalekg.network.once('afterDrawing', ok));
          (new Function(script))();
          await drawn;
          return performance.now() - t0;
        }""",
        script,
    )


def frames_while(page, action) -> dict:
    page.evaluate(
        "window.__frames = []; window.__onFrame = () => window.__frames.push(performance.now());"
        " scalekg.network.on('afterDrawing', window.__onFrame)"
    )
    t0 = time.perf_counter()
    action()
    page.wait_for_timeout(200)
    wall = (time.perf_counter() - t0) * 1000
    frames = page.evaluate("window.__frames")
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    page.evaluate("scalekg.network.off('afterDrawing', window.__onFrame)")
    return {
        "frames": len(frames),
        "median_frame_gap_ms": round(statistics.median(gaps), 1) if gaps else None,
        "max_frame_gap_ms": round(max(gaps), 1) if gaps else None,
        "wall_ms": round(wall),
    }


def drag(page) -> None:
    box = page.locator("#graph").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 31):
        page.mouse.move(x + 8 * i, y + 4 * i)
    page.mouse.up()


def wheel(page) -> None:
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(10):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(30)


def bench_shipped(b, url: str, runs: int) -> dict:
    loads, focus, filters = [], [], []
    outside, errors = 0, []
    for _ in range(runs):
        page = new_page(b)
        loads.append(load(page, url + "/graph"))
        focus.append(timed_action(page, "scalekg.focus('premature-scaling')"))
        filters.append(
            timed_action(
                page,
                "document.querySelector('#type-filter input[value=Practice]').click()",
            )
        )
        outside += len(page.outside)
        errors += page.errors
        page.context.close()
    ready = [x["ready"] for x in loads]
    return {
        "nodes": loads[0]["nodes"],
        "edges": loads[0]["edges"],
        "runs": runs,
        "first_paint_ms_median": round(statistics.median(x["firstPaint"] for x in loads)),
        "interactive_ms_median": round(statistics.median(ready)),
        "interactive_ms_max": round(max(ready)),
        "focus_change_ms_median": round(statistics.median(focus)),
        "filter_change_ms_median": round(statistics.median(filters)),
        "outside_requests": outside,
        "console_errors": errors,
        "target": "interactive < 1500 ms",
        "ok": max(ready) < 1500 and outside == 0 and not errors,
    }


def bench_synthetic(b, n: int, runs: int) -> dict:
    from bench.synthetic_graph import synthetic_graph
    from scalekg.viz.page import render_page
    from scalekg.viz.select import ViewParams

    kg = synthetic_graph(n)
    t0 = time.perf_counter()
    html = render_page(kg, standalone=True)
    generate_ms = (time.perf_counter() - t0) * 1000
    hub = max(kg.concepts, key=lambda i: len(kg.edges_from(i)) + len(kg.edges_to(i)))
    focused = render_page(kg, ViewParams(focus=hub, depth=6), standalone=True, max_nodes=600)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "big.html").write_text(html, encoding="utf-8")
        (Path(tmp) / "focused.html").write_text(focused, encoding="utf-8")
        with serve_dir(Path(tmp)) as base:
            loads, redraws = [], []
            outside, errors = 0, []
            for _ in range(runs):
                page = new_page(b)
                loads.append(load(page, base + "/big.html"))
                redraws.append(
                    page.evaluate(
                        "(() => { const t = performance.now(); scalekg.network.redraw();"
                        " return performance.now() - t; })()"
                    )
                )
                outside += len(page.outside)
                errors += page.errors
                page.context.close()
            page = new_page(b)
            load(page, base + "/big.html")
            dragging = frames_while(page, lambda: drag(page))
            zooming = frames_while(page, lambda: wheel(page))
            page.context.close()
            page = new_page(b)
            capped = load(page, base + "/focused.html")
            capped_truncated = page.evaluate("scalekg.truncated")
            page.context.close()
    first_paint = [x["firstPaint"] for x in loads]
    return {
        "nodes": loads[0]["nodes"],
        "edges": loads[0]["edges"],
        "page_kib": len(html.encode()) // 1024,
        "generate_ms": round(generate_ms),
        "runs": runs,
        "first_paint_ms_median": round(statistics.median(first_paint)),
        "first_paint_ms_max": round(max(first_paint)),
        "interactive_ms_median": round(statistics.median(x["ready"] for x in loads)),
        "full_redraw_ms_median": round(statistics.median(redraws)),
        "drag": dragging,
        "zoom": zooming,
        "focused_view": {
            "nodes": capped["nodes"],
            "truncated": capped_truncated,
            "interactive_ms": round(capped["ready"]),
        },
        "outside_requests": outside,
        "console_errors": errors,
        "target": "first paint < 5000 ms, pan/zoom frames < 200 ms",
        "ok": max(first_paint) < 5000
        and (dragging["median_frame_gap_ms"] or 1e9) < 200
        and (zooming["median_frame_gap_ms"] or 1e9) < 200
        and outside == 0
        and not errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    results = {}
    with browser() as b:
        with serve(args.build_dir) as url:
            results["shipped"] = bench_shipped(b, url, args.runs)
        results["synthetic"] = bench_synthetic(b, args.nodes, max(1, args.runs // 2))
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    ok = all(r["ok"] for r in results.values())
    print("OK" if ok else "TARGET MISSED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
