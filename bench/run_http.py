"""HTTP throughput of ScaleKG against its own stack's ceiling and against the servers people
would pick instead (issue 15).

Run by ``make bench``. Everything runs on 127.0.0.1 and is measured side by side in one run:

- **ceiling**: a bare FastAPI app returning constant JSON (the best this stack can do);
- **/api/ask**, **/api/concepts/premature-scaling/mitigated-by** (plain and gzip) on ``scalekg``;
- **/sparql, cached**: a "what mitigates X" SELECT, repeated (the answer cache answers);
- **/sparql, uncached**: a label FILTER over ``skos:prefLabel|rdfs:label`` with a nonce comment
  per request (a wrk Lua script), so every request is guarded, evaluated and serialised;
- the same label query on **the native Oxigraph server** (``oxigraph serve-read-only``, PyPI
  ``oxigraph``), on **Virtuoso** (Debian ``virtuoso-opensource``) directly, on **ScaleKG over
  Virtuoso** (``--store sparql:…``) and on **rdflib-endpoint**. ``bench/peers.py`` installs and
  starts the peers (pip into the venv, apt-get as root; ``--no-install`` to skip) and loads
  them with the same snapshot; a peer that cannot run is reported as not measured.

Each Python server is its own uvicorn process with one worker and no access log. The load
generator is ``wrk -t2`` (bounded ``-d``, loopback only); without it, a bounded httpx loader
takes its place. Rows are measured in interleaved rounds (the order rotates each round), the
median round is reported, and each ratio is the median of per-round ratios, because the machine
may be shared; the load average is printed before and after each measurement. The result is
printed and written to ``docs/benchmarks.md`` (section "HTTP throughput"; the rest is kept).

    python -m bench.run_http --only sparql-uncached,oxigraph --rounds 5 --no-write
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

from bench.peers import process_tree, tree_cpu_s
from bench.processes import stop_process

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
# The uncached query (issue 15): a label FILTER over skos:prefLabel|rdfs:label, sent with a nonce
# comment per request (NONCE_LUA) so that no cache answers.
LABEL_SELECT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label WHERE {
  ?c skos:prefLabel|rdfs:label ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), "scal"))
}"""
SHIPPED = (
    "https://w3id.org/scalekg/graph/ontology",
    "https://w3id.org/scalekg/graph/data",
    "https://w3id.org/scalekg/graph/inferred",
)

CEILING_APP = """
import json

from fastapi import FastAPI, Response

app = FastAPI()
BIG = json.dumps({"answers": ["x" * 200] * 100}).encode()  # about 21 kB, as /api/ask's answer


@app.get("/")
async def constant():
    return {"status": "ok", "service": "ceiling", "answer": 42}


@app.get("/big")
async def big():
    return Response(BIG, media_type="application/json")
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
    # CPU of the serving processes: {label: root pid}; per round, {label: µs per request}
    servers: dict[str, int] = field(default_factory=dict)
    cpu_us: list[dict[str, float]] = field(default_factory=list)

    @property
    def cpu_total(self) -> float | None:
        """Median over the rounds of the serving processes' CPU µs per request (all labels)."""
        return statistics.median(sum(r.values()) for r in self.cpu_us) if self.cpu_us else None

    def cpu_text(self) -> str:
        if not self.cpu_us:
            return ""
        labels = list(self.cpu_us[0])
        each = {k: statistics.median(r[k] for r in self.cpu_us) for k in labels}
        if len(each) == 1:
            return f"{next(iter(each.values())):,.0f}"
        return " + ".join(f"{v:,.0f} ({k})" for k, v in each.items())

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
        stop_process(self.proc)
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


# ---------------------------------------------------------------------------------------------
# Load generators

WRK_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    url: str, headers: dict[str, str], connections: int, duration: int, script: str | None = None
) -> tuple:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=duration + 30)
    out = done.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if done.returncode != 0 or found is None:
        # A server that died or refuses connections: record a failed measurement (0 req/s,
        # one error per connection) and say why, rather than abandoning every other row.
        why = (done.stderr or out).strip().splitlines()[-1:] or ["no output"]
        print(f"  wrk failed against {url[:60]} (exit {done.returncode}): {why[0]}", flush=True)
        return 0.0, 0.0, 0.0, connections
    rps = float(found.group(1))
    lat = {m.group(1): _ms(m.group(2), m.group(3)) for m in WRK_LATENCY.finditer(out)}
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return rps, lat.get("50", 0.0), lat.get("99", 0.0), errors


