"""First-time questions and suggestions per keystroke: the question reader's latency.

Run by ``make bench-questions``. Every question is asked once, so the response cache never
answers it (each is a new URL); the graph's own indexes (built when the graph is loaded) are
warm, as they are on a running server.

- **shipped graph, in process**: ``graph.ask.ask(...).as_dict()`` and the JSON encoding, for at
  least 200 distinct questions in people's words (templates × concepts × typos);
- **shipped graph, over HTTP**: the same questions, ``GET /api/ask`` on a real ``scalekg serve``
  (uvicorn, 1 worker, 127.0.0.1), one keep-alive client, one request at a time;
- **synthetic graphs** of 5,000 and 50,000 concepts (``bench/synthetic.py``): the same, in
  process and over HTTP (``bench.question_server``: the ask and suggest routes over that graph);
- **suggest per keystroke**: ``GET /api/suggest`` for every prefix of labels typed one
  character at a time;
- **app CPU per request** (and per keystroke): the same kind of first-time questions (and the
  keystrokes) through the whole ASGI app in process (no socket), CPU time only: the server-side
  cost, robust to other load on the machine.

Percentiles are printed and written to docs/benchmarks.md (section "Questions"); nothing here is
asserted (the targets are printed next to the figures).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.processes import stop_process

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- questions:start -->", "<!-- questions:end -->"

TEMPLATES = (
    "how do we avoid {x}",
    "what mitigates {x}",
    "what can we do about {x}?",
    "why do we have {x}",
    "root causes of {x}",
    "what does {x} lead to",
    "what does {x} mitigate",
    "which values influence {x}",
    "what supports {x}",
    "what is {x}",
    "tell me about {x}",
    "{x}",
)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 6]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    words[i] = w[:k] + w[k + 1 :]  # drop one letter
    return " ".join(words)


def questions_for(labels: list[str], n: int, seed: int = 7) -> list[str]:
    """``n`` distinct questions: templates × labels, every fourth with a typo."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        label = rng.choice(labels)
        text = rng.choice(TEMPLATES).format(x=label if rng.random() < 0.5 else label.lower())
        if rng.random() < 0.25:
            text = typo(text, rng)
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def keystrokes(labels: list[str], n_labels: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    for label in rng.sample(labels, min(n_labels, len(labels))):
        out += [label[:k] for k in range(1, len(label) + 1)]
    return out


# ---------------------------------------------------------------------------- graphs


def shipped_kg():
    from scalekg.api.cli_common import load_kg

    return load_kg()


def synthetic_data(concepts: int, tmp: Path) -> Path:
    from bench.synthetic import TRIPLES_PER_CONCEPT, generate

    path = tmp / f"synthetic-{concepts}.nq"
    if not path.exists():
        generate(concepts * TRIPLES_PER_CONCEPT, path)
    return path


def kg_from_nquads(path: Path):
    from scalekg.graph.model import KnowledgeGraph
    from scalekg.graph.store import load_memory_store, store_selector

    return KnowledgeGraph.from_store(store_selector(load_memory_store(path)), path.stem)


# ---------------------------------------------------------------------------- measuring


def in_process(kg, questions: list[str]) -> dict:
    from scalekg.api.deps import dumps
    from scalekg.graph.ask import ask
    from scalekg.graph.question import prepare

    started = time.perf_counter()
    prepare(kg)  # built when the graph is loaded, as the server does at startup
    index_ms = (time.perf_counter() - started) * 1000
    samples, cpu, refused = [], [], 0
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        try:
            dumps(ask(kg, q).as_dict())
        except (LookupError, ValueError):
            refused += 1
        cpu.append((time.process_time() - c) * 1000)
        samples.append((time.perf_counter() - t) * 1000)
    return {
        "samples": samples,
        "refused": refused,
        "index_ms": index_ms,
        "cpu_p50": percentile(cpu, 0.5),
        "cpu_p99": percentile(cpu, 0.99),
    }


def through_the_app(app, path: str, texts: list[str]) -> dict:
    """CPU time of each first-time request through the whole ASGI app (routing, validation, the
    response cache's miss, the thread pool, JSON), without a socket: ``time.process_time`` counts
    this process's CPU only, so other load on the machine barely moves it."""
    import asyncio

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message):
        return None

    async def run() -> list[float]:
        cpu = []
        async with app.router.lifespan_context(app):
            for text in texts:
                scope = {
                    "type": "http",
                    "asgi": {"version": "3.0"},
                    "http_version": "1.1",
                    "method": "GET",
                    "scheme": "http",
                    "path": path,
                    "raw_path": path.encode(),
                    "query_string": urlencode({"q": text}).encode(),
                    "root_path": "",
                    "headers": [(b"host", b"127.0.0.1"), (b"accept", b"*/*")],
                    "client": ("127.0.0.1", 50000),
                    "server": ("127.0.0.1", 8000),
                }
                t = time.process_time()
                await app(scope, receive, send)
                cpu.append((time.process_time() - t) * 1000)
        return cpu

    cpu = asyncio.run(run())
    return {"samples": cpu}


