"""The remote backend against a real Virtuoso: loading (GSP and batched INSERT DATA), blank nodes,
auth, timeouts, a server restart mid-session, and several uvicorn workers."""

from __future__ import annotations

import json
import os
import time

import httpx
import pyoxigraph as ox
import pytest

from scalekg.graph.backends import (
    SnapshotRef,
    StoreReadOnlyError,
    open_backend,
)
from scalekg.graph.backends import remote as remote_module
from scalekg.graph.backends.remote_protocol import RemoteAuthError, RemoteTimeoutError
from scalekg.graph.model import KnowledgeGraph

from .conftest import ServeProcess, run_cli, store_settings
from .virtuoso_server import VirtuosoServer, free_port

pytestmark = pytest.mark.virtuoso
TEST_GRAPH = "https://w3id.org/scalekg/graph/assessment/remote-test"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
# Slow but under Virtuoso's cost estimate limit, so it really runs (several seconds).
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . "
    "FILTER(STRLEN(STR(?b)) + STRLEN(STR(?d)) = 17) }"
)


def sample(n_plain: int, n_bnodes: int) -> list[ox.Triple]:
    """Plain triples, plus blank nodes that each carry three triples (they must stay one node)."""
    p = ox.NamedNode("https://example.org/p")
    out = [
        ox.Triple(ox.NamedNode(f"https://example.org/s{i}"), p, ox.Literal(f"v{i}"))
        for i in range(n_plain)
    ]
    for j in range(n_bnodes):
        b = ox.BlankNode(f"b{j}")
        out.append(ox.Triple(ox.NamedNode(f"https://example.org/owner{j}"), p, b))
        out.append(ox.Triple(b, ox.NamedNode("https://example.org/q"), ox.Literal(f"first {j}")))
        out.append(ox.Triple(b, ox.NamedNode("https://example.org/r"), ox.Literal(f"second {j}")))
    return out


def bnode_shape(backend, graph: str) -> int:
    """How many owners reach both of their blank node's values through one node."""
    query = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?o <https://example.org/p> ?b . "
        "?b <https://example.org/q> ?x ; <https://example.org/r> ?y . "
        "FILTER(isBlank(?b) && SUBSTR(STR(?x), 7) = SUBSTR(STR(?y), 8)) } }"
    )
    rows = backend.select(query, default_graphs=None)
    return int(rows[0]["n"])


def remote(server: VirtuosoServer, *, gsp=True, update=False, **overrides):
    return open_backend(store_settings(server.store_spec(gsp=gsp, update=update), **overrides))


# ------------------------------------------------------------------------------ loading


def test_insert_data_batches_stay_under_virtuoso_limit(virtuoso_loaded):
    backend = remote(virtuoso_loaded, gsp=False, update=True)
    data = sample(2500, 100)  # 2,800 triples: more than Virtuoso takes in one INSERT DATA
    before = backend.requests
    sent = backend.put_graph(TEST_GRAPH, data)
    assert sent >= len(data) // remote_module.INSERT_BATCH
    assert backend.requests - before >= sent
    assert backend.count(TEST_GRAPH) == len(data)
    assert bnode_shape(backend, TEST_GRAPH) == 100
    backend.put_graph(TEST_GRAPH, sample(10, 0))  # replace, not append
    assert backend.count(TEST_GRAPH) == 10
    assert backend.delete_graph(TEST_GRAPH)
    assert backend.count(TEST_GRAPH) == 0
    backend.close()


def test_gsp_chunks_big_graphs_without_splitting_blank_nodes(virtuoso_loaded, monkeypatch):
    monkeypatch.setattr(remote_module, "GSP_CHUNK", 1000)
    backend = remote(virtuoso_loaded)
    data = sample(2000, 300)
    sent = backend.put_graph(TEST_GRAPH, data)
    assert sent >= 3  # one PUT, then POSTs
    assert backend.count(TEST_GRAPH) == len(data)
    assert bnode_shape(backend, TEST_GRAPH) == 300
    backend.delete_graph(TEST_GRAPH)
    backend.close()


def test_load_through_sparql_update_gives_the_same_model(virtuoso_loaded, built, kg):
    backend = remote(virtuoso_loaded, gsp=False, update=True)
    report = backend.ensure_snapshot(SnapshotRef(built.path, built.hash), force=True)
    assert report.loaded and report.requests > 10  # batches of at most 500 triples
    model = KnowledgeGraph.from_store(backend.select, built.hash)
    assert {(c.iri, c.type) for c in model.concepts.values()} == {
        (c.iri, c.type) for c in kg.concepts.values()
    }
    assert len(model.edges) == len(kg.edges)
    assert backend.loaded_hash() == built.hash
    backend.close()


def test_cli_load_reports_and_is_idempotent(virtuoso_loaded):
    result = run_cli(["load", "--store", virtuoso_loaded.store_spec()], env=virtuoso_loaded.env())
    assert result.returncode == 0, result.stderr
    assert "already holds snapshot" in result.stdout


# ------------------------------------------------------------------------------ auth


