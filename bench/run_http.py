"""HTTP throughput of ScaleKG against its own stack's ceiling and against rdflib-endpoint.

Run by ``make bench``. Everything runs on 127.0.0.1, each server in its own uvicorn process with
one worker, measured side by side in one run:

- **ceiling**: a bare FastAPI app returning constant JSON (the best this stack can do);
- **/api/ask** and **/api/concepts/premature-scaling/mitigated-by** on ``scalekg``;
- **/sparql** on ``scalekg`` with a "what mitigates X" SELECT (when the endpoint is installed);
- **rdflib-endpoint** serving the same triples (as Turtle) with the same SELECT. It is installed
  into the venv with pip when missing (``--no-install`` to skip); if that fails, the run says so.

The load generator is ``wrk`` (bounded ``-d``, loopback only); without it, a bounded httpx loader
takes its place. Targets are measured in interleaved rounds and the median round is reported,
because the machine may be shared. The result is printed and written to ``docs/benchmarks.md``
(section "HTTP throughput"; the rest of the file is kept).
"""

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- http-throughput:start -->", "<!-- http-throughput:end -->"

MITIGATES_SELECT = """PREFIX skg: <https://w3id.org/scalekg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kg: <https://w3id.org/scalekg/id/>
SELECT ?mitigator ?label WHERE {
  ?mitigator skg:mitigates kg:accumulation-of-tech-debt ; skos:prefLabel ?label .
} ORDER BY ?label"""
ASK_QUERY = "what mitigates premature scaling"

CEILING_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def constant():
    return {"status": "ok", "service": "ceiling", "answer": 42}
"""

RDFLIB_APP = """
import os

from rdflib import Graph
from rdflib_endpoint import SparqlEndpoint

graph = Graph()
graph.parse(os.environ["BENCH_TURTLE"], format="turtle")
app = SparqlEndpoint(graph=graph, path="/sparql", public_url="http://127.0.0.1/sparql")
"""


@dataclass
class Result:
    key: str
    name: str
    url: str
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)  # ms
    p99: list[float] = field(default_factory=list)  # ms
    errors: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def req_s(self) -> float:
        return statistics.median(self.rps) if self.rps else 0.0

    @property
    def lat50(self) -> float:
        return statistics.median(self.p50) if self.p50 else 0.0

    @property
    def lat99(self) -> float:
        return statistics.median(self.p99) if self.p99 else 0.0

    def ratio_to(self, other: "Result") -> float | None:
        """The median of per-round ratios: each round measures both within seconds."""
        pairs = [a / b for a, b in zip(self.rps, other.rps, strict=False) if b]
        return statistics.median(pairs) if pairs else None


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One uvicorn process, one worker, on 127.0.0.1, stopped by its own pid."""

    def __init__(
        self, name: str, target: str, *, app_dir: Path | None = None, env=None, factory=False
    ):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--workers", "1", "--log-level", "warning"]
        cmd += ["--no-access-log"]
        if factory:
            cmd.append("--factory")
        if app_dir is not None:
            cmd += ["--app-dir", str(app_dir)]
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix=f"bench-{name}-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, path: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited:\n{Path(self.log.name).read_text()[-2000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + path, timeout=2).status_code < 500:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


# ---------------------------------------------------------------------------------------------
# Load generators

WRK_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, headers: dict[str, str], connections: int, duration: int) -> tuple:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, timeout=duration + 30, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {m.group(1): _ms(m.group(2), m.group(3)) for m in WRK_LATENCY.finditer(out)}
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return rps, lat.get("50", 0.0), lat.get("99", 0.0), errors


def run_httpx(url: str, headers: dict[str, str], connections: int, duration: int) -> tuple:
    """A bounded fallback when wrk is missing: ``connections`` keep-alive clients, ``duration`` s."""

    async def main():
        latencies: list[float] = []
        errors = 0
        stop = time.perf_counter() + duration
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=5) as client:

            async def worker():
                nonlocal errors
                while time.perf_counter() < stop:
                    t = time.perf_counter()
                    try:
                        r = await client.get(url)
                        if r.status_code >= 400:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append((time.perf_counter() - t) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(connections)))
            elapsed = time.perf_counter() - started
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
        return len(latencies) / elapsed, pick(0.5), pick(0.99), errors

    return asyncio.run(main())


