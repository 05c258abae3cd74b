"""Sustained load: 60 s of mixed traffic against a real ``scalekg serve`` on 127.0.0.1.

/api/ask, /sparql and /graph.json, from 8 concurrent clients, with a runaway SPARQL query every
few seconds. Every answer is checked against a reference computed beforehand (the same question
answered in process, the same SPARQL query run on the snapshot with pyoxigraph). At the end:
no 5xx other than the runaway queries' 504s, every answer correct, and the server's resident
memory (VmRSS from /proc/<pid>/status) grew by at most 20% after the warm-up.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time

import httpx
import pyoxigraph as ox
import pytest

from scalekg.graph.namespaces import PREFIXES

from .conftest import ServeProcess

pytestmark = pytest.mark.soak

DURATION_S = float(os.environ.get("SCALEKG_SOAK_SECONDS", "60"))
WARMUP_S = 10.0
CLIENTS = 8
RUNAWAY_EVERY_S = 6.0
QUERY_TIMEOUT_S = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
LABEL_QUERY = "SELECT ?label WHERE {{ <{iri}> skos:prefLabel ?label }}"
MITIGATORS_QUERY = "SELECT ?c WHERE {{ ?c skg:mitigates <{iri}> }} ORDER BY ?c"


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def references(kg, snapshot):
    """The expected answers, computed without the server."""
    from fastapi.testclient import TestClient

    from scalekg.api.app import create_app

    from .conftest import store_settings

    rng = random.Random(7)
    factors = sorted(c.slug for c in kg.concepts.values() if c.is_a("FailureFactor"))
    concepts = sorted(kg.concepts)
    asks = {f"/api/ask?q=what+mitigates+{slug}": None for slug in rng.sample(factors, 25)}
    graphs = {f"/graph.json?focus={slug}&depth=1": None for slug in rng.sample(factors, 15)}
    app = create_app(store_settings("memory"))
    with TestClient(app) as client:
        for path in list(asks) + list(graphs):
            r = client.get(path)
            assert r.status_code == 200, (path, r.text[:200])
            (asks if path in asks else graphs)[path] = r.json()
    store = ox.Store()
    store.bulk_load(path=str(snapshot.path), format=ox.RdfFormat.N_QUADS)
    sparql = {}
    for iri in rng.sample(concepts, 20):
        for template in (LABEL_QUERY, MITIGATORS_QUERY):
            q = template.format(iri=iri)
            rows = store.query(q, prefixes=PREFIXES, use_default_graph_as_union=True)
            var = rows.variables[0].value
            sparql[q] = sorted(s[var].value for s in rows)
    return asks, graphs, sparql


class Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []
        self.server_errors: list[str] = []

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def fail(self, text: str) -> None:
        if len(self.failures) < 50:
            self.failures.append(text)


async def client_loop(http, deadline, asks, graphs, sparql, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    ask_paths, graph_paths, queries = list(asks), list(graphs), list(sparql)
    while time.monotonic() < deadline:
        roll = rng.random()
        try:
            if roll < 0.45:
                path = rng.choice(ask_paths)
                r = await http.get(path)
                kind, expected = "ask", asks[path]
                ok = r.status_code == 200 and r.json() == expected
            elif roll < 0.85:
                q = rng.choice(queries)
                r = await http.get(
                    "/sparql",
                    params={"query": q},
                    headers={"Accept": "application/sparql-results+json"},
                )
                kind = "sparql"
                ok = r.status_code == 200
                if ok:
                    data = r.json()
                    var = data["head"]["vars"][0]
                    got = sorted(b[var]["value"] for b in data["results"]["bindings"])
                    ok = got == sparql[q]
            else:
                path = rng.choice(graph_paths)
                r = await http.get(path)
                kind, expected = "graph", graphs[path]
                ok = r.status_code == 200 and r.json() == expected
        except httpx.HTTPError as exc:
            tally.fail(f"transport error: {exc!r}")
            continue
        tally.count(kind)
        if r.status_code >= 500:
            tally.server_errors.append(f"{kind} {r.status_code} {r.text[:200]}")
        elif not ok:
            tally.fail(f"{kind} {r.status_code}: wrong answer {r.text[:200]}")


async def runaway_loop(http, deadline, tally: Tally) -> None:
    while time.monotonic() + RUNAWAY_EVERY_S < deadline:
        await asyncio.sleep(RUNAWAY_EVERY_S)
        r = await http.get("/sparql", params={"query": RUNAWAY})
        tally.count("runaway")
        if r.status_code != 504 or r.json().get("error") != "timeout":
            tally.fail(f"runaway: expected 504 timeout, got {r.status_code} {r.text[:200]}")


async def rss_sampler(pid, started, deadline, samples: list[tuple[float, int]]) -> None:
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - started, rss_kb(pid)))
        await asyncio.sleep(1.0)
    samples.append((time.monotonic() - started, rss_kb(pid)))


async def soak(url, pid, asks, graphs, sparql):
    tally = Tally()
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    deadline = started + DURATION_S
    limits = httpx.Limits(max_connections=CLIENTS + 2, max_keepalive_connections=CLIENTS + 2)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        await asyncio.gather(
            *(
                client_loop(http, deadline, asks, graphs, sparql, tally, seed)
                for seed in range(CLIENTS)
            ),
            runaway_loop(http, deadline, tally),
            rss_sampler(pid, started, deadline, samples),
        )
    return tally, samples


def test_sustained_mixed_load(kg, built, tmp_path, artifacts):
    asks, graphs, sparql = references(kg, built)
    server = ServeProcess(
        env={
            "SCALEKG_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
            "SCALEKG_QUERY_WORKERS": "2",
            "SCALEKG_STORE": "memory",
        },
        log=tmp_path / "serve.log",
    )
    try:
        tally, samples = asyncio.run(soak(server.url, server.pid, asks, graphs, sparql))
        alive = server.proc.poll() is None
    finally:
        server.stop()
    warm = [kb for t, kb in samples if t >= WARMUP_S]
    baseline, final = warm[0], warm[-1]
    growth = (final - baseline) / baseline
    report = {
        "duration_s": DURATION_S,
        "requests": tally.counts,
        "server_errors": tally.server_errors[:20],
        "failures": tally.failures[:20],
        "rss_kb_after_warmup": baseline,
        "rss_kb_final": final,
        "rss_kb_peak": max(kb for _, kb in samples),
        "rss_growth": round(growth, 4),
    }
    (artifacts / "soak.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert alive, "the server died during the soak"
    assert tally.counts.get("runaway", 0) >= 3
    assert sum(tally.counts.get(k, 0) for k in ("ask", "sparql", "graph")) > 1000
    assert "Traceback" not in server.output(), server.output()[-3000:]
    assert tally.server_errors == [], tally.server_errors[:10]
    assert tally.failures == [], tally.failures[:10]
    assert growth <= 0.20, report
