"""The executor: results parsed back with rdflib, dataset selection, row cap, hard time limit,
worker replacement, the two lanes and per-client limits, the memory cap, no updates on embedded
stores, and the network sandbox of the workers."""

import asyncio
import io
import logging
import pickle
import socket
import sys
import threading
import time

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.query import Result

from scalekg.graph.sparql.errors import (
    ForbiddenQueryError,
    NotAcceptableError,
    QueryExecutionError,
    QuerySyntaxError,
    QueryTimeoutError,
    UpdateNotAllowedError,
)
from scalekg.graph.sparql.executor import QueryExecutor

KG = "https://w3id.org/scalekg/id/"
SKG = "https://w3id.org/scalekg/ontology#"
GRAPH = "https://w3id.org/scalekg/graph/"
ONTOLOGY_GRAPH, DATA_GRAPH, INFERRED_GRAPH = GRAPH + "ontology", GRAPH + "data", GRAPH + "inferred"
CAPABILITIES = [
    "lean-product-development",
    "continuous-delivery",
    "keep-financial-discipline",
    "customer-feedback-loops",
]
MITIGATORS = "SELECT ?c ?label WHERE {{ ?c skg:mitigates kg:premature-scaling ; skos:prefLabel ?label }} ORDER BY ?c"
EXPECTED = sorted(URIRef(KG + c) for c in CAPABILITIES)


def expect_timeout(executor, query):
    with pytest.raises(QueryTimeoutError):
        executor.execute(query, accept=None)


def parse_results(body: bytes, fmt: str) -> Result:
    return Result.parse(io.BytesIO(body), format=fmt)


# ---------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("accept", "fmt", "rdflib_format"),
    [
        (None, None, "json"),
        ("application/sparql-results+json", None, "json"),
        ("application/sparql-results+xml", None, "xml"),
        ("text/csv", None, "csv"),
        ("text/tab-separated-values", None, "tsv"),
        ("text/turtle", "xml", "xml"),  # format= wins over Accept
        (None, "tsv", "tsv"),
    ],
)
def test_select_in_every_format_parses_back(sparql_executor, accept, fmt, rdflib_format):
    r = sparql_executor.execute(MITIGATORS, accept=accept, fmt=fmt)
    assert r.query_type == "SELECT" and not r.truncated
    rows = list(parse_results(r.body, rdflib_format))
    assert sorted(row[0] for row in rows) == EXPECTED
    labels = {str(row[1]) for row in rows}
    assert "Lean product development" in labels


def test_select_json_keeps_types_languages_and_unbound(sparql_executor):
    q = (
        "SELECT ?label ?slide ?note ?missing ?b WHERE { kg:premature-scaling skos:prefLabel ?label ; "
        "skg:slide ?slide ; skg:note ?note OPTIONAL { ?x skg:nothing ?missing } BIND(BNODE() AS ?b) }"
    )
    for fmt in ("json", "xml"):
        result = parse_results(sparql_executor.execute(q, accept=None, fmt=fmt).body, fmt)
        (row,) = list(result)
        assert row.label == Literal("Premature scaling", lang="en")
        assert row.slide == Literal(18)
        assert row.note == Literal('tab\there, "quoted", comma')
        assert row.missing is None
        assert row.b is not None


def test_csv_quotes_commas_and_quotes(sparql_executor):
    r = sparql_executor.execute("SELECT ?n WHERE { ?s skg:note ?n }", accept="text/csv")
    assert r.body == b'n\r\n"tab\there, ""quoted"", comma"\r\n'


