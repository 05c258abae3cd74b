"""Where the time of an uncached ``/sparql`` request goes: ``python -m bench.profile_sparql``.

Two views of the request that ``bench/run_http.py`` measures as "label query, uncached" (the same
query with a nonce comment per request, so no answer cache helps):

- **in process** (``--in-process``, the default): the ASGI app called without a socket, CPU time
  of the web process per request for ``/health``, ``/api/ask``, a cached and an uncached
  ``/sparql`` (``time.process_time``: other load on the machine barely moves it); cProfile's top
  functions of the uncached request; and the query worker's share, split into the engine's
  evaluation, our serialisation and the engine's own serialiser.
- **over HTTP** (``--http``): a real uvicorn server under ``wrk -c32`` with the nonce script, and
  ``py-spy`` sampling the web process (and a query worker, when the kernel lets py-spy into its
  namespaces), summarised by component. ``--remote`` does the same for ScaleKG over a Virtuoso
  loaded with the snapshot (``bench/peers.py``).

py-spy comes from PyPI (the ``bench`` extra); it is installed into the venv when missing unless
``--no-install``. Loopback only, bounded: every run has a fixed duration and every process it
starts is stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.run_http import ASK_QUERY, LABEL_SELECT, MITIGATES_SELECT, NONCE_LUA, Server, loadavg

# Components of a sampled stack, by the first matching pattern on any of its frames (deepest
# frame first). The order matters: the most specific first.
COMPONENTS = (
    ("guard (lexer, parser)", r"graph/sparql/guard\.py"),
    ("negotiation", r"graph/sparql/formats\.py:\d+\).*negotiate|negotiate \("),
    (
        "remote query transport (http.client pool)",
        r"graph/backends/(query_pool|remote)\.py|http/client\.py",
    ),
    ("remote executor (JSON check, rewrite)", r"graph/backends/remote_executor\.py"),
    (
        "SPARQL executor: IPC to the worker (socket send/recv, pickle)",
        r"graph/sparql/(executor|pool|wire)",
    ),
    ("SPARQL executor: admission, cache", r"graph/sparql/(admission|result_cache)"),
    ("/sparql handler: protocol parameters", r"api/routers/sparql\.py|urllib/parse\.py"),
    ("uvicorn response: headers and the write syscall", r"RequestResponseCycle\.send "),
    ("uvicorn request parsing (httptools / h11)", r"uvicorn/protocols|h11/"),
    ("FastAPI / Starlette (middleware, routing)", r"(^|[(/])(fastapi|starlette)/"),
    ("thread hand-off (anyio, threads)", r"anyio/|threading\.py|concurrent/futures"),
    ("idle: waiting in the event loop", r"Runner\.run |select\.py|selectors\.py"),
    ("event loop", r"asyncio/|uvloop"),
    ("worker: waiting for a request", r"Reader\._fill "),
    ("worker: evaluation (engine, rows)", r"Evaluator\.query\.<locals>\.<listcomp>"),
    ("worker: serialisation (JSON, XML, CSV)", r"graph/sparql/formats\.py|json/"),
    ("worker: reply (pickle, send)", r"send_message "),
    ("worker: other", r"graph/sparql/worker\.py"),
)


def _install_py_spy(install: bool) -> str | None:
    here = Path(sys.executable).with_name("py-spy")
    if here.exists():
        return str(here)
    if shutil.which("py-spy"):
        return shutil.which("py-spy")
    if not install:
        return None
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=False)
    return str(here) if here.exists() else None


# --------------------------------------------------------------------------- in process


def in_process(requests: int) -> str:
    from scalekg.api.app import create_app
    from scalekg.graph.settings import get_settings

    app = create_app(get_settings(query_workers=2))
    json_results = (b"accept", b"application/sparql-results+json")
    label_qs = urlencode({"query": LABEL_SELECT}, quote_via=quote)

    def scope(path: str, qs: str, headers: list) -> dict:
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": qs.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    cases = {
        "/health": lambda i: scope("/health", "", []),
        "/api/ask (cached)": lambda i: scope("/api/ask", urlencode({"q": ASK_QUERY}), []),
        "/sparql cached": lambda i: scope(
            "/sparql", urlencode({"query": MITIGATES_SELECT}, quote_via=quote), [json_results]
        ),
        "/sparql uncached (nonce)": lambda i: scope(
            "/sparql", label_qs + f"%0A%23%20nonce%20{i}", [json_results]
        ),
    }
    statuses: set[int] = set()

    class Receive:
        """The request's (empty) body, then nothing until the connection closes: /sparql
        watches receive() for a client that hangs up."""

        def __init__(self) -> None:
            self.sent = False

        async def __call__(self):
            if not self.sent:
                self.sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    out = io.StringIO()

    async def run() -> None:
        async with app.router.lifespan_context(app):
            out.write("| request | web process CPU (µs) | wall, one at a time (µs) |\n")
            out.write("|---|---:|---:|\n")
            n = 0
            for name, make in cases.items():
                for _ in range(100):
                    n += 1
                    await app(make(n), Receive(), send)
                best, wall = float("inf"), 0.0
                for _ in range(3):
                    t, w = time.process_time(), time.perf_counter()
                    for _ in range(requests):
                        n += 1
                        await app(make(n), Receive(), send)
                    best = min(best, (time.process_time() - t) / requests * 1e6)
                    wall = (time.perf_counter() - w) / requests * 1e6
                out.write(f"| {name} | {best:.0f} | {wall:.0f} |\n")
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(requests):
                n += 1
                await app(cases["/sparql uncached (nonce)"](n), Receive(), send)
            profile.disable()
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(18)
            out.write("\ncProfile of the uncached request in the web process (tottime):\n\n```\n")
            out.write(_trim_pstats(text.getvalue()))
            out.write("```\n")

    asyncio.run(run())
    if statuses != {200}:
        out.write(f"\n**unexpected statuses: {sorted(statuses)}**\n")
    out.write("\n" + worker_costs(requests))
    return out.getvalue()


def _trim_pstats(text: str) -> str:
    keep, started = [], False
    for line in text.splitlines():
        if line.strip().startswith("ncalls"):
            started = True
        if started and line.strip():
            keep.append(re.sub(r"/\S*/(site-packages|lib/python3\.\d+|perf)/", "", line))
    return "\n".join(keep) + "\n"


def worker_costs(requests: int) -> str:
    """The query worker's CPU per request, split (it runs the same code as worker.py)."""
    import pickle

    import pyoxigraph as ox

    from scalekg.graph.build import ensure_built
    from scalekg.graph.namespaces import PREFIXES
    from scalekg.graph.settings import get_settings
    from scalekg.graph.sparql.formats import SPARQL_JSON, select_json
    from scalekg.graph.sparql.worker import Evaluator

    snapshot = ensure_built(get_settings().build_dir)
    store = ox.Store()
    store.bulk_load(path=str(snapshot.path), format=ox.RdfFormat.N_QUADS)
    evaluator = Evaluator(store, dict(PREFIXES))

    def cost(fn) -> float:
        for i in range(50):
            fn(i)
        best = float("inf")
        for r in range(3):
            t = time.process_time()
            for i in range(requests):
                fn(r * requests + i)
            best = min(best, (time.process_time() - t) / requests * 1e6)
        return best

    def text(i: int) -> str:
        return LABEL_SELECT + f"\n# nonce {i}"

    union = {"use_default_graph_as_union": True}
    parse = cost(lambda i: store.query(text(i), **union))
    evaluate = cost(lambda i: list(store.query(text(i), **union)))
    native = cost(
        lambda i: store.query(text(i), **union).serialize(format=ox.QueryResultsFormat.JSON)
    )

    def rows_then_ours(i: int) -> bytes:
        result = store.query(text(i), **union)
        variables = [v.value for v in result.variables]
        rows = [tuple(sol[j] for j in range(len(variables))) for sol in result]
        return select_json(variables, rows)

    ours = cost(rows_then_ours)
    worker = cost(
        lambda i: evaluator.query(text(i), None, None, True, None, None, SPARQL_JSON, 10000)
    )
    reply = evaluator.query(text(0), None, None, True, None, None, SPARQL_JSON, 10000)
    pickled = cost(lambda i: pickle.loads(pickle.dumps(reply, protocol=5)))
    return (
        "The query worker, per request (CPU µs, in process, same store and query):\n\n"
        "| step | µs |\n|---|---:|\n"
        f"| parse the query (pyoxigraph) | {parse:.0f} |\n"
        f"| parse + evaluate, rows as Python terms | {evaluate:.0f} |\n"
        f"| parse + evaluate + the engine's own JSON serialiser | {native:.0f} |\n"
        f"| parse + evaluate, rows, our JSON serialiser (the worker before) | {ours:.0f} |\n"
        f"| what the worker does now (Evaluator.query: the engine's JSON) | {worker:.0f} |\n"
        f"| pickle the reply both ways | {pickled:.1f} |\n"
    )