def app_for_graph(nquads: Path | None):
    if nquads is None:
        from scalekg.api.app import create_app
        from scalekg.graph.settings import get_settings

        return create_app(get_settings(query_workers=1))
    from bench.question_server import app_for

    return app_for(nquads)


class QuestionServer:
    """``scalekg serve`` for the shipped graph, or bench.question_server for an N-Quads file."""

    def __init__(self, nquads: Path | None, tmp: Path):
        with __import__("socket").socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        if nquads is None:
            cmd = [
                sys.executable,
                "-m",
                "scalekg.api.cli",
                "serve",
                "--port",
                str(self.port),
                "--build-dir",
                str(ROOT / "build"),
            ]
        else:
            cmd = [sys.executable, "-m", "bench.question_server", str(nquads), str(self.port)]
        self.log = (tmp / f"server-{self.port}.log").open("w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/api/suggest?q=a", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        stop_process(self.proc, 15)
        self.log.close()


def over_http(base: str, path: str, texts: list[str], param: str = "q") -> dict:
    samples, statuses = [], {}
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get(f"{path}?{urlencode({param: 'warm up the connection'})}")
        for text in texts:
            url = f"{path}?{urlencode({param: text})}"
            t = time.perf_counter()
            r = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code >= 500:
                raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")
    return {"samples": samples, "statuses": statuses}


def row(name: str, result: dict) -> dict:
    s = result["samples"]
    return {
        "name": name,
        "n": len(s),
        "p50": percentile(s, 0.5),
        "p99": percentile(s, 0.99),
        "mean": statistics.fmean(s),
        "extra": {k: v for k, v in result.items() if k != "samples"},
    }


def loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=240)
    parser.add_argument("--sizes", default="5000,50000", help="synthetic concept counts")
    parser.add_argument("--keystroke-labels", type=int, default=20)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    load_before = loadavg()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-questions-") as tmp_name:
        tmp = Path(tmp_name)
        graphs: list[tuple[str, Path | None]] = [("shipped", None)]
        graphs += [
            (f"{int(n):,} concepts", synthetic_data(int(n), tmp))
            for n in args.sizes.split(",")
            if n.strip()
        ]
        for name, nquads in graphs:
            started = time.perf_counter()
            kg = shipped_kg() if nquads is None else kg_from_nquads(nquads)
            load_s = time.perf_counter() - started
            labels = sorted(c.label for c in kg.concepts.values())
            questions = questions_for(labels, args.questions)
            result = in_process(kg, questions)
            result["graph_load_s"] = round(load_s, 2)
            rows.append(row(f"{name}, in process", result))
            print(_line(rows[-1]), flush=True)
            asgi_questions = questions_for(labels, args.questions, seed=9)  # new ones again
            app = app_for_graph(nquads)
            rows.append(
                row(
                    f"{name}, app CPU per request", through_the_app(app, "/api/ask", asgi_questions)
                )
            )
            print(_line(rows[-1]), flush=True)
            keys = keystrokes(labels, args.keystroke_labels)
            suggest_cpu = through_the_app(app, "/api/suggest", keys)
            rows.append(row(f"{name}, suggest, app CPU per keystroke", suggest_cpu))
            print(_line(rows[-1]), flush=True)
            del app
            if args.no_http:
                continue
            server = QuestionServer(nquads, tmp)
            try:
                server.wait()
                fresh = questions_for(labels, args.questions, seed=8)  # not asked in process
                rows.append(row(f"{name}, HTTP", over_http(server.base, "/api/ask", fresh)))
                print(_line(rows[-1]), flush=True)
                keys = keystrokes(labels, args.keystroke_labels)
                rows.append(
                    row(
                        f"{name}, suggest per keystroke, HTTP",
                        over_http(server.base, "/api/suggest", keys),
                    )
                )
                print(_line(rows[-1]), flush=True)
            finally:
                server.stop()
    report = render(rows, args, load_before, loadavg())
    print(report)
    if not args.no_write:
        write_section(report)
    return 0