@pytest.mark.parametrize(
    ("fmt", "accept", "rdflib_format", "media_type"),
    [
        (None, None, "turtle", "text/turtle"),
        (None, "application/n-triples", "nt", "application/n-triples"),
        (None, "application/ld+json", "json-ld", "application/ld+json"),
        (None, "application/rdf+xml", "xml", "application/rdf+xml"),
        ("jsonld", None, "json-ld", "application/ld+json"),
        ("ntriples", "text/turtle", "nt", "application/n-triples"),
    ],
)
def test_construct_in_every_format_parses_back(
    sparql_executor, fmt, accept, rdflib_format, media_type
):
    q = "CONSTRUCT { ?c skg:mitigates ?f } WHERE { ?c skg:mitigates ?f }"
    r = sparql_executor.execute(q, accept=accept, fmt=fmt)
    assert r.media_type == media_type and r.query_type == "CONSTRUCT"
    g = Graph().parse(data=r.body, format=rdflib_format)
    assert len(g) == len(CAPABILITIES)
    assert (
        URIRef(KG + "continuous-delivery"),
        URIRef(SKG + "mitigates"),
        URIRef(KG + "premature-scaling"),
    ) in g


def test_describe(sparql_executor):
    r = sparql_executor.execute("DESCRIBE kg:premature-scaling", accept="text/turtle")
    g = Graph().parse(data=r.body, format="turtle")
    assert (URIRef(KG + "premature-scaling"), URIRef(SKG + "slide"), Literal(18)) in g
    assert r.query_type == "DESCRIBE"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("ASK { kg:premature-scaling ?p ?o }", True), ("ASK { kg:nothing ?p ?o }", False)],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask(sparql_executor, query, expected, fmt):
    r = sparql_executor.execute(query, accept=None, fmt=fmt)
    assert parse_results(r.body, fmt).askAnswer is expected
    assert r.query_type == "ASK"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT * {}", "text/turtle"),
        ("ASK {}", "image/png"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json"),
        ("SELECT * {}", "application/sparql-results+json;q=0, text/html"),
    ],
)
def test_not_acceptable_lists_supported_types(sparql_executor, query, accept):
    with pytest.raises(NotAcceptableError) as exc:
        sparql_executor.execute(query, accept=accept)
    assert exc.value.supported


def test_accept_q_values(sparql_executor):
    r = sparql_executor.execute(
        "SELECT * {}", accept="text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"
    )
    assert r.media_type == "application/sparql-results+xml"
    r = sparql_executor.execute("SELECT * {}", accept="text/*")
    assert r.media_type == "text/csv"
    r = sparql_executor.execute("CONSTRUCT WHERE {}", accept="*/*")
    assert r.media_type == "text/turtle"


# ---------------------------------------------------------------------------- dataset


def count(executor, query, **kw) -> int:
    r = executor.execute(query, accept=None, **kw)
    return int(next(iter(parse_results(r.body, "json")))[0])


def test_default_graph_is_the_union_of_named_graphs(sparql_executor, sparql_data):
    assert sparql_executor.graphs == frozenset(sparql_data.GRAPHS)
    assert count(sparql_executor, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == len(sparql_data.QUADS)


def test_from_and_default_graph_uri_select_local_graphs(sparql_executor):
    only_inferred = f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED_GRAPH}> {{ ?s ?p ?o }}"
    assert count(sparql_executor, only_inferred) == 1
    q = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    assert count(sparql_executor, q, default_graph_uris=[INFERRED_GRAPH]) == 1
    both = count(sparql_executor, q, default_graph_uris=[INFERRED_GRAPH, ONTOLOGY_GRAPH])
    assert both == 4
    # Protocol parameters override the query's FROM.
    assert count(sparql_executor, only_inferred, default_graph_uris=[ONTOLOGY_GRAPH]) == 3


def test_named_graph_uri_limits_graph_patterns(sparql_executor):
    q = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert count(sparql_executor, q) == 3
    assert count(sparql_executor, q, named_graph_uris=[DATA_GRAPH]) == 1