def test_wrong_password_is_a_clear_error(virtuoso_loaded):
    backend = remote(virtuoso_loaded, store_password="wrong")
    with pytest.raises(RemoteAuthError, match="refused our credentials"):
        backend.put_graph(TEST_GRAPH, sample(1, 0))
    backend.close()
    env = {**virtuoso_loaded.env(), "SCALEKG_STORE_PASSWORD": "wrong"}
    result = run_cli(["load", "--force", "--store", virtuoso_loaded.store_spec()], env=env)
    assert result.returncode == 1
    assert "refused our credentials" in result.stderr
    assert "wrong" not in result.stderr  # the password is never printed


def test_writes_without_credentials_say_what_to_set(virtuoso_loaded):
    backend = remote(virtuoso_loaded, store_user=None, store_password=None)
    with pytest.raises(StoreReadOnlyError, match="SCALEKG_STORE_USER"):
        backend.put_graph(TEST_GRAPH, sample(1, 0))
    backend.close()


def test_basic_auth_is_sent_when_asked(virtuoso_loaded):
    """Virtuoso's crud-auth endpoint wants Digest: Basic is refused, with a message naming
    SCALEKG_STORE_AUTH (servers that take Basic, such as Fuseki, work with it)."""
    backend = remote(virtuoso_loaded, store_auth="basic")
    with pytest.raises(RemoteAuthError, match="SCALEKG_STORE_AUTH"):
        backend.put_graph(TEST_GRAPH, sample(1, 0))
    backend.close()


def test_credentials_never_go_in_the_spec():
    result = run_cli(["load", "--store", "sparql:http://dba:dba@127.0.0.1:1/sparql"])
    assert result.returncode == 2
    assert "SCALEKG_STORE_USER" in result.stderr


# ------------------------------------------------------------------------------ timeouts


def test_virtuoso_partial_results_are_a_timeout_not_an_answer(virtuoso_loaded):
    backend = remote(virtuoso_loaded)
    with pytest.raises(RemoteTimeoutError) as info:
        backend.query_response(
            SLOW,
            remote_module.JSON_RESULTS,
            default_graphs=None,
            timeout=20,
            extra_params={"timeout": "300"},  # Virtuoso's "anytime" query: 200 + S1TAT
        )
    assert info.value.partial
    backend.close()


def test_client_side_limit_bounds_a_runaway_query(virtuoso_loaded):
    backend = remote(virtuoso_loaded)
    started = time.monotonic()
    with pytest.raises(RemoteTimeoutError):
        backend.query_response(SLOW, remote_module.JSON_RESULTS, default_graphs=None, timeout=1)
    assert time.monotonic() - started < 3
    assert backend.select(
        "SELECT ?s WHERE { ?s a <https://w3id.org/scalekg/ontology#Capability> } LIMIT 1"
    )
    backend.close()


# ------------------------------------------------------------------------------ restart


@pytest.fixture
def own_virtuoso(tmp_path, built):
    """A Virtuoso of this test's own (it is stopped and started), with a 3 s query limit."""
    server = VirtuosoServer(tmp_path / "virtuoso", max_query_s=3)
    server.start()
    yield server
    server.stop()


def test_server_restart_mid_session(own_virtuoso, tmp_path):
    spec = own_virtuoso.store_spec()
    env = {**own_virtuoso.env(), "SCALEKG_STORE": spec, "SCALEKG_QUERY_TIMEOUT": "10"}

    # not loaded yet: serve refuses with the command to run
    early = ServeProcess(env=env, wait=False, log=tmp_path / "early.log")
    assert early.wait_exit(90) != 0
    assert "scalekg load --store" in early.output()

    assert run_cli(["load", "--store", spec], env=env).returncode == 0

    # Virtuoso's own limits answer 500: a timeout for us, not an error. Its cost estimate
    # refuses RUNAWAY at once; MaxQueryExecutionTime (3 s here) stops SLOW.
    backend = open_backend(store_settings(spec, query_timeout=20))
    for query in (RUNAWAY, SLOW):
        started = time.monotonic()
        with pytest.raises(RemoteTimeoutError, match="own time limit"):
            backend.query_response(query, remote_module.JSON_RESULTS, default_graphs=None)
        assert time.monotonic() - started < 10
    backend.close()

    server = ServeProcess(env=env, log=tmp_path / "serve.log")
    try:
        query = {"query": "SELECT ?l WHERE { kg:premature-scaling skos:prefLabel ?l }"}
        accept = {"Accept": "application/sparql-results+json"}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            r = http.get("/sparql", params=query, headers=accept)
            assert r.status_code == 200, r.text
            assert r.json()["results"]["bindings"][0]["l"]["value"] == "Premature scaling"

            own_virtuoso.stop()  # the store goes away mid-session
            for _ in range(3):
                r = http.get("/sparql", params=query, headers=accept)
                assert r.status_code == 503, r.text
                body = r.json()
                assert body["error"] == "store unavailable"
                assert "unreachable" in body["message"] or "connection" in body["message"]
                assert r.headers.get("retry-after")
            r = http.get("/health/store")
            assert r.status_code == 503 and r.json()["error"] == "store unavailable"
            # the model is in memory: questions are still answered while the store is down
            r = http.get("/api/ask", params={"q": "what mitigates premature scaling"})
            assert r.status_code == 200 and r.json()["answers"]
            r = http.get(f"/api/assessments/{'0' * 16}")
            assert r.status_code == 503 and r.json()["error"] == "store unavailable"
            assert server.proc.poll() is None  # no crash

            own_virtuoso.start()  # same directory, same ports
            r = http.get("/sparql", params=query, headers=accept)
            assert r.status_code == 200, r.text  # reconnected on the first request
            assert r.json()["results"]["bindings"][0]["l"]["value"] == "Premature scaling"
            assert http.get("/health/store").json()["current"] is True
    finally:
        server.stop()
    assert "Traceback" not in server.output()


