"""The on-disk store: refresh by snapshot hash, user data kept, restarts, one writer, and the
faults (disk full, read-only directory) on real size-limited and read-only filesystems."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from fastapi.testclient import TestClient

from scalekg.graph.backends import (
    SnapshotRef,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreSpecError,
    check_serving,
    open_backend,
    open_for_serving,
)
from scalekg.graph.backends.base import LOADED_SNAPSHOT, META_GRAPH
from scalekg.graph.backends.oxigraph_disk import OxigraphDiskBackend
from scalekg.graph.namespaces import DATA_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

from .conftest import ServeProcess, run_cli, store_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "early-stage-startup.yaml"
USER_GRAPH = "https://w3id.org/scalekg/graph/assessment/test-user-graph"


def triples(n: int, tag: str = "x") -> list[ox.Triple]:
    return [
        ox.Triple(
            ox.NamedNode(f"https://example.org/s{i}"),
            ox.NamedNode("https://example.org/p"),
            ox.Literal(f"{tag}-{i}"),
        )
        for i in range(n)
    ]


def close(backend) -> None:
    backend.close()
    del backend
    gc.collect()


def example_doc(org: str) -> bytes:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["organisation"] = org
    return json.dumps(doc, default=str).encode()


def post(client, org: str):
    return client.post(
        "/api/assessments", content=example_doc(org), headers={"content-type": "application/json"}
    )


def fake_snapshot(tmp_path: Path, tag: str) -> SnapshotRef:
    """A small snapshot with the three shipped graphs (and a blank node)."""
    lines = []
    for g in (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH):
        for i in range(20):
            lines.append(
                f'<https://example.org/{tag}/s{i}> <https://example.org/p> "{tag}" <{g}> .'
            )
    lines.append(f'_:b <https://example.org/p> "{tag}-blank" <{DATA_GRAPH}> .')
    path = tmp_path / f"snapshot-{tag}.nq"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return SnapshotRef(path, f"hash-{tag}")


# ------------------------------------------------------------------------------ refresh


def test_refresh_replaces_the_shipped_graphs_and_keeps_user_data(tmp_path):
    store_dir = tmp_path / "db"
    old, new = fake_snapshot(tmp_path, "old"), fake_snapshot(tmp_path, "new")
    b = OxigraphDiskBackend(store_dir)
    report = b.ensure_snapshot(old)
    assert report.loaded and report.quads == 61 and report.previous_hash is None
    b.put_graph(USER_GRAPH, triples(5, "user"))
    assert b.loaded_hash() == "hash-old"
    again = b.ensure_snapshot(old)
    assert not again.loaded  # same hash: nothing to do
    close(b)

    b = OxigraphDiskBackend(store_dir)  # a restart with a new build
    report = b.ensure_snapshot(new)
    assert report.loaded and report.previous_hash == "hash-old"
    assert b.loaded_hash() == "hash-new"
    rows = b.query('SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?o), "old")) }')
    assert list(rows) == []  # nothing of the old snapshot is left
    for g in (ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH):
        assert b.count(g) == 20 + (1 if g == DATA_GRAPH else 0)
    assert b.count(USER_GRAPH) == 5  # user data untouched
    marker = list(b.ox_store.quads_for_pattern(None, ox.NamedNode(LOADED_SNAPSHOT), None, None))
    assert [(q.object.value, q.graph_name.value) for q in marker] == [("hash-new", META_GRAPH)]
    close(b)


def test_big_snapshots_take_the_bulk_path_and_still_keep_user_data(tmp_path, monkeypatch):
    from scalekg.graph.backends import memory

    monkeypatch.setattr(memory, "ATOMIC_LOAD_MAX_BYTES", 0)  # every snapshot counts as big
    old, new = fake_snapshot(tmp_path, "old"), fake_snapshot(tmp_path, "new")
    b = OxigraphDiskBackend(tmp_path / "db")
    b.ensure_snapshot(old)
    b.put_graph(USER_GRAPH, triples(3, "user"))
    report = b.ensure_snapshot(new)
    assert report.loaded and report.quads == 61
    assert b.loaded_hash() == "hash-new"
    assert b.count(DATA_GRAPH) == 21 and b.count(USER_GRAPH) == 3
    close(b)


def test_the_real_snapshot_is_loaded_once_and_survives_restarts(tmp_path, built, kg):
    settings = store_settings(f"oxigraph:{tmp_path / 'db'}")
    backend, report = open_for_serving(settings, built)
    assert report is not None and report.loaded and report.quads > 5000
    close(backend)
    backend, report = open_for_serving(settings, built)
    assert report is not None and not report.loaded  # same hash: no reload on restart
    from scalekg.graph.model import KnowledgeGraph

    model = KnowledgeGraph.from_store(backend.select, built.hash)
    assert set(model.concepts) == set(kg.concepts)
    close(backend)


def test_assessments_survive_a_restart_of_the_app(tmp_path, built):
    from scalekg.api.app import create_app

    settings = store_settings(f"oxigraph:{tmp_path / 'db'}")
    with TestClient(create_app(settings)) as client:
        r = post(client, "Durable Org")
        assert r.status_code == 201, r.text
        assessment_id = r.json()["id"]
    del client
    gc.collect()
    with TestClient(create_app(settings)) as client:  # a new process would see the same
        r = client.get(f"/api/assessments/{assessment_id}")
        assert r.status_code == 200
        assert r.json()["organisation"] == "Durable Org"
    del client
    gc.collect()


# ------------------------------------------------------------------------------ one writer


def test_a_second_process_gets_a_clear_lock_error(tmp_path, built):
    store_dir = tmp_path / "db"
    holder = OxigraphDiskBackend(store_dir)
    try:
        result = run_cli(["load", "--store", f"oxigraph:{store_dir}"])
        assert result.returncode == 1
        assert "store unavailable" in result.stderr
        assert "another process" in result.stderr and "one writer" in result.stderr
    finally:
        close(holder)
    with pytest.raises(StoreLockedError):
        a = OxigraphDiskBackend(tmp_path / "db2")
        try:
            OxigraphDiskBackend(tmp_path / "db2")
        finally:
            close(a)


def test_several_uvicorn_workers_are_refused_with_a_clear_message(tmp_path):
    with pytest.raises(StoreSpecError, match="one worker process"):
        open_backend(store_settings(f"oxigraph:{tmp_path / 'db'}", workers=2))
    with pytest.raises(StoreSpecError, match="one worker process"):
        check_serving(store_settings(f"oxigraph:{tmp_path / 'db'}", workers=2))


def test_several_workers_on_an_oxigraph_store_fail_clearly(tmp_path):
    started = time.monotonic()
    server = ServeProcess(
        args=["--workers", "2", "--store", f"oxigraph:{tmp_path / 'db'}"],
        wait=False,
        log=tmp_path / "serve.log",
    )
    server.wait_exit(60)  # stops by itself: no endless restart of failing workers
    assert time.monotonic() - started < 60
    assert "one worker process" in server.output()
    assert not (tmp_path / "db").exists()  # no worker got as far as opening the store


# ------------------------------------------------------------------------------ read-only


def test_read_only_directory(limited_dir, built):
    fs = limited_dir(64)
    store_dir = fs.mount / "db"
    settings = store_settings(f"oxigraph:{store_dir}")
    backend, _ = open_for_serving(settings, built)
    backend.put_graph(USER_GRAPH, triples(7, "kept"))
    close(backend)
    fs.read_only()

    # the store opens read-only: reads work, writes are refused with a clear error
    b = OxigraphDiskBackend(store_dir)
    assert b.read_only
    assert b.count(USER_GRAPH) == 7 and b.loaded_hash() == built.hash
    with pytest.raises(StoreReadOnlyError, match="read-only"):
        b.put_graph(USER_GRAPH + "-2", triples(1))
    close(b)

    # the API serves reads and answers writes with 503 and a message
    from scalekg.api.app import create_app

    with TestClient(create_app(settings)) as client:
        assert (
            client.get("/api/ask", params={"q": "what mitigates premature scaling"}).status_code
            == 200
        )
        r = post(client, "Read Only Org")
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "store read-only"
        assert "read-only" in r.json()["message"]
    del client
    gc.collect()

    # a refresh that cannot be written fails with a non-zero exit and a message
    result = run_cli(["load", "--force", "--store", f"oxigraph:{store_dir}"])
    assert result.returncode == 1
    assert "read-only" in result.stderr

    # a read-only directory without a store yet: a clear error
    with pytest.raises(StoreReadOnlyError, match="cannot be written"):
        OxigraphDiskBackend(fs.mount / "new-db")

    fs.writable()  # nothing was lost
    b = OxigraphDiskBackend(store_dir)
    assert not b.read_only and b.count(USER_GRAPH) == 7
    close(b)


# ------------------------------------------------------------------------------ disk full


def test_disk_full_gives_a_clear_error_and_loses_nothing(limited_dir, built):
    fs = limited_dir(8)
    store_dir = fs.mount / "db"
    b = OxigraphDiskBackend(store_dir)
    b.ensure_snapshot(SnapshotRef(built.path, built.hash))
    acknowledged = []
    with pytest.raises(StoreFullError, match="full") as info:
        for i in range(10_000):
            b.put_graph(f"{USER_GRAPH}-{i}", triples(50, "y" * 500 + str(i)))
            acknowledged.append(i)
    assert "kept" in info.value.message
    del info  # its traceback holds the store open
    assert acknowledged, "the filesystem filled before the first write"
    # reads go on working
    assert b.count(f"{USER_GRAPH}-0") == 50 and b.loaded_hash() == built.hash
    close(b)

    # at start, a store too full to open for writing opens read-only; the CLI says why
    result = run_cli(["load", "--force", "--store", f"oxigraph:{store_dir}"])
    assert result.returncode == 1 and "full" in result.stderr

    fs.grow(64)  # free space: every acknowledged write is there, complete
    b = OxigraphDiskBackend(store_dir)
    for i in acknowledged:
        assert b.count(f"{USER_GRAPH}-{i}") == 50
    assert b.loaded_hash() == built.hash
    close(b)


def test_disk_full_through_the_api_is_507(limited_dir, built):
    from scalekg.api.app import create_app

    fs = limited_dir(8)
    settings = store_settings(f"oxigraph:{fs.mount / 'db'}")
    stored = []
    with TestClient(create_app(settings)) as client:
        # fill most of the disk behind the app's back, then write through the API
        store = client.app.state.scalekg.store
        with pytest.raises(StoreFullError):
            for i in range(10_000):
                store.put_graph(f"{USER_GRAPH}-{i}", triples(50, "z" * 500 + str(i)))
        statuses = []
        for i in range(3):
            r = post(client, f"Full Disk Org {i}")
            statuses.append(r.status_code)
            if r.status_code in (200, 201):
                stored.append(r.json()["id"])
        assert 507 in statuses
        r = post(client, "Full Disk Org last")
        assert r.status_code == 507
        body = r.json()
        assert body["error"] == "store full" and "full" in body["message"]
        assert client.get("/health").status_code == 200  # no crash
    del client, store
    gc.collect()
    fs.grow(64)
    with TestClient(create_app(settings)) as client:
        for assessment_id in stored:
            assert client.get(f"/api/assessments/{assessment_id}").status_code == 200
    del client
    gc.collect()


FSIZE_WRITER = """
import resource, signal, sys
import pyoxigraph as ox
from scalekg.graph.backends import StoreFullError
from scalekg.graph.backends.oxigraph_disk import OxigraphDiskBackend