@pytest.mark.parametrize(
    "kw",
    [
        {"default_graph_uris": ["http://127.0.0.1:9/g"]},
        {"named_graph_uris": ["file:///etc/passwd"]},
    ],
)
def test_unknown_dataset_params_are_refused(sparql_executor, kw):
    with pytest.raises(ForbiddenQueryError):
        sparql_executor.execute("ASK {}", accept=None, **kw)


def test_guard_runs_before_evaluation(sparql_executor):
    before = sparql_executor.stats["queries"]
    with pytest.raises(ForbiddenQueryError):
        sparql_executor.execute(
            "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", accept=None
        )
    with pytest.raises(UpdateNotAllowedError):
        sparql_executor.execute("INSERT DATA { <http://a> <http://b> <http://c> }", accept=None)
    assert sparql_executor.stats["queries"] == before


# ---------------------------------------------------------------------------- errors


def test_syntax_error_has_line_and_column(sparql_executor):
    with pytest.raises(QuerySyntaxError) as exc:
        sparql_executor.execute("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }", accept=None)
    assert exc.value.line == 3
    assert exc.value.column is not None and exc.value.column >= 9


def test_runtime_error_is_reported_and_worker_goes_on(sparql_executor):
    with pytest.raises(QuerySyntaxError):
        sparql_executor.execute("SELECT * { ?s ?p ?o } GROUP BY ?s", accept=None)
    assert count(sparql_executor, "SELECT (COUNT(*) AS ?n) {}") == 1


# ---------------------------------------------------------------------------- row cap


