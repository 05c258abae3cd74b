"""Load with abuse (issue 11): normal SPARQL traffic while another client attacks the endpoint.

For ``duration`` seconds, on 127.0.0.1 only and bounded:

- **normal traffic**: ``clients`` keep-alive connections from 127.0.0.1, each sending cheap
  queries one after the other (a label look-up with a fresh FILTER constant per request, so that
  every one is guarded, planned and evaluated on a worker; none comes from the answer cache);
- **abuse**, from other loopback addresses (other clients): runaway cross products left to run,
  runaways whose client hangs up after 0.3 s (dropped connections), 10 KB nesting bombs, and
  connections that send half a request and vanish: three addresses, a thread per kind, runaways
  back to back, the cheap kinds (bombs, half requests, retries after a 429) 20 per second each.

It reports the normal queries' latency (p50, p99, max), every status seen on each side, the
executor's counters (worker deaths must stay 0) and the load average before and after.

    python -m bench.abuse --duration 30            # starts its own server on a free port
    python -m bench.abuse --url http://127.0.0.1:8000 --duration 30
    python -m bench.abuse --write                  # also update docs/benchmarks.md

The soak test ``tests/api/test_abuse_load.py`` runs it and asserts correctness only (no 5xx on
normal traffic, no worker death, the server alive); the latency figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- load-with-abuse:start -->", "<!-- load-with-abuse:end -->"

NORMAL = (
    "SELECT ?c ?label WHERE {{ ?c skg:mitigates ?f ; skos:prefLabel ?label "
    "FILTER(STRLEN(?label) != {n}) }} LIMIT 20"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} #{n}"
NESTING_BOMB = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o " + "} " * 5000
ABUSERS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
ABUSE_KINDS = 4  # runaway, runaway then hang up, nesting bomb, half a request: a thread each
ABUSE_RATE = 20  # per second and thread, for the kinds that cost the sender nothing


@dataclass
class Report:
    duration_s: float
    normal_latencies_ms: list[float] = field(default_factory=list)
    normal_statuses: Counter = field(default_factory=Counter)
    abuse_statuses: Counter = field(default_factory=Counter)
    dropped_connections: int = 0
    stats_before: dict = field(default_factory=dict)
    stats_after: dict = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    server_alive: bool = True

    def percentile(self, q: float) -> float:
        data = sorted(self.normal_latencies_ms)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(q * len(data)))]

    def summary(self) -> dict:
        after, before = self.stats_after, self.stats_before
        return {
            "duration_s": self.duration_s,
            "normal_requests": len(self.normal_latencies_ms),
            "normal_p50_ms": round(self.percentile(0.50), 1),
            "normal_p99_ms": round(self.percentile(0.99), 1),
            "normal_max_ms": round(max(self.normal_latencies_ms, default=float("nan")), 1),
            "normal_statuses": dict(self.normal_statuses),
            "abuse_statuses": dict(self.abuse_statuses),
            "dropped_connections": self.dropped_connections,
            "worker_deaths": after.get("deaths", 0) - before.get("deaths", 0),
            "worker_restarts": after.get("restarts", 0) - before.get("restarts", 0),
            "cancelled": after.get("cancelled", 0) - before.get("cancelled", 0),
            "moved_to_slow_lane": after.get("moved_to_slow_lane", 0)
            - before.get("moved_to_slow_lane", 0),
            "clients_refused": after.get("clients_refused", 0) - before.get("clients_refused", 0),
            "load_before": self.load_before,
            "load_after": self.load_after,
            "server_alive": self.server_alive,
        }


def _stats(url: str) -> dict:
    return httpx.get(url + "/health", timeout=10).json().get("sparql", {})


def _normal(url: str, deadline: float, report: Report, lock: threading.Lock, seed: int) -> None:
    n = seed * 1_000_000
    with httpx.Client(base_url=url, timeout=30) as http:
        while time.monotonic() < deadline:
            n += 1
            t = time.perf_counter()
            r = http.get("/sparql", params={"query": NORMAL.format(n=n)})
            ms = (time.perf_counter() - t) * 1000
            with lock:
                report.normal_latencies_ms.append(ms)
                report.normal_statuses[r.status_code] += 1


def _abuser(
    url: str, deadline: float, report: Report, lock: threading.Lock, address: str, kind: int
) -> None:
    """One kind of abuse, over and over, from one address."""
    transport = httpx.HTTPTransport(local_address=address)
    n = 0
    with httpx.Client(base_url=url, timeout=30, transport=transport) as http:
        while time.monotonic() < deadline:
            n += 1
            try:
                if kind == 0:  # a runaway, left to run
                    r = http.get("/sparql", params={"query": RUNAWAY.format(n=f"{address}-{n}")})
                    status = r.status_code
                elif kind == 1:  # a runaway whose client hangs up
                    try:
                        with httpx.Client(base_url=url, timeout=0.3, transport=httpx.HTTPTransport(
                                local_address=address)) as short:  # fmt: skip
                            r = short.get("/sparql", params={"query": RUNAWAY.format(n=f"d{n}")})
                        status = r.status_code  # answered (a 429) before the hang-up
                    except httpx.TimeoutException:
                        status = 0  # dropped
                elif kind == 2:  # a nesting bomb
                    r = http.post(
                        "/sparql",
                        content=NESTING_BOMB.encode(),
                        headers={"Content-Type": "application/sparql-query"},
                    )
                    status = r.status_code
                else:  # half a request, then gone
                    host, port = url.removeprefix("http://").split(":")
                    with socket.create_connection(
                        (host, int(port)), source_address=(address, 0)
                    ) as s:
                        s.sendall(b"GET /sparql?query=SELECT HTTP/1.1\r\nHost: x\r\n")
                    status = 0
            except httpx.HTTPError:
                status = -2
            with lock:
                if status == 0:
                    report.dropped_connections += 1
                else:
                    report.abuse_statuses[status] += 1
            if kind >= 2 or status == 429:  # cheap to send: at most ABUSE_RATE per second
                time.sleep(1.0 / ABUSE_RATE)


def _abuse_process(url: str, duration: float, address: str, results) -> None:
    """One abusing client (one address, a thread per kind of abuse), in its own process."""
    report = Report(duration_s=duration)
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    threads = [
        threading.Thread(target=_abuser, args=(url, deadline, report, lock, address, k))
        for k in range(ABUSE_KINDS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 60)
    results.put((dict(report.abuse_statuses), report.dropped_connections))


def run(url: str, duration: float = 30.0, clients: int = 4, abuse: bool = True) -> Report:
    """``duration`` seconds of normal traffic, with (or, for a baseline, without) the abuse."""
    report = Report(duration_s=duration)
    lock = threading.Lock()
    report.load_before = os.getloadavg()
    report.stats_before = _stats(url)
    deadline = time.monotonic() + duration
    threads = [
        threading.Thread(target=_normal, args=(url, deadline, report, lock, i))
        for i in range(clients)
    ]
    # The abusers run in their own processes: in this one they would take the GIL from the
    # normal clients, and the latency measured would be the load generator's.
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    abusers = [
        context.Process(target=_abuse_process, args=(url, duration, a, results), daemon=True)
        for a in (ABUSERS if abuse else ())
    ]
    for p in abusers:
        p.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 60)
    for _ in abusers:
        statuses, dropped = results.get(timeout=duration + 60)
        report.abuse_statuses.update(statuses)
        report.dropped_connections += dropped
    for p in abusers:
        p.join(30)
    time.sleep(1.0)
    report.stats_after = _stats(url)
    report.load_after = os.getloadavg()
    return report


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "SCALEKG_BUILD_DIR": os.environ.get("SCALEKG_BUILD_DIR", str(ROOT / "build")),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "scalekg.api.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def markdown(summary: dict, baseline: dict) -> str:
    s, b = summary, baseline
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        START,
        f"Measured {date} (`python -m bench.abuse --duration {s['duration_s']:g} --write`) on 2 "
        f"cores shared with other work. Load average (1 min): {b['load_before'][0]:.2f} before "
        f"the baseline, {s['load_before'][0]:.2f} before the abuse run, "
        f"{s['load_after'][0]:.2f} after it.",
        "",
        "| normal traffic (4 clients, uncached SELECT) | baseline, no abuse | with abuse |",
        "|---|---|---|",
        f"| requests | {b['normal_requests']} | {s['normal_requests']} |",
        f"| p50 | {b['normal_p50_ms']} ms | {s['normal_p50_ms']} ms |",
        f"| p99 | {b['normal_p99_ms']} ms | {s['normal_p99_ms']} ms |",
        f"| max | {b['normal_max_ms']} ms | {s['normal_max_ms']} ms |",
        f"| statuses | {b['normal_statuses']} | {s['normal_statuses']} |",
        "",
        "| abuse (3 other clients, 4 kinds of abuse each) | value |",
        "|---|---|",
        f"| statuses | {s['abuse_statuses']} |",
        f"| dropped connections | {s['dropped_connections']} |",
        f"| worker deaths | {s['worker_deaths']} |",
        f"| worker restarts (kills) | {s['worker_restarts']} |",
        f"| queries cancelled (client gone) | {s['cancelled']} |",
        f"| queries moved to the slow lane | {s['moved_to_slow_lane']} |",
        f"| refused with 429 | {s['clients_refused']} |",
        END,
    ])  # fmt: skip


def write(summary: dict, baseline: dict) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = markdown(summary, baseline)
    if START in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Load with abuse\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server (default: start one on a free port)")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    proc = None
    url = args.url
    if url is None:
        port = free_port()
        proc = start_server(port)
        url = f"http://127.0.0.1:{port}"
    try:
        baseline = run(url, min(args.duration, 15.0), abuse=False).summary()
        report = run(url, args.duration)
        report.server_alive = proc is None or proc.poll() is None
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    summary = report.summary()
    print(json.dumps({"baseline": baseline, "with_abuse": summary}, indent=2))
    if args.write:
        write(summary, baseline)


if __name__ == "__main__":
    main()