# --------------------------------------------------------------------------- over HTTP


def over_http(args, py_spy: str) -> str:
    from bench import peers
    from scalekg.graph.build import ensure_built
    from scalekg.graph.settings import get_settings

    settings = get_settings()
    snapshot = ensure_built(settings.build_dir)
    tmp = Path(tempfile.mkdtemp(prefix="scalekg-profile-"))
    env = {"SCALEKG_BUILD_DIR": str(Path(settings.build_dir).resolve())}
    virtuoso = None
    server = None
    try:
        if args.remote:
            virtuoso = peers.start_virtuoso(tmp / "virtuoso", http_threads=4)
            peers.load_into_virtuoso(virtuoso, snapshot.path, snapshot.hash)
            env.update(virtuoso.env(), SCALEKG_STORE=virtuoso.store_spec())
        server = Server("scalekg", "scalekg.api.app:create_app_from_env", env=env, factory=True)
        server.wait("/health")
        (tmp / "nonce.lua").write_text(NONCE_LUA, encoding="utf-8")
        url = server.base + "/sparql?" + urlencode({"query": LABEL_SELECT}, quote_via=quote)
        targets = {"web process": server.proc.pid}
        workers = [p for p in peers.process_tree(server.proc.pid) if p != server.proc.pid]
        if workers:
            targets["query worker"] = workers[0]
        before = loadavg()
        wrk_cmd = ["wrk", "-t2", "-c32", f"-d{args.duration + 3}s", "--latency"]
        wrk_cmd += ["-s", str(tmp / "nonce.lua"), "-H", "Accept: application/sparql-results+json"]
        wrk = subprocess.Popen(
            [*wrk_cmd, url],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)
        spies = {}
        for name, pid in targets.items():
            out = Path(os.environ.get("PROFILE_KEEP", tmp)) / f"{name.replace(' ', '-')}.txt"
            cmd = [py_spy, "record", "--pid", str(pid), "-d", str(args.duration), "-r", "200"]
            cmd += ["--format", "raw", "-o", str(out), "--nonblocking"]
            spies[name] = (
                subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
                out,
            )
        report = []
        for name, (proc, out) in spies.items():
            log = proc.communicate(timeout=args.duration + 60)[0].decode(errors="replace")
            if not out.exists():
                report.append(f"{name}: py-spy could not sample it ({log.strip()[-200:]}).\n")
                continue
            report.append(summarise(name, out.read_text(encoding="utf-8")))
        wrk_out = wrk.communicate(timeout=args.duration + 60)[0]
        rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk_out)
        head = (
            f"{'ScaleKG over Virtuoso' if args.remote else 'ScaleKG (memory store)'}, "
            f"uncached label query, wrk -t2 -c32, {rps.group(1) if rps else '?'} req/s while "
            f"sampled; load average {before} → {loadavg()}.\n\n"
        )
        return head + "\n".join(report)
    finally:
        if server is not None:
            server.stop()
        if virtuoso is not None:
            virtuoso.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def summarise(name: str, raw: str, top: int = 12) -> str:
    """py-spy raw (collapsed) stacks: the share of samples per component and the top frames."""
    by_component: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    patterns = [(label, re.compile(rx)) for label, rx in COMPONENTS]
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        label = "other (interpreter start-up frames, idle)"
        for frame in reversed(frames):
            hit = next((lab for lab, rx in patterns if rx.search(frame)), None)
            if hit is not None:
                label = hit
                break
        by_component[label] += n
        leaf = re.sub(r"\((\S*/)?([^/]+\.py):\d+\)", r"(\2)", frames[-1])
        leaves[leaf] += n
    if not total:
        return f"{name}: no samples.\n"
    lines = [f"**{name}** ({total} samples), by component (deepest matching frame):", ""]
    lines += ["| component | share |", "|---|---:|"]
    lines += [f"| {k} | {v / total:.0%} |" for k, v in by_component.most_common()]
    lines += ["", f"Top {top} frames by own time:", "", "| frame | share |", "|---|---:|"]
    lines += [f"| `{k}` | {v / total:.1%} |" for k, v in leaves.most_common(top)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--http", action="store_true", help="profile a real server with py-spy")
    parser.add_argument("--remote", action="store_true", help="over HTTP, ScaleKG over Virtuoso")
    parser.add_argument("--requests", type=int, default=1000, help="in process: per measurement")
    parser.add_argument("--duration", type=int, default=8, help="over HTTP: seconds sampled")
    parser.add_argument("--no-install", action="store_true", help="never pip install py-spy")
    args = parser.parse_args(argv)
    print(f"load average before: {loadavg()}", flush=True)
    if args.http or args.remote:
        py_spy = _install_py_spy(not args.no_install)
        if py_spy is None:
            print("py-spy is not installed (--no-install)")
            return 1
        if os.geteuid() != 0:
            print("note: py-spy may need root (ptrace) to attach", flush=True)
        print(over_http(args, py_spy))
    else:
        print(in_process(args.requests))
    print(f"load average after: {loadavg()}")
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