def test_row_cap_truncates_and_says_so(tmp_path, sparql_data):
    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(snap, workers=1, timeout_s=5, max_rows=3) as ex:
        r = ex.execute("SELECT * { ?s ?p ?o }", accept=None)
        assert r.truncated and r.row_limit == 3
        assert len(list(parse_results(r.body, "json"))) == 3
        r = ex.execute("SELECT * { ?s ?p ?o } LIMIT 3", accept="text/csv")
        assert not r.truncated and len(list(parse_results(r.body, "csv"))) == 3
        r = ex.execute("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
        assert r.truncated and len(Graph().parse(data=r.body, format="nt")) == 3


# ---------------------------------------------------------------------------- time limit


@pytest.fixture
def fast_executor(tmp_path, sparql_data):
    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    ex = QueryExecutor(snap, workers=2, slow_workers=1, timeout_s=1.5, max_rows=100)
    yield ex
    ex.close()


def all_pids(ex: QueryExecutor) -> set[int]:
    return ex.fast.pids | ex.slow.pids


def wait_whole(ex: QueryExecutor, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(ex.fast.pids) == ex.workers and len(ex.slow.pids) == ex.slow_workers:
            return
        time.sleep(0.05)
    raise AssertionError("the pools did not get their workers back")


def test_runaway_query_is_killed_at_the_limit(fast_executor, sparql_data):
    pids = all_pids(fast_executor)
    t = time.monotonic()
    with pytest.raises(QueryTimeoutError) as exc:
        fast_executor.execute(sparql_data.RUNAWAY, accept=None)
    # Not before the limit (the deadline is monotonic, so this cannot flake); how soon after it
    # is a timing question for bench/, and a hang fails through pytest-timeout.
    assert time.monotonic() - t >= 1.5
    assert exc.value.limit_s == 1.5
    assert fast_executor.stats["timeouts"] == 1
    moved = fast_executor.stats["moved_to_slow_lane"]  # 0 if a busy machine starved it of CPU
    assert moved <= 1
    # Its fast-lane worker (after the fast limit) and its slow-lane worker (at the time limit)
    # are really gone and replaced; the pools are whole again.
    wait_whole(fast_executor)
    new_pids = all_pids(fast_executor)
    assert len(pids - new_pids) == 1 + moved
    assert fast_executor.stats["deaths"] == 0
    assert count(fast_executor, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == len(sparql_data.QUADS)


def test_other_queries_are_served_while_one_runs_away(tmp_path, sparql_data):
    """Event-based: every other query is answered while the runaway still holds its worker."""
    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    ex = QueryExecutor(snap, workers=2, slow_workers=1, timeout_s=120, fast_limit_s=120)
    outcome: list[BaseException] = []

    def runaway():
        try:
            ex.execute(sparql_data.RUNAWAY, accept=None)
        except QueryExecutionError as exc:  # ended by close() below
            outcome.append(exc)

    th = threading.Thread(target=runaway)
    th.start()
    try:
        deadline = time.monotonic() + 30
        while len(ex.fast._idle) > 1 and time.monotonic() < deadline:  # the runaway took one
            time.sleep(0.01)
        assert len(ex.fast._idle) == 1
        for i in range(5):  # a different query each time: no answer comes from the cache
            q = f"SELECT (COUNT(*) AS ?n) {{ ?s ?p ?o FILTER({i} >= 0) }}"
            assert count(ex, q) == len(sparql_data.QUADS)
            assert th.is_alive(), "the runaway ended: the answers may have waited for it"
    finally:
        ex.close()
        th.join(30)
    assert not th.is_alive() and len(outcome) == 1


def test_async_execute_timeout_and_results(fast_executor, sparql_data):
    async def main():
        slow = asyncio.create_task(fast_executor.aexecute(sparql_data.RUNAWAY, accept=None))
        await asyncio.sleep(0.1)
        r = await fast_executor.aexecute("ASK { ?s ?p ?o }", accept=None)
        answered_first = not slow.done()  # the quick answer did not wait for the runaway
        with pytest.raises(QueryTimeoutError):
            await slow
        return r, answered_first

    r, answered_first = asyncio.run(main())
    assert parse_results(r.body, "json").askAnswer is True
    assert answered_first


def test_many_concurrent_async_queries_get_their_own_answers(sparql_executor):
    async def one(i: int) -> tuple[int, int]:
        r = await sparql_executor.aexecute(f"SELECT (({i} * 2) AS ?v) {{}}", accept=None)
        return i, int(next(iter(parse_results(r.body, "json")))[0])

    async def main():
        return await asyncio.gather(*(one(i) for i in range(200)))

    restarts = sparql_executor.stats["restarts"]
    for i, v in asyncio.run(main()):
        assert v == 2 * i
    assert sparql_executor.stats["restarts"] == restarts


def test_cancelled_queries_free_their_workers(tmp_path, sparql_data):
    """The caller has gone: a queued query is skipped, a running one's worker is killed and
    replaced at once (not left to run to the time limit)."""
    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(snap, workers=1, slow_workers=1, timeout_s=5.0, fast_limit_s=3.0) as ex:

        async def main():
            running = asyncio.create_task(ex.aexecute(sparql_data.RUNAWAY, accept=None))
            await asyncio.sleep(0.3)
            queued = asyncio.create_task(ex.aexecute("ASK { ?s ?p ?o }", accept=None))
            await asyncio.sleep(0.1)
            queued.cancel()
            with pytest.raises(asyncio.CancelledError):
                await queued
            assert ex.stats["restarts"] == 0  # the queued one cost no worker
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
            # The runaway's worker is recycled now, not left to run to the fast limit.
            killed = ex.stats["cancelled"], ex.stats["restarts"]
            r = await ex.aexecute("ASK { ?s ?p ?o FILTER(1 > 0) }", accept=None)
            return r, killed

        r, killed = asyncio.run(main())
        assert parse_results(r.body, "json").askAnswer is True
        assert killed == (1, 1)
        assert ex.stats["timeouts"] == 0 and ex.stats["deaths"] == 0


def test_all_workers_busy_means_busy_not_hang(tmp_path, sparql_data):
    """While every worker is taken, a caller waits at most the limit, then gets
    ExecutorBusyError; a worker that comes back serves the next caller."""
    from scalekg.graph.sparql.errors import ExecutorBusyError

    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(snap, workers=1, slow_workers=1, timeout_s=1.0) as ex:
        held = ex.fast.borrow()  # what a runaway query does to the only fast worker
        held.__enter__()
        t = time.monotonic()
        with pytest.raises(ExecutorBusyError) as exc:
            ex.execute("ASK {}", accept=None)
        assert time.monotonic() - t > 0.95  # it waited for the limit (how long after: bench/)
        assert exc.value.limit_s == 1.0

        async def waiting():
            with pytest.raises(ExecutorBusyError):
                await ex.aexecute("ASK {}", accept=None)

        asyncio.run(waiting())
        released = threading.Event()

        def release_later():
            released.set()
            held.__exit__(None, None, None)

        threading.Timer(0.3, release_later).start()
        r = ex.execute("ASK {}", accept=None)
        assert released.is_set()  # the caller waited for the worker and got it when it came back
        assert parse_results(r.body, "json").askAnswer is True


# ---------------------------------------------------------------------------- lanes, clients


def test_a_runaway_client_moves_to_the_slow_lane_and_cheap_queries_stay_fast(tmp_path, sparql_data):
    from scalekg.graph.sparql.errors import TooManyQueriesError

    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(
        snap, workers=2, slow_workers=1, timeout_s=30.0, fast_limit_s=0.3, slow_per_client=1
    ) as ex:

        async def main():
            attack = asyncio.create_task(
                ex.aexecute(sparql_data.RUNAWAY, accept=None, client="attacker")
            )
            for _ in range(1000):  # until it outlives the fast limit and moves
                if ex.stats["moved_to_slow_lane"]:
                    break
                await asyncio.sleep(0.01)
            assert ex.stats["moved_to_slow_lane"] == 1 and ex.gate.is_slow("attacker")
            for i in range(10):  # answered while the runaway still runs on the slow lane
                r = await ex.aexecute(f"ASK {{ FILTER({i} >= 0) }}", accept=None, client="b")
                assert parse_results(r.body, "json").askAnswer is True
                assert not attack.done()
            # The remembered slow client starts on the slow lane, where it has its one query.
            with pytest.raises(TooManyQueriesError):
                await ex.aexecute("ASK { ?s ?p ?o }", accept=None, client="attacker")
            attack.cancel()
            with pytest.raises(asyncio.CancelledError):
                await attack

        asyncio.run(main())
        assert ex.stats["deaths"] == 0


def test_per_client_concurrency_limit(tmp_path, sparql_data):
    from scalekg.graph.sparql.errors import TooManyQueriesError

    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(snap, workers=3, slow_workers=1, timeout_s=2.0, per_client=2) as ex:

        async def main():
            runs = [
                asyncio.create_task(
                    ex.aexecute(
                        f"{sparql_data.RUNAWAY[:-1]} FILTER({i} >= 0) }}", accept=None, client="c"
                    )
                )
                for i in range(2)
            ]
            await asyncio.sleep(0.1)
            with pytest.raises(TooManyQueriesError) as exc:
                await ex.aexecute("ASK {}", accept=None, client="c")
            assert exc.value.limit == 2
            other = await ex.aexecute("ASK {}", accept=None, client="d")  # others are served
            for t in runs:
                t.cancel()
            await asyncio.gather(*runs, return_exceptions=True)
            return other

        assert parse_results(asyncio.run(main()).body, "json").askAnswer is True
        assert ex.stats["clients_refused"] == 1


def test_worker_memory_cap_is_derived_from_the_machine(sparql_executor):
    from scalekg.graph.sparql.admission import (
        MAX_WORKER_MB,
        MIN_WORKER_MB,
        machine_memory_mb,
        worker_memory_mb,
    )

    assert worker_memory_mb(4, machine_mb=24_000) == 3000
    assert worker_memory_mb(4, machine_mb=2_048) == MIN_WORKER_MB
    assert worker_memory_mb(1, machine_mb=64_000) == MAX_WORKER_MB
    expected = worker_memory_mb(sparql_executor.workers + sparql_executor.slow_workers)
    assert sparql_executor.memory_limit_mb == expected
    assert expected * 2 <= max(machine_memory_mb(), 2 * MIN_WORKER_MB * 3)
    if sys.platform.startswith("linux"):
        pid = next(iter(sparql_executor.fast.pids))
        with open(f"/proc/{pid}/limits") as f:
            line = next(x for x in f if x.startswith("Max address space"))
        assert int(line.split()[3]) == expected * 1024 * 1024


def test_slow_lane_yields_the_cpu_and_starved_queries_are_not_runaways(sparql_executor):
    """The slow lane runs at nice 19; a fast-lane query that got little CPU (a busy machine) is
    not moved at the fast limit, one that used its CPU time is."""
    from types import SimpleNamespace

    from scalekg.graph.sparql.executor import SLOW_LANE_NICE
    from scalekg.graph.sparql.pool import WorkerPool

    if sys.platform.startswith("linux"):
        for pool, nice in ((sparql_executor.slow, SLOW_LANE_NICE), (sparql_executor.fast, 0)):
            pid = next(iter(pool.pids))
            with open(f"/proc/{pid}/stat") as f:
                assert int(f.read().rsplit(")", 1)[1].split()[16]) == nice
    used = {"cpu": 0.0}
    worker = SimpleNamespace(cpu_mark=10.0, cpu_seconds=lambda: 10.0 + used["cpu"])
    job = SimpleNamespace(worker=worker, run_s=0.5, deadline=time.monotonic() + 5, extended=False)
    used["cpu"] = 0.05
    assert WorkerPool._starved(job)
    used["cpu"] = 0.4
    assert not WorkerPool._starved(job)
    used["cpu"] = 0.05
    job.extended = True  # only once
    assert not WorkerPool._starved(job)
    job.extended = False
    job.deadline = time.monotonic() - 1  # the time limit has no exception
    used["cpu"] = 0.0
    assert not WorkerPool._starved(job)


# ---------------------------------------------------------------------------- updates


def test_embedded_stores_refuse_updates(sparql_executor):
    """Updates are not applied to embedded stores (they would be lost on restart and diverge
    between workers): the guard refuses them before any worker sees them."""
    assert not hasattr(sparql_executor, "execute_update")
    before = sparql_executor.stats["queries"]
    with pytest.raises(UpdateNotAllowedError):
        sparql_executor.execute("INSERT DATA { kg:x a skg:Capability }", accept=None)
    assert sparql_executor.stats["queries"] == before


# ---------------------------------------------------------------------------- sandbox


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux namespaces")
def test_worker_has_no_network_even_if_the_guard_is_bypassed(sparql_executor):
    """Talk to a worker directly, skipping the guard: SERVICE still reaches nobody."""
    if not sparql_executor.sandboxed:
        pytest.skip("this kernel refuses unprivileged network namespaces")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    q = f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
    with sparql_executor.fast.borrow() as worker:
        request = ("query", q, None, None, True, None, None, "application/sparql-results+json", 10)
        worker.chan.send(pickle.dumps(request), time.monotonic() + 5)
        reply, _cpu = worker.chan.recv(time.monotonic() + 5)
    assert reply[0] == "error"
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


# ---------------------------------------------------------------------------- answer cache


def test_answers_are_cached(tmp_path, sparql_data):
    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(snap, workers=1, timeout_s=5) as ex:
        q = "SELECT ?c WHERE { ?c skg:mitigates kg:premature-scaling }"
        first = ex.execute(q, accept=None)
        second = ex.execute(q, accept=None)
        assert not first.cached and second.cached and second.body == first.body
        assert ex.stats["cache_hits"] == 1 and ex.stats["queries"] == 1
        # Another format or dataset is another answer.
        assert not ex.execute(q, accept="text/csv").cached
        assert not ex.execute(q, accept=None, default_graph_uris=[DATA_GRAPH]).cached
        # Non-deterministic functions are never cached.
        now = "SELECT (NOW() AS ?t) (STRUUID() AS ?u) {}"
        assert ex.execute(now, accept=None).body != ex.execute(now, accept=None).body


def test_cache_can_be_disabled(tmp_path, sparql_data):
    snap = sparql_data.write_snapshot(tmp_path / "s.nq")
    with QueryExecutor(snap, workers=1, cache_bytes=0) as ex:
        q = "ASK {}"
        assert not ex.execute(q, accept=None).cached
        assert not ex.execute(q, accept=None).cached
        assert ex.stats["queries"] == 2


def test_closed_executor_refuses(tmp_path, sparql_data):
    ex = QueryExecutor(sparql_data.write_snapshot(tmp_path / "s.nq"), workers=1)
    ex.close()
    with pytest.raises(QueryExecutionError):
        ex.execute("ASK {}", accept=None)


# ---------------------------------------------------------------------------- shutdown race


def _replacement_blocked_at(pool, step: str):
    """Make the replacement thread stop at ``step`` (``_start`` or ``_wait_ready``) until the
    test lets it go; report the thread and the worker it started."""
    reached, go_on = threading.Event(), threading.Event()
    seen: dict = {}
    original = getattr(pool, step)

    def blocked(*args):
        seen["thread"] = threading.current_thread()
        if args:
            seen["worker"] = args[0]
        reached.set()
        go_on.wait(30)
        return original(*args)

    setattr(pool, step, blocked)
    return reached, go_on, seen


@pytest.mark.parametrize("step", ["_start", "_wait_ready"])
def test_close_while_a_worker_is_being_replaced(tmp_path, sparql_data, caplog, step):
    """close() racing the replacement of a killed worker: no error logged, no hang, no orphan.

    ``_start``: the replacement would fork after close() (the spawner is gone);
    ``_wait_ready``: the new worker is up but not ready when close() runs."""
    ex = QueryExecutor(
        sparql_data.write_snapshot(tmp_path / "s.nq"), workers=1, slow_workers=1, timeout_s=0.5
    )
    reached, go_on, seen = _replacement_blocked_at(ex.fast, step)
    with pytest.raises(QueryTimeoutError):
        ex.execute(sparql_data.RUNAWAY, accept=None)  # kills the worker: a replacement starts
    assert reached.wait(30), "the replacement never started"
    ex.close()
    go_on.set()
    seen["thread"].join(30)
    assert not seen["thread"].is_alive(), "the replacement thread hangs after close()"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    if "worker" in seen:  # the worker that was starting when close() ran is gone too
        assert seen["worker"].proc.poll() is not None
    assert not ex.fast._all and not ex.fast._idle
    with pytest.raises(QueryExecutionError):
        ex.execute("ASK {}", accept=None)


def test_close_while_a_query_is_being_sent(tmp_path, sparql_data):
    """close() between a caller taking a worker and sending its query: a QueryExecutionError
    that says so, not a raw OSError from the closed socket."""
    ex = QueryExecutor(sparql_data.write_snapshot(tmp_path / "s.nq"), workers=1)
    reached, go_on = threading.Event(), threading.Event()
    original = ex.fast._dispatch

    def blocked(*args):
        reached.set()
        go_on.wait(30)
        return original(*args)

    ex.fast._dispatch = blocked
    outcome: list[BaseException] = []

    def caller():
        try:
            ex.execute("ASK { ?s ?p ?o }", accept=None)
        except BaseException as exc:
            outcome.append(exc)

    th = threading.Thread(target=caller)
    th.start()
    assert reached.wait(30)
    ex.close()
    go_on.set()
    th.join(30)
    assert not th.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], QueryExecutionError), outcome
    assert "closed" in str(outcome[0])