backend = OxigraphDiskBackend(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
i = 0
try:
    while True:
        triples = [
            ox.Triple(ox.NamedNode(f"https://example.org/s{k}"), ox.NamedNode("https://example.org/p"),
                      ox.Literal(f"{i}-{k}" + "w" * 300))
            for k in range(50)
        ]
        backend.put_graph(f"https://w3id.org/scalekg/graph/assessment/fsize-{i}", triples)
        print(i, flush=True)
        i += 1
except StoreFullError as exc:
    print("FULL", exc.message.replace(chr(10), " "), flush=True)
"""


def test_file_size_limit_is_a_store_full_error_and_loses_nothing(tmp_path):
    """The fallback fault without mounts: RLIMIT_FSIZE in a child process (works unprivileged)."""
    import subprocess
    import sys

    store_dir = tmp_path / "db"
    OxigraphDiskBackend(store_dir).close()  # create it without the limit
    gc.collect()
    out = subprocess.run(
        [sys.executable, "-c", FSIZE_WRITER, str(store_dir), str(2 * 1024 * 1024)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    lines = out.stdout.split("\n")
    full = [line for line in lines if line.startswith("FULL")]
    assert full, out.stdout[-500:] + out.stderr[-2000:]
    assert "kept" in full[0]
    acked = [int(line) for line in lines if line.strip().isdigit()]
    assert acked
    b = OxigraphDiskBackend(store_dir)
    for i in acked:
        assert b.count(f"https://w3id.org/scalekg/graph/assessment/fsize-{i}") == 50
    close(b)