def run_httpx(
    url: str, headers: dict[str, str], connections: int, duration: int, script: str | None = None
) -> tuple:
    """A bounded fallback when wrk is missing: ``connections`` keep-alive clients, ``duration`` s.
    With ``script`` (the nonce script of wrk), every request gets its own nonce comment."""
    counter = iter(range(1 << 62))

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
                        r = await client.get(nonce_url(url, next(counter)) if script else url)
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


def check(client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[str, int]:
    """('', rows) when the URL answers 200 with a non-empty answer, else (why not, 0)."""
    try:
        r = client.get(url, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        return f"request failed: {exc}", 0
    if r.status_code != 200:
        return f"HTTP {r.status_code}: {r.text[:200]}", 0
    rows: list | dict = [1]
    if "json" in r.headers.get("content-type", ""):
        body = r.json()
        rows = body.get("answers", body.get("results", {}))
        if isinstance(rows, dict):
            rows = rows.get("bindings", [1])
        if not rows:
            return "empty answer", 0
    return "", len(rows)


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


# ---------------------------------------------------------------------------------------------
# Peers and the uncached query

# wrk: every request gets a comment with a fresh nonce after the query, so no cache answers
# (ScaleKG's answer cache is keyed by the query text; the peers have none, or the same kind).
NONCE_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "%0A%23%20nonce%20" .. tid .. "-" .. counter)
end
"""


def nonce_url(url: str, n: int = 0) -> str:
    """The URL of one request as the nonce script sends it (for the checks)."""
    return f"{url}%0A%23%20nonce%20check-{n}"


def start_peers(args, tmp: Path, snapshot, notes: list[str]) -> dict:
    """The native Oxigraph server and Virtuoso, loaded with the snapshot (as many as possible)."""
    from bench import peers

    found: dict = {}
    if not args.skip_oxigraph:
        why = peers.ensure_oxigraph_cli(not args.no_install)
        if why:
            notes.append(f"native Oxigraph server: not measured ({why}).")
        else:
            try:
                server = peers.OxigraphServer(tmp / "oxigraph", snapshot.path)
                found["oxigraph"] = server
                server.wait()
                notes.append(
                    f"The native Oxigraph server is `oxigraph serve-read-only "
                    f"--union-default-graph` {peers.oxigraph_version()} (PyPI `oxigraph`, the "
                    "version of the pyoxigraph ScaleKG embeds), over an on-disk store loaded with "
                    "`oxigraph load` from the same snapshot."
                )
            except RuntimeError as exc:
                notes.append(f"native Oxigraph server: not measured ({exc}).")
                print(f"oxigraph: {exc}", flush=True)
    if not args.skip_virtuoso:
        why = peers.ensure_virtuoso(not args.no_install)
        if why:
            notes.append(f"Virtuoso: not measured ({why}).")
        else:
            try:
                server = peers.start_virtuoso(
                    tmp / "virtuoso", max_query_s=30, http_threads=args.virtuoso_threads
                )
                found["virtuoso"] = server
                quads = peers.load_into_virtuoso(server, snapshot.path, snapshot.hash)
                notes.append(
                    f"Virtuoso {peers.virtuoso_version(server.binary)} (Debian "
                    "`virtuoso-opensource`, `tests/stores/virtuoso_server.py`'s configuration "
                    f"with {args.virtuoso_threads} HTTP threads, its best of 4, 10 and 32 here) holds the snapshot's shipped graphs ({quads} quads, "
                    "loaded as `scalekg load` does); queried directly with those graphs as "
                    "`default-graph-uri` (the same dataset as ScaleKG's union default graph)."
                )
            except RuntimeError as exc:
                notes.append(f"Virtuoso: not measured ({exc}).")
                print(f"virtuoso: {exc}", flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median kept)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-install", action="store_true", help="never install anything")
    parser.add_argument("--skip-rdflib", action="store_true", help="leave rdflib-endpoint out")
    parser.add_argument("--skip-oxigraph", action="store_true", help="leave Oxigraph out")
    parser.add_argument("--skip-virtuoso", action="store_true", help="leave Virtuoso out")
    parser.add_argument(
        "--virtuoso-threads",
        type=int,
        default=4,
        help="Virtuoso's HTTP ServerThreads (4 was its best of 4, 10 and 32 on 2 CPUs)",
    )
    parser.add_argument("--only", default="", help="comma-separated row keys to measure")
    parser.add_argument("--loader", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--output", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--no-cpu", action="store_true", help="skip the in-process CPU costs")
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
        "The ScaleKG servers are `scalekg.api.app:create_app_from_env` as `scalekg serve` runs "
        "it (CORS middleware, every router, 2 SPARQL query workers); the ceiling is a one-route "
        "FastAPI app. Every Python server runs under the same uvicorn, 1 worker, no access log.",
        "wrk's connections all come from 127.0.0.1, which /sparql's per-client limits count as "
        "one client (4 queries in flight by default, then 429): the ScaleKG servers run with "
        f"`SCALEKG_SPARQL_CLIENT_LIMIT` and `SCALEKG_SPARQL_SLOW_CLIENT_LIMIT` at {2 * args.connections}.",
        "*Server CPU per request*: user + system CPU of the serving processes during the "
        "measurement (from /proc: uvicorn and its SPARQL query workers; oxigraph; virtuoso-t; for "
        "ScaleKG over Virtuoso, the API process and virtuoso-t), divided by the requests answered. "
        "It includes the kernel's loopback TCP work of those processes, not wrk's.",
        "The label query (uncached rows): `SELECT ?c ?label WHERE { ?c skos:prefLabel|rdfs:label "
        '?label . FILTER(CONTAINS(LCASE(STR(?label)), "scal")) }`, its two prefixes declared.',
        "*Uncached* rows send the label query with a comment holding a fresh nonce per "
        "request (wrk Lua script), so no answer cache can answer: every request is guarded, "
        "evaluated and serialised. The query text is otherwise the same each time.",
    ]
    load_before = loadavg()
    print(f"load average before: {load_before}", flush=True)
    only = {k.strip() for k in args.only.split(",") if k.strip()}

    tmp = Path(tempfile.mkdtemp(prefix="scalekg-bench-"))
    servers: list = []
    peers: dict = {}
    try:
        (tmp / "bench_ceiling.py").write_text(textwrap.dedent(CEILING_APP), encoding="utf-8")
        (tmp / "nonce.lua").write_text(NONCE_LUA, encoding="utf-8")
        ceiling = Server("ceiling", "bench_ceiling:app", app_dir=tmp)
        servers.append(ceiling)
        # wrk's connections all come from 127.0.0.1: one "client" to the per-client limits
        # of /sparql (4 queries in flight by default), which would answer most of them 429.
        limit = str(2 * args.connections)
        env = {
            "SCALEKG_BUILD_DIR": str(Path(settings.build_dir).resolve()),
            "SCALEKG_SPARQL_CLIENT_LIMIT": limit,
            "SCALEKG_SPARQL_SLOW_CLIENT_LIMIT": limit,
        }
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

        peers = start_peers(args, tmp, snapshot, notes)
        remote = None
        if "virtuoso" in peers:
            v = peers["virtuoso"]
            remote = Server(
                "scalekg-virtuoso",
                "scalekg.api.app:create_app_from_env",
                env={**env, **v.env(), "SCALEKG_STORE": v.store_spec()},
                factory=True,
            )
            servers.append(remote)

        ceiling.wait("/")
        scalekg.wait("/health")
        if rdflib_server is not None:
            rdflib_server.wait("/sparql?" + urlencode({"query": "ASK {}"}))
        if remote is not None:
            remote.wait("/health")

        json_results = {"Accept": "application/sparql-results+json"}
        sparql_qs = urlencode({"query": MITIGATES_SELECT}, quote_via=quote)
        label_qs = urlencode({"query": LABEL_SELECT}, quote_via=quote)
        ask_url = scalekg.base + "/api/ask?" + urlencode({"q": ASK_QUERY}, quote_via=quote)
        mitigated_url = scalekg.base + "/api/concepts/premature-scaling/mitigated-by"
        gz = {"Accept-Encoding": "gzip"}
        nonce = str(tmp / "nonce.lua")
        targets: list[tuple[Result, dict[str, str], str | None]] = [
            (
                Result("ceiling", "ceiling (bare FastAPI, constant JSON)", ceiling.base + "/"),
                {},
                None,
            ),
            (
                Result(
                    "ceiling-21k", "ceiling, a constant 21 kB body (bytes)", ceiling.base + "/big"
                ),
                {},
                None,
            ),
            (Result("ask", f"/api/ask?q={ASK_QUERY} (cached)", ask_url), {}, None),
            (
                Result(
                    "mitigated-by", "/api/concepts/premature-scaling/mitigated-by", mitigated_url
                ),
                {},
                None,
            ),
            (Result("ask-gz", "/api/ask, Accept-Encoding: gzip", ask_url), gz, None),
            (
                Result("mitigated-by-gz", "mitigated-by, Accept-Encoding: gzip", mitigated_url),
                gz,
                None,
            ),
            (
                Result(
                    "sparql",
                    "/sparql, what mitigates X (cached answer)",
                    scalekg.base + "/sparql?" + sparql_qs,
                ),
                json_results,
                None,
            ),
            (
                Result(
                    "sparql-uncached",
                    "/sparql, label query, uncached",
                    scalekg.base + "/sparql?" + label_qs,
                ),
                json_results,
                nonce,
            ),
        ]
        if "oxigraph" in peers:
            targets.append(
                (
                    Result(
                        "oxigraph",
                        "native Oxigraph server, label query",
                        peers["oxigraph"].sparql_url + "?" + label_qs,
                    ),
                    json_results,
                    nonce,
                )
            )
        if "virtuoso" in peers:
            # The dataset ScaleKG sends Virtuoso (default and named graphs: the shipped ones),
            # so the two rows differ only by ScaleKG. The query last: the nonce goes after it.
            graphs = urlencode(
                [("default-graph-uri", g) for g in SHIPPED]
                + [("named-graph-uri", g) for g in SHIPPED]
            )
            targets.append(
                (
                    Result(
                        "virtuoso",
                        "Virtuoso directly, label query",
                        peers["virtuoso"].sparql_url + "?" + graphs + "&" + label_qs,
                    ),
                    json_results,
                    nonce,
                )
            )
        if remote is not None:
            targets.append(
                (
                    Result(
                        "remote-uncached",
                        "ScaleKG over Virtuoso: /sparql, label query",
                        remote.base + "/sparql?" + label_qs,
                    ),
                    json_results,
                    nonce,
                )
            )
        if rdflib_server is not None:
            targets.append(
                (
                    Result(
                        "rdflib",
                        "rdflib-endpoint, label query",
                        rdflib_server.base + "/sparql?" + label_qs,
                    ),
                    json_results,
                    nonce,
                )
            )
        if only:
            targets = [t for t in targets if t[0].key in only or t[0].key == "ceiling"]
        owners = {"ceiling": {"": ceiling.proc.pid}, "ceiling-21k": {"": ceiling.proc.pid}}
        if "oxigraph" in peers:
            owners["oxigraph"] = {"": peers["oxigraph"].proc.pid}
        if "virtuoso" in peers:
            owners["virtuoso"] = {"": peers["virtuoso"].pid}
        if remote is not None:
            owners["remote-uncached"] = {"API": remote.proc.pid, "Virtuoso": peers["virtuoso"].pid}
        if rdflib_server is not None:
            owners["rdflib"] = {"": rdflib_server.proc.pid}
        for result, _, _ in targets:
            result.servers = owners.get(result.key, {"": scalekg.proc.pid})

        # Check every target answers (the label query: the same rows everywhere), warm up.
        live = []
        label_rows: dict[str, int] = {}
        with httpx.Client() as client:
            for result, headers, script in targets:
                url = nonce_url(result.url) if script else result.url
                why, rows = check(client, url, headers)
                if why:
                    result.note = why
                    notes.append(f"{result.name}: not measured ({why}).")
                    print(f"skip {result.name}: {why}", flush=True)
                    continue
                if script:
                    label_rows[result.key] = rows
                for i in range(50):
                    client.get(nonce_url(result.url, i) if script else result.url, headers=headers)
                live.append((result, headers, script))
        if len(set(label_rows.values())) > 1:
            notes.append(f"**The label query's row counts differ**: {label_rows}.")
        elif label_rows:
            notes.append(
                f"The label query returns {next(iter(label_rows.values()))} rows on every server "
                "(checked before the rounds)."
            )

        for round_no in range(1, args.rounds + 1):
            # Rotate the order each round: no row is always measured right after the same one.
            shift = (round_no - 1) % max(len(live), 1)
            for result, headers, script in live[shift:] + live[:shift]:
                before = loadavg().split(" / ")[0]
                trees = {k: process_tree(pid) for k, pid in result.servers.items()}
                cpu0 = {k: tree_cpu_s(pids) for k, pids in trees.items()}
                rps, p50, p99, errors = load(
                    result.url, headers, args.connections, args.duration, script
                )
                done = max(rps * args.duration, 1.0)
                result.cpu_us.append(
                    {k: (tree_cpu_s(pids) - cpu0[k]) / done * 1e6 for k, pids in trees.items()}
                )
                result.rps.append(rps)
                result.p50.append(p50)
                result.p99.append(p99)
                result.errors.append(errors)
                print(
                    f"round {round_no}: {result.name:<46} {rps:8.0f} req/s  "
                    f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  errors {errors}  "
                    f"server CPU/req {' + '.join(f'{v:.0f}' for v in result.cpu_us[-1].values())} us  "
                    f"load {before} -> {loadavg().split(' / ')[0]}",
                    flush=True,
                )
    finally:
        for server in servers:
            server.stop()
        for peer in peers.values():
            peer.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    results = [r for r, _, _ in targets]
    load_after = loadavg()
    print(f"load average after: {load_after}", flush=True)
    costs = []
    if not args.no_cpu:
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


TARGETS = (
    # (label, key, reference key, goal)
    ("uncached /sparql ≥ 0.8× the native Oxigraph server", "sparql-uncached", "oxigraph", 0.8),
    ("uncached /sparql ≥ 3× Virtuoso", "sparql-uncached", "virtuoso", 3.0),
    ("cached /sparql ≥ 0.8× the ceiling", "sparql", "ceiling", 0.8),
    ("cached /api/ask ≥ 0.9× the ceiling", "ask", "ceiling", 0.9),
    ("(cached /api/ask against the ceiling with a body of its size)", "ask", "ceiling-21k", 0.9),
    ("ScaleKG over Virtuoso ≥ 0.8× Virtuoso direct", "remote-uncached", "virtuoso", 0.8),
    ("uncached /sparql ≥ 3× rdflib-endpoint", "sparql-uncached", "rdflib", 3.0),
)
PEERS = ("oxigraph", "virtuoso", "rdflib", "ceiling-21k")


def render(results, args, loader, notes, load_before, load_after, snapshot_hash, costs) -> str:
    by_key = {r.key: r for r in results if r.rps}
    base = results[0]
    lines = [
        f"Measured by `make bench` (`python -m bench.run_http`) on {platform.node() or 'this machine'}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{os.cpu_count()} CPUs, shared by every server under test and wrk (the load average "
        f"shows any other work), Python {platform.python_version()}, uvicorn with 1 worker per "
        "Python server, "
        f"load from {loader} with {args.connections} connections, "
        f"{args.rounds} interleaved rounds of {args.duration} s (medians of the rounds; ratios "
        "are medians of per-round ratios), loopback only. "
        f"Snapshot `{snapshot_hash}`. Load average before / after: {load_before} → {load_after}.",
        "",
        "| endpoint | req/s | ratio to ceiling | p50 (ms) | p99 (ms) | errors "
        "| server CPU per request (µs) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if not r.rps:
            lines.append(f"| {r.name} | not measured: {r.note or '?'} | | | | | |")
            continue
        ratio = r.ratio_to(base)
        lines.append(
            f"| {r.name} | {r.req_s:,.0f} | {ratio if ratio is not None else float('nan'):.2f} | "
            f"{r.lat50:.2f} | {r.lat99:.2f} | {sum(r.errors)} | {r.cpu_text()} |"
        )
    lines += [
        "",
        "Targets: ratios of req/s measured in the same rounds (the targets are judged on these); "
        "after each, the same ratio computed from the server CPU per request, which other load on "
        "the machine moves much less (the throughput that ratio would give if both were CPU-bound "
        "on the same cores):",
        "",
    ]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    for label, key, ref, goal in TARGETS:
        a, b = by_key.get(key), by_key.get(ref)
        if a is None or b is None:
            lines.append(f"- {label}: n/a (not measured)")
            continue
        x = a.ratio_to(b)
        per_round = ", ".join(f"{p / q:.2f}" for p, q in zip(a.rps, b.rps, strict=False) if q)
        by_cpu = ""
        if a.cpu_total and b.cpu_total:
            by_cpu = f"; by server CPU per request: {b.cpu_total / a.cpu_total:.2f}×"
        lines.append(f"- {label}: {x:.2f}×, {verdict(x >= goal)} (rounds: {per_round}{by_cpu})")
    measured = [r for r in results[1:] if r.rps and r.key not in PEERS]
    if measured:
        worst = max(r.lat99 for r in measured)
        each = ", ".join(f"{r.key} {r.lat99:.1f}" for r in measured)
        lines.append(
            f"- p99 < 25 ms at {args.connections} connections (ScaleKG rows, ms): {each}; "
            f"{verdict(worst < 25)} (the ceiling's own p99 in the same rounds: {base.lat99:.1f} ms)"
        )
    if costs:
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