def _line(r: dict) -> str:
    return f"{r['name']:45s} n={r['n']:4d} p50={r['p50']:7.2f} ms p99={r['p99']:7.2f} ms"


def render(rows: list[dict], args, load_before: str, load_after: str) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured by `make bench-questions` (`python -m bench.run_questions`) on {date}, "
        f"{platform.node()}: {os.cpu_count()} CPUs shared with the other sessions at work on this "
        f"machine (7 helpers on 2 cores while this ran), Python {platform.python_version()}. "
        f"Load average before / after: {load_before} → {load_after}.",
        "",
        f"{args.questions} distinct first-time questions per graph (templates × labels, a quarter "
        "with a typo; each asked once, so the response cache never answers), one keep-alive "
        "client, one request at a time, 127.0.0.1; uvicorn with 1 worker. Suggest: every prefix "
        f"of {args.keystroke_labels} labels, typed one character at a time.",
        "",
        "| what | n | p50 (ms) | p99 (ms) | target | notes |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        target = _target(r["name"])
        verdict = ""
        if target is not None:
            value = r["p99"] if "suggest" in r["name"] else r["p50"]
            kind = "p99" if "suggest" in r["name"] else "p50"
            verdict = f"{kind} < {target:g} ms: {'met' if value < target else 'missed'}"
        extra = r["extra"]
        notes = []
        if "graph_load_s" in extra:
            notes.append(
                f"graph loaded in {extra['graph_load_s']} s, index built in "
                f"{extra['index_ms']:.0f} ms"
            )
        if "cpu_p50" in extra:
            notes.append(f"CPU time p50 {extra['cpu_p50']:.2f} ms, p99 {extra['cpu_p99']:.2f} ms")
        if extra.get("refused"):
            notes.append(f"{extra['refused']} refused (404/422)")
        if "statuses" in extra:
            notes.append(", ".join(f"{k}: {v}" for k, v in sorted(extra["statuses"].items())))
        lines.append(
            f"| {r['name']} | {r['n']} | {r['p50']:.2f} | {r['p99']:.2f} | {verdict} | "
            f"{'; '.join(notes)} |"
        )
    ratios = _ratios(rows)
    if ratios:
        lines += ["", "Ratios (p50): " + "; ".join(ratios) + "."]
    return "\n".join(lines)


def _target(name: str) -> float | None:
    if name == "shipped, HTTP":
        return 3.0
    if name.startswith("5,000 concepts") and "suggest" not in name:
        return 10.0
    if name in (
        "5,000 concepts, suggest per keystroke, HTTP",
        "5,000 concepts, suggest, app CPU per keystroke",
    ):
        return 10.0
    return None


def _ratios(rows: list[dict]) -> list[str]:
    by = {r["name"]: r["p50"] for r in rows}
    out = []
    base = by.get("shipped, in process")
    for name, p50 in by.items():
        if base and name.endswith("in process") and name != "shipped, in process":
            out.append(f"{name.rsplit(', ', 1)[0]} ÷ shipped, in process: {p50 / base:.1f}×")
    for name, p50 in by.items():
        if name.endswith(", HTTP") and "suggest" not in name:
            inner = by.get(name.replace(", HTTP", ", in process"))
            if inner:
                out.append(f"{name.rsplit(', ', 1)[0]}, HTTP ÷ in process: {p50 / inner:.1f}×")
    return out


def write_section(report: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = f"{START}\n{report}\n{END}"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n## Questions\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)} (section Questions)")


if __name__ == "__main__":
    sys.exit(main())
