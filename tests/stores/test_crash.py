"""SIGKILL in the middle of writes: a real child process writes, a real ``kill -9`` stops it.

The child writes numbered named graphs in a loop through ``OxigraphDiskBackend.put_graph`` and
prints each id only after the write has returned. The parent kills it at a random moment,
reopens the store, and checks: every acknowledged graph is there and complete, and no graph is
partial. A second test kills a child in the middle of snapshot refreshes.
"""

from __future__ import annotations

import gc
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from scalekg.graph.backends.base import LOADED_HASH_QUERY
from scalekg.graph.backends.oxigraph_disk import OxigraphDiskBackend
from scalekg.graph.namespaces import DATA_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

ROOT = Path(__file__).resolve().parents[2]
TRIPLES_PER_GRAPH = 300
GRAPH = "https://w3id.org/scalekg/graph/assessment/crash-{}"

WRITER = f"""
import sys
import pyoxigraph as ox
from scalekg.graph.backends.oxigraph_disk import OxigraphDiskBackend

backend = OxigraphDiskBackend(sys.argv[1])
print("ready", flush=True)
i = int(sys.argv[2])
while True:
    i += 1
    triples = [
        ox.Triple(ox.NamedNode(f"https://example.org/{{i}}/s{{k}}"), ox.NamedNode("https://example.org/p"),
                  ox.Literal(f"graph {{i}} triple {{k}} " + "x" * 200))
        for k in range({TRIPLES_PER_GRAPH})
    ]
    backend.put_graph("{GRAPH}".format(i), triples)
    print(i, flush=True)  # acknowledged: the write has returned
"""

REFRESHER = """
import sys
from pathlib import Path
from scalekg.graph.backends import SnapshotRef
from scalekg.graph.backends.oxigraph_disk import OxigraphDiskBackend

backend = OxigraphDiskBackend(sys.argv[1])
snapshots = [SnapshotRef(Path(p), Path(p).stem) for p in sys.argv[2:]]
print("ready", flush=True)
n = 0
while True:
    snap = snapshots[n % len(snapshots)]
    backend.ensure_snapshot(snap)
    print(snap.hash, flush=True)  # acknowledged
    n += 1
"""


def spawn(script: str, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "ready", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def kill_at_random(
    proc: subprocess.Popen, rng: random.Random, low: float, high: float
) -> list[str]:
    """Wait for the first acknowledgement (a loaded machine may be slow to start), then kill
    the child at a random moment of the following writes."""
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    assert first, (
        f"the child wrote nothing: {proc.stderr.read() if proc.poll() is not None else ''}"
    )
    time.sleep(rng.uniform(low, high))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    return [first, *proc.stdout.read().split()]


def graph_counts(backend: OxigraphDiskBackend) -> dict[str, int]:
    rows = backend.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"].value: int(r["n"].value) for r in rows}


def torn_values(backend: OxigraphDiskBackend, i: int) -> list[str]:
    query = (
        f"SELECT ?o WHERE {{ GRAPH <{GRAPH.format(i)}> {{ ?s ?p ?o }} "
        f'FILTER(!STRSTARTS(STR(?o), "graph {i} triple ")) }}'
    )
    return [r["o"].value for r in backend.query(query)]


def test_sigkill_during_writes_keeps_every_acknowledged_graph(tmp_path):
    seed = int(time.time())
    rng = random.Random(seed)  # a different moment each run
    store = tmp_path / "db"
    all_acked: set[str] = set()
    in_flight: set[str] = set()  # written but killed before the acknowledgement was printed
    for round_ in range(3):
        proc = spawn(WRITER, str(store), str(round_ * 100_000))
        acked = [int(x) for x in kill_at_random(proc, rng, 0.0, 1.0)]
        assert acked, "the child acknowledged no write before the kill"
        all_acked |= {GRAPH.format(i) for i in acked}
        gc.collect()
        backend = OxigraphDiskBackend(store)  # reopen after the crash: no repair step
        counts = graph_counts(backend)
        for i in acked:
            assert counts.get(GRAPH.format(i)) == TRIPLES_PER_GRAPH, (
                seed,
                round_,
                i,
                counts.get(GRAPH.format(i)),
            )
        partial = {g: n for g, n in counts.items() if n != TRIPLES_PER_GRAPH}
        assert partial == {}, f"partial graphs after SIGKILL: {partial}"
        # at most the one write in flight may be present without its acknowledgement
        unacked = set(counts) - all_acked - in_flight
        assert len(unacked) <= 1, unacked
        in_flight |= unacked
        # every triple is the one written (no torn values)
        for i in acked[-3:]:
            assert torn_values(backend, i) == []
        backend.close()
        del backend
        gc.collect()
    assert len(all_acked) > 3


def test_sigkill_during_snapshot_refresh_leaves_a_consistent_store(tmp_path):
    """Kill a process that keeps refreshing the store between two snapshots: after reopening,
    the marker names one snapshot and the shipped graphs hold exactly that snapshot."""
    snapshots = []
    for tag, size in (("snapa", 3000), ("snapb", 4000)):
        path = tmp_path / f"{tag}.nq"
        with path.open("w", encoding="utf-8") as fh:
            for g in (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH):
                for i in range(size):
                    fh.write(
                        f'<https://example.org/{tag}/s{i}> <https://example.org/p> "{tag} {i}" <{g}> .\n'
                    )
        snapshots.append(path)
    expected = {"snapa": 3000, "snapb": 4000}
    seed = int(time.time())
    rng = random.Random(seed)
    store = tmp_path / "db"
    for round_ in range(3):
        proc = spawn(REFRESHER, str(store), *map(str, snapshots))
        acked = kill_at_random(proc, rng, 0.0, 1.0)
        gc.collect()
        backend = OxigraphDiskBackend(store)
        held = [row["h"].value for row in backend.query(LOADED_HASH_QUERY)]
        counts = {g: backend.count(g) for g in (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH)}
        if held:
            # the marker is written with the data: the graphs are exactly that snapshot
            assert held[0] in expected, (seed, round_, held)
            assert set(counts.values()) == {expected[held[0]]}, (
                seed,
                round_,
                held,
                counts,
                acked[-2:],
            )
        else:
            # cut between the drop and the load: nothing shipped is left, and the next start
            # reloads (ensure_snapshot sees no marker)
            assert set(counts.values()) == {0}, (seed, round_, counts, acked[-2:])
        backend.close()
        del backend
        gc.collect()