def test_unreachable_store_at_start_is_a_clear_error(tmp_path):
    spec = f"sparql:http://127.0.0.1:{free_port()}/sparql"
    server = ServeProcess(env={"SCALEKG_STORE": spec}, wait=False, log=tmp_path / "serve.log")
    assert server.wait_exit(90) != 0
    assert "unreachable" in server.output()


# ------------------------------------------------------------------------------ workers


def test_several_workers_share_the_remote_store(virtuoso_loaded, tmp_path):
    env = {**virtuoso_loaded.env(), "SCALEKG_STORE": virtuoso_loaded.store_spec()}
    server = ServeProcess(args=["--workers", "2"], env=env, log=tmp_path / "serve.log")
    try:
        children = _children(server.pid)
        assert len(children) >= 2, children
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for _ in range(20):
                r = http.get("/sparql", params={"query": "ASK { ?s a skg:Capability }"})
                assert r.status_code == 200 and r.json()["boolean"] is True
            # keep-alive requests must not wait for delayed ACKs (TCP_NODELAY on the socket)
            latencies = []
            for _ in range(30):
                started = time.perf_counter()
                assert http.get("/health").status_code == 200
                latencies.append(time.perf_counter() - started)
            latencies.sort()
            assert latencies[len(latencies) // 2] < 0.030, latencies
    finally:
        server.stop()


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


# ------------------------------------------------------------------------------ /sparql forwarding


def test_select_json_passes_through_and_the_rest_is_rewritten(virtuoso_loaded):
    from scalekg.graph.backends.remote_executor import RemoteQueryExecutor

    json_results = "application/sparql-results+json"
    backend = remote(virtuoso_loaded)
    ex = RemoteQueryExecutor(backend, timeout_s=5, max_rows=50)
    query = "SELECT ?c ?l WHERE { ?c a skg:FailureFactor ; skos:prefLabel ?l } ORDER BY ?c LIMIT 5"
    r = ex.execute(query, accept=json_results)
    assert ex.stats["passed_through"] == 1 and not r.truncated
    rows = [(b["c"]["value"], b["l"]["value"]) for b in json.loads(r.body)["results"]["bindings"]]
    assert len(rows) == 5
    csv = ex.execute(query, accept="text/csv").body.decode().splitlines()
    assert csv[1:] == [f"{c},{label}" for c, label in rows]  # the same answer, written by us
    # over the row cap: ours, cut and flagged
    r = ex.execute("SELECT ?s WHERE { ?s ?p ?o }", accept=json_results)
    assert r.truncated and len(json.loads(r.body)["results"]["bindings"]) == 50
    # Virtuoso writes a count as a 2008 "typed-literal": ours, a SPARQL 1.1 "literal"
    r = ex.execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept=json_results)
    assert b"typed-literal" not in r.body
    n = json.loads(r.body)["results"]["bindings"][0]["n"]
    assert n["type"] == "literal" and n["datatype"].endswith("#integer") and int(n["value"]) > 0
    assert ex.stats["passed_through"] == 1


def test_only_the_prefixes_a_query_needs_are_sent(virtuoso_loaded):
    from scalekg.graph.backends.remote_executor import RemoteQueryExecutor

    ex = RemoteQueryExecutor(remote(virtuoso_loaded), timeout_s=5, max_rows=50)
    query = "SELECT ?l WHERE { kg:premature-scaling skos:prefLabel ?l }"
    _, _, text, _, _ = ex._prepare(query, None, None, (), (), None)
    assert text == (
        "PREFIX kg: <https://w3id.org/scalekg/id/>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" + query
    )
    body = json.loads(ex.execute(query, accept=None).body)
    assert [b["l"]["value"] for b in body["results"]["bindings"]] == ["Premature scaling"]
    declared = "PREFIX s: <http://www.w3.org/2004/02/skos/core#> ASK { ?c s:prefLabel ?l }"
    assert ex._prepare(declared, None, None, (), (), None)[2] == declared
    relative = "SELECT * WHERE { <premature-scaling> ?p ?o }"
    assert ex._prepare(relative, None, None, (), (), None)[2].startswith("BASE <")
