"""Safety of ``/sparql`` against a real uvicorn server on 127.0.0.1.

1. SERVICE, FROM of a URL or a file, and LOAD are refused with 400, and a socket listening on
   the URL they name receives no connection at all.
2. A runaway query is stopped at the time limit (2 s here) while a trivial query on another
   connection is answered at once; afterwards the endpoint still answers.
3. The row cap truncates and says so in the headers.
"""

import socket
import threading
import time

import httpx
import pytest

pytestmark = pytest.mark.server

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that records any connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(1.5)
    yield sock
    sock.close()


def assert_no_connection(sock: socket.socket) -> None:
    try:
        conn, peer = sock.accept()
    except TimeoutError:
        return
    conn.close()
    pytest.fail(f"the server connected to the listener from {peer}")


def forbidden_requests(port: int, token: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    return [
        {"params": {"query": f"SELECT * WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}"}},
        {"params": {"query": f"select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}"}},
        {"params": {"query": f"PREFIX : <{url}/> SELECT * {{ SERVICE:x {{ ?s ?p ?o }} }}"}},
        {"params": {"query": f"SELECT * {{ SERVICESILENT <{url}/> {{ ?s ?p ?o }} }}"}},
        {"params": {"query": f"SELECT * FROM <{url}/x> WHERE {{ ?s ?p ?o }}"}},
        {"params": {"query": f"SELECT * FROM NAMED <{url}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}},
        {"params": {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}},
        {"params": {"query": "ASK {}", "default-graph-uri": f"{url}/x"}},
        {"params": {"query": "ASK {}", "named-graph-uri": "file:///etc/passwd"}},
        {
            "method": "POST",
            "content": f"ASK {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}",
            "headers": {"Content-Type": "application/sparql-query"},
        },
        {
            "method": "POST",
            "content": f"LOAD <{url}/x>",
            "headers": {"Content-Type": "application/sparql-update", **auth},
        },
        {
            "method": "POST",
            "content": "update=" + f"LOAD <{url}/x> INTO GRAPH <http://g/>".replace(" ", "+"),
            "headers": {"Content-Type": FORM, **auth},
        },
        {
            "method": "POST",
            "content": "LOAD <file:///etc/passwd>",
            "headers": {"Content-Type": "application/sparql-update", **auth},
        },
        {
            "method": "POST",
            "content": f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}",
            "headers": {"Content-Type": "application/sparql-update", **auth},
        },
    ]


def test_service_from_load_are_refused_and_nothing_is_fetched(
    sparql_server, listener, sparql_http, sparql_consts
):
    port = listener.getsockname()[1]
    requests = forbidden_requests(port, sparql_consts.TOKEN)
    for req in requests:
        method = req.pop("method", "GET")
        r = sparql_http.request(method, sparql_server.url, **req)
        assert r.status_code == 400, (req, r.text)
        assert r.json()["error"] == "forbidden", r.text
    assert_no_connection(listener)
    # The updates with a valid token were refused for LOAD/SERVICE, not for the token; a clean
    # update is refused too, for another reason: an embedded store takes no updates.
    ok = sparql_http.post(
        sparql_server.url,
        content="INSERT DATA { GRAPH <http://g/> { <http://a> <http://b> <http://c> } }",
        headers={
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {sparql_consts.TOKEN}",
        },
    )
    assert ok.status_code == 403 and "remote store" in ok.json()["message"], ok.text


def test_runaway_is_stopped_while_others_are_served(sparql_server, sparql_consts):
    outcome = {}

    def runaway():
        # From another client (address): a client with a runaway in flight has its own later
        # queries sent to the slow lane (graph/sparql/admission.py).
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(timeout=30, transport=transport) as c:
            t = time.monotonic()
            r = c.get(sparql_server.url, params={"query": sparql_consts.RUNAWAY})
            outcome["elapsed"] = time.monotonic() - t
            outcome["response"] = r

    th = threading.Thread(target=runaway)
    th.start()
    time.sleep(0.3)
    latencies = []
    with httpx.Client(timeout=30) as other:  # another connection
        for i in range(5):  # a different query each time: no answer comes from the cache
            t = time.monotonic()
            query = f"ASK {{ ?s ?p ?o FILTER(?o != {i}) }}"
            r = other.get(sparql_server.url, params={"query": query})
            latencies.append(time.monotonic() - t)
            assert r.status_code == 200 and r.json()["boolean"] is True
        th.join(15)
        assert not th.is_alive()
        assert max(latencies) < 0.5, latencies  # well under the 2 s limit
        r = outcome["response"]
        assert r.status_code == 504
        body = r.json()
        assert body["error"] == "timeout" and body["limit_s"] == 2.0 and body["message"]
        assert 1.9 < outcome["elapsed"] < 4.0
        # After the timeout the endpoint still answers, on both workers.
        for i in range(6):
            t = time.monotonic()
            query = f"SELECT (COUNT(*) AS ?n) {{ FILTER({i} >= 0) }}"
            r = other.get(sparql_server.url, params={"query": query})
            assert r.status_code == 200 and time.monotonic() - t < 1.5
    stats = sparql_server.app.state.scalekg.executor.stats
    assert stats["timeouts"] >= 1


def test_cartesian_product_with_order_by_is_stopped(sparql_server, sparql_http):
    q = (
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r } "
        "ORDER BY ?a ?f ?o"
    )
    t = time.monotonic()
    r = sparql_http.get(sparql_server.url, params={"query": q})
    assert r.status_code == 504 and r.json()["error"] == "timeout"
    assert time.monotonic() - t < 4.0
    assert sparql_http.get(sparql_server.url, params={"query": "ASK {}"}).status_code == 200


def test_row_cap_truncates_and_sets_headers(sparql_server, sparql_http, sparql_consts):
    r = sparql_http.get(sparql_server.url, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["x-scalekg-truncated"] == "true"
    assert r.headers["x-scalekg-row-limit"] == "5"
    assert len(r.json()["results"]["bindings"]) == 5
    assert len(sparql_consts.QUADS) > 5
    r = sparql_http.get(sparql_server.url, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert "x-scalekg-truncated" not in r.headers
    assert len(r.json()["results"]["bindings"]) == 5
    r = sparql_http.get(
        sparql_server.url,
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert r.headers["x-scalekg-truncated"] == "true"
    assert len([line for line in r.text.splitlines() if line.strip()]) == 5