# ---------------------------------------------------------------------------------------------


def ensure_rdflib_endpoint(install: bool) -> str:
    """'' when importable (installing it if allowed), else the reason it is not."""
    probe = [sys.executable, "-c", "import rdflib_endpoint"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return ""
    if not install:
        return "rdflib-endpoint is not installed (--no-install)"
    print("installing rdflib-endpoint into the venv (for the benchmark only) ...", flush=True)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "rdflib-endpoint"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if pip.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        return "rdflib-endpoint could not be installed: " + (pip.stderr.strip()[-300:] or "?")
    return ""


def export_turtle(snapshot_path: Path, out: Path) -> int:
    """The union of the snapshot's graphs as one Turtle file (what rdflib-endpoint serves)."""
    import pyoxigraph as ox

    from scalekg.graph.namespaces import PREFIXES

    store = ox.Store()
    store.bulk_load(path=str(snapshot_path), format=ox.RdfFormat.N_QUADS)
    triples = {q.triple for q in store}
    out.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
    return len(triples)


def check(client: httpx.Client, url: str, headers: dict[str, str]) -> str:
    """'' when the URL answers 200 with a non-empty answer, else why not."""
    try:
        r = client.get(url, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        return f"request failed: {exc}"
    if r.status_code != 200:
        return f"HTTP {r.status_code}"
    if "json" in r.headers.get("content-type", ""):
        body = r.json()
        rows = body.get("answers", body.get("results", {}))
        if isinstance(rows, dict):
            rows = rows.get("bindings", [1])
        if not rows:
            return "empty answer"
    return ""


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return "?"


def cpu_costs(requests: int = 3000) -> list[tuple[str, float, float]]:
    """CPU time per request of each ASGI app in this process: ``[(name, us, ratio)]``.

    ``time.process_time`` counts only this process's CPU, so other load on the machine barely moves
    it: a noise-resistant check of the server-side cost beside the wall-clock numbers. The apps run
    without a socket, so this leaves out uvicorn's HTTP parsing and the kernel, which are the same
    for every app. /sparql evaluates in worker processes, so it is not comparable here.
    """
    import importlib.util

    from scalekg.api.app import create_app
    from scalekg.graph.settings import get_settings

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_ceiling_inproc.py"
        path.write_text(textwrap.dedent(CEILING_APP), encoding="utf-8")
        spec = importlib.util.spec_from_file_location("bench_ceiling_inproc", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    ceiling_app = module.app
    app = create_app(get_settings(query_workers=1))
    plain = [(b"host", b"127.0.0.1"), (b"accept", b"*/*")]
    gz = [*plain, (b"accept-encoding", b"gzip")]
    cases = [
        ("ceiling", ceiling_app, "/", b"", plain),
        ("ask", app, "/api/ask", urlencode({"q": ASK_QUERY}, quote_via=quote).encode(), plain),
        ("mitigated-by", app, "/api/concepts/premature-scaling/mitigated-by", b"", plain),
        ("ask-gz", app, "/api/ask", urlencode({"q": ASK_QUERY}, quote_via=quote).encode(), gz),
        ("mitigated-by-gz", app, "/api/concepts/premature-scaling/mitigated-by", b"", gz),
    ]

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message):
        return None

    async def measure(asgi, path, query, headers) -> float:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        for _ in range(200):  # warm the caches
            await asgi(dict(scope), receive, send)
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            for _ in range(requests):
                await asgi(dict(scope), receive, send)
            best = min(best, (time.process_time() - t) / requests * 1e6)
        return best

    async def run_all():
        async with app.router.lifespan_context(app):  # as under uvicorn (gc.freeze included)
            return [(name, await measure(a, p, q, h)) for name, a, p, q, h in cases]

    found = asyncio.run(run_all())
    base = found[0][1]
    return [(name, us, base / us) for name, us in found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median kept)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-install", action="store_true", help="never pip install anything")
    parser.add_argument("--skip-rdflib", action="store_true", help="leave rdflib-endpoint out")
    parser.add_argument("--loader", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--output", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    from scalekg.graph.build import ensure_built
    from scalekg.graph.settings import get_settings

    settings = get_settings()
    snapshot = ensure_built(settings.build_dir)
    use_wrk = args.loader == "wrk" or (args.loader == "auto" and shutil.which("wrk"))
    load = run_wrk if use_wrk else run_httpx
    loader = "wrk -t2" if use_wrk else "httpx (wrk not found)"
    notes: list[str] = [
        "wrk sends no Accept-Encoding, so the plain rows are uncompressed (about 21 kB of JSON for "
        "/api/ask and mitigated-by, 50 bytes for the ceiling); the gzip rows send "
        "`Accept-Encoding: gzip` as browsers and httpx do, and get the cached gzip body. "
        "The targets are judged on the plain rows.",
        "The ScaleKG server is `scalekg.api.app:create_app_from_env` as `scalekg serve` runs it "
        "(CORS middleware, every router); the ceiling is a one-route FastAPI app.",
    ]
    load_before = loadavg()

    tmp = Path(tempfile.mkdtemp(prefix="scalekg-bench-"))
    servers: list[Server] = []
    try:
        (tmp / "bench_ceiling.py").write_text(textwrap.dedent(CEILING_APP), encoding="utf-8")
        ceiling = Server("ceiling", "bench_ceiling:app", app_dir=tmp)
        servers.append(ceiling)
        env = {"SCALEKG_BUILD_DIR": str(Path(settings.build_dir).resolve())}
        scalekg = Server("scalekg", "scalekg.api.app:create_app_from_env", env=env, factory=True)
        servers.append(scalekg)

        rdflib_server = None
        if args.skip_rdflib:
            notes.append("rdflib-endpoint left out (--skip-rdflib).")
        else:
            why = ensure_rdflib_endpoint(not args.no_install)
            if why:
                notes.append(why)
                print(why, flush=True)
            else:
                turtle = tmp / "scalekg.ttl"
                n = export_turtle(snapshot.path, turtle)
                (tmp / "bench_rdflib.py").write_text(textwrap.dedent(RDFLIB_APP), encoding="utf-8")
                rdflib_server = Server(
                    "rdflib-endpoint",
                    "bench_rdflib:app",
                    app_dir=tmp,
                    env={"BENCH_TURTLE": str(turtle)},
                )
                servers.append(rdflib_server)
                notes.append(
                    f"rdflib-endpoint serves the snapshot's union graph ({n} triples) as Turtle."
                )

        ceiling.wait("/")
        scalekg.wait("/health")
        if rdflib_server is not None:
            rdflib_server.wait("/sparql?" + urlencode({"query": "ASK {}"}))

        sparql_qs = urlencode({"query": MITIGATES_SELECT}, quote_via=quote)
        json_results = {"Accept": "application/sparql-results+json"}
        ask_url = scalekg.base + "/api/ask?" + urlencode({"q": ASK_QUERY}, quote_via=quote)
        mitigated_url = scalekg.base + "/api/concepts/premature-scaling/mitigated-by"
        gz = {"Accept-Encoding": "gzip"}
        targets: list[tuple[Result, dict[str, str]]] = [
            (Result("ceiling", "ceiling (bare FastAPI, constant JSON)", ceiling.base + "/"), {}),
            (Result("ask", f"/api/ask?q={ASK_QUERY}", ask_url), {}),
            (
                Result(
                    "mitigated-by", "/api/concepts/premature-scaling/mitigated-by", mitigated_url
                ),
                {},
            ),
            (Result("ask-gz", "/api/ask, Accept-Encoding: gzip", ask_url), gz),
            (Result("mitigated-by-gz", "mitigated-by, Accept-Encoding: gzip", mitigated_url), gz),
            (
                Result(
                    "sparql",
                    "/sparql (what mitigates X, SELECT)",
                    scalekg.base + "/sparql?" + sparql_qs,
                ),
                json_results,
            ),
        ]
        if rdflib_server is not None:
            targets.append(
                (
                    Result(
                        "rdflib",
                        "rdflib-endpoint (same SELECT)",
                        rdflib_server.base + "/sparql?" + sparql_qs,
                    ),
                    json_results,
                )
            )

        # Check every target answers, and warm the caches.
        live = []
        with httpx.Client() as client:
            for result, headers in targets:
                why = check(client, result.url, headers)
                if why:
                    result.note = why
                    notes.append(f"{result.name}: not measured ({why}).")
                    print(f"skip {result.name}: {why}", flush=True)
                    continue
                for _ in range(50):
                    client.get(result.url, headers=headers)
                live.append((result, headers))

        for round_no in range(1, args.rounds + 1):
            for result, headers in live:
                rps, p50, p99, errors = load(result.url, headers, args.connections, args.duration)
                result.rps.append(rps)
                result.p50.append(p50)
                result.p99.append(p99)
                result.errors.append(errors)
                print(
                    f"round {round_no}: {result.name:<48} {rps:9.0f} req/s  "
                    f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  errors {errors}",
                    flush=True,
                )
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    results = [r for r, _ in targets]
    load_after = loadavg()
    print("\nin-process CPU cost per request ...", flush=True)
    costs = cpu_costs()
    report = render(results, args, loader, notes, load_before, load_after, snapshot.hash, costs)
    print()
    print(report)
    if not args.no_write:
        write_section(args.output, report)
        print(
            f"\nwritten to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
        )
    return 0


def render(results, args, loader, notes, load_before, load_after, snapshot_hash, costs) -> str:
    by_key = {r.key: r for r in results}
    base = results[0]
    lines = [
        f"Measured by `make bench` (`python -m bench.run_http`) on {platform.node() or 'this machine'}: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, uvicorn with 1 worker per "
        f"server, load from {loader} with {args.connections} connections, "
        f"{args.rounds} interleaved rounds of {args.duration} s (medians of the rounds; ratios are medians of per-round ratios), loopback only. "
        f"Snapshot `{snapshot_hash}`. Load average before / after: {load_before} → {load_after}.",
        "",
        "| endpoint | req/s | ratio to ceiling | p50 (ms) | p99 (ms) | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if not r.rps:
            lines.append(f"| {r.name} | not measured: {r.note or '?'} | | | | |")
            continue
        ratio = r.ratio_to(base)
        lines.append(
            f"| {r.name} | {r.req_s:,.0f} | {ratio if ratio is not None else float('nan'):.2f} | "
            f"{r.lat50:.2f} | {r.lat99:.2f} | {sum(r.errors)} |"
        )
    lines += ["", "Targets:", ""]

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "**missed**")

    ask, mit = by_key.get("ask"), by_key.get("mitigated-by")
    sparql, rdfl = by_key.get("sparql"), by_key.get("rdflib")

    def ratio(r):
        return r.ratio_to(base) if r and r.rps else None

    for label, r, goal in (
        ("/api/ask", ask, 0.8),
        ("mitigated-by", mit, 0.8),
        ("/sparql", sparql, 0.6),
    ):
        value = ratio(r)
        lines.append(
            f"- {label} ≥ {goal} of the ceiling: "
            + (f"{value:.2f}, {verdict(value >= goal)}" if value is not None else "n/a")
        )
    if sparql and sparql.rps and rdfl and rdfl.rps:
        x = sparql.ratio_to(rdfl)
        lines.append(f"- /sparql ≥ 3× rdflib-endpoint: {x:.1f}×, {verdict(x >= 3)}")
    else:
        lines.append("- /sparql ≥ 3× rdflib-endpoint: n/a (one of them was not measured)")
    measured = [r for r in results[1:] if r.rps and r.key != "rdflib"]
    if measured:
        worst = max(r.lat99 for r in measured)
        each = ", ".join(f"{r.key} {r.lat99:.1f}" for r in measured)
        lines.append(
            f"- p99 < 25 ms at {args.connections} connections (ScaleKG endpoints, ms): {each}; "
            f"{verdict(worst < 25)} (the ceiling's own p99 in the same rounds: {base.lat99:.1f} ms)"
        )
    else:
        lines.append(f"- p99 < 25 ms at {args.connections} connections: n/a")
    lines += [
        "",
        "Server-side CPU per request, in process (`time.process_time`, the ASGI app called "
        "without a socket, best of 3 × 3,000 requests; robust to other load on the machine):",
        "",
        "| app | µs CPU / request | ceiling ÷ this |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {us:.1f} | {ratio:.2f} |" for name, us, ratio in costs]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines)


def write_section(path: Path, report: str) -> None:
    section = f"## HTTP throughput\n\n{START}\n{report}\n{END}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        head = head.rsplit("## HTTP throughput", 1)[0] if "## HTTP throughput" in head else head
        tail = tail.lstrip("\n")
        text = f"{head}{section}" + (f"\n{tail}" if tail else "")
        if not text.endswith("\n"):
            text += "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
