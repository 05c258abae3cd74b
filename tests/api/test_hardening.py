"""Issue 11: no bad input reaches a 500, no cheap request stalls the endpoint, no website writes
assessments. Each test reproduces one defect of the issue (numbered as there). Where the defect
needs a real server (body sizes, disconnects, slow connections, concurrency), the test runs
against ``scalekg serve`` on 127.0.0.1."""

import json
import socket
import threading
import time
import xml.dom.minidom

import httpx
import pytest
import yaml

from scalekg.graph.settings import Settings

SPARQL_QUERY = "application/sparql-query"
NESTING_BOMB = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o " + "} " * 5000
RUNAWAY = "SELECT (COUNT(*) AS ?n) {?a ?b ?c . ?d ?e ?f . ?g ?h ?i}"
TOKEN = "hardening-token"


def error_of(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert body["error"] and body["message"], body
    return body


@pytest.fixture(scope="module")
def server(start_server):
    """A real server with small limits, so that the tests are quick."""
    return start_server(
        env={
            "SCALEKG_MAX_BODY_BYTES": "65536",
            "SCALEKG_QUERY_TIMEOUT": "3",
            "SCALEKG_QUERY_FAST_LIMIT": "0.3",
            "SCALEKG_HEADER_TIMEOUT": "1",
            "SCALEKG_KEEP_ALIVE_TIMEOUT": "1",
            # One client may hold at most 2 of the 3 fast workers: one stays free for others.
            "SCALEKG_QUERY_WORKERS": "3",
            "SCALEKG_SPARQL_CLIENT_LIMIT": "2",
        }
    )


def sparql_stats(server) -> dict:
    return httpx.get(server.url + "/health", timeout=10).json()["sparql"]


def client_from(address: str) -> httpx.Client:
    """A client whose connections come from another loopback address (another client)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


# ---------------------------------------------------------------------------- 1. assessments


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"headcount": ' + "9" * 5000 + "}"),
        ("application/json", "[" * 20000 + "]" * 20000),
        ("application/yaml", "headcount: " + "9" * 5000),
        ("application/yaml", "a: " + "[" * 20000 + "]" * 20000),
        ("application/yaml", "a: &a [1, 2]\nb: [*a, *a]"),
    ],
)
def test_1_bad_assessment_documents_are_422_not_500(server, content_type, body):
    r = httpx.post(
        server.url + "/api/assessments",
        content=body.encode(),
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert error_of(r, 422)["detail"][0]["loc"] == "(document)"
    assert len(r.content) < 2000  # a short message, not the input


# ---------------------------------------------------------------------------- 2. body limit


def test_2_sparql_request_bodies_are_limited(server):
    big = b"SELECT * {} #" + b"a" * 300_000
    r = httpx.post(server.url + "/sparql", content=big, headers={"Content-Type": SPARQL_QUERY})
    assert error_of(r, 413)["limit"] == 65536

    def chunks():  # no Content-Length: the limit applies while the body streams in
        for _ in range(100):
            yield b"a" * 10_000

    r = httpx.post(server.url + "/sparql", content=chunks(), headers={"Content-Type": SPARQL_QUERY})
    error_of(r, 413)
    r = httpx.get(server.url + "/sparql", params={"query": "ASK {}"})
    assert r.status_code == 200


# ---------------------------------------------------------------------------- 3. nesting bomb


def test_3_a_nesting_bomb_is_refused_before_any_worker_sees_it(server):
    before = sparql_stats(server)

    def bombard(results: list) -> None:
        with httpx.Client(timeout=30) as c:
            for _ in range(10):
                r = c.post(
                    server.url + "/sparql",
                    content=NESTING_BOMB.encode(),
                    headers={"Content-Type": SPARQL_QUERY},
                )
                results.append(r.status_code)

    results: list[int] = []
    threads = [threading.Thread(target=bombard, args=(results,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [400] * 40
    after = sparql_stats(server)
    assert after["deaths"] == before["deaths"] and after["restarts"] == before["restarts"]
    assert after["queries"] == before["queries"]  # no worker was asked
    r = httpx.post(
        server.url + "/sparql",
        content=NESTING_BOMB.encode(),
        headers={"Content-Type": SPARQL_QUERY},
    )
    assert error_of(r, 400)["error"] == "too_complex"


# ---------------------------------------------------------------------------- 4. runaways


def test_4_runaways_whose_clients_hang_up_stop_at_once(server):
    before = sparql_stats(server)
    started = time.monotonic()

    def hang_up(i: int) -> None:
        with client_from(f"127.0.0.{10 + i}") as c, pytest.raises(httpx.TimeoutException):
            c.get(server.url + "/sparql", params={"query": f"{RUNAWAY} #{i}"}, timeout=0.5)

    threads = [threading.Thread(target=hang_up, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    time.sleep(0.3)
    latencies = []
    for i in range(20):
        t0 = time.monotonic()
        r = httpx.get(server.url + "/sparql", params={"query": f"ASK {{ ?s ?p ?o }} #{i}"})
        latencies.append(time.monotonic() - t0)
        assert r.status_code == 200
    assert sorted(latencies)[len(latencies) // 2] < 0.2, latencies
    time.sleep(max(0.0, started + 3.5 - time.monotonic()))  # past the 3 s time limit
    after = sparql_stats(server)
    assert after["cancelled"] >= before["cancelled"] + 1  # stopped when the client left ...
    assert after["timeouts"] == before["timeouts"]  # ... so none ran to the time limit
    assert after["deaths"] == before["deaths"]


def test_4_per_client_limit_is_a_429_with_retry_after(server):
    statuses: list[int] = []
    headers: list[str] = []

    def run(i: int) -> None:
        with client_from("127.0.0.4") as c:
            r = c.get(server.url + "/sparql", params={"query": f"{RUNAWAY} #{i}-limit"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                headers.append(r.headers.get("retry-after", ""))
                assert r.json()["error"] == "too_many_queries"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    # Another client is not affected while 127.0.0.4 is refused.
    with client_from("127.0.0.5") as other:
        r = other.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o } #other"})
        assert r.status_code == 200
    for t in threads:
        t.join(30)
    assert 429 in statuses, statuses
    assert not [s for s in statuses if s >= 500 and s != 504], statuses
    assert headers and all(h == headers[0] and int(h) > 0 for h in headers)


# ---------------------------------------------------------------------------- 5. CSRF / CORS


def test_5_a_website_cannot_write_or_read_assessments(server):
    doc = json.dumps({"organisation": "X", "date": "2024-01-01", "stage": "early",
                      "headcount": 10, "capabilities": []})  # fmt: skip
    # A "simple" cross-site POST (text/plain, no preflight) is refused as a media type.
    r = httpx.post(
        server.url + "/api/assessments",
        content=doc,
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )
    assert r.status_code in (403, 415)
    r = httpx.post(
        server.url + "/api/assessments",
        content=doc,
        headers={"Content-Type": "text/plain"},
    )
    error_of(r, 415)
    # JSON from another origin (after a preflight a browser would not pass) is refused too.
    r = httpx.post(
        server.url + "/api/assessments",
        content=doc,
        headers={"Content-Type": "application/json", "Origin": "http://evil.example"},
    )
    error_of(r, 403)
    r = httpx.post(
        server.url + "/api/assessments",
        content=doc,
        headers={"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    )
    error_of(r, 403)
    # No CORS on the assessment routes, not even to a preflight.
    r = httpx.get(server.url + "/api/assessments", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = httpx.options(
        server.url + "/api/assessments",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert "access-control-allow-origin" not in r.headers
    # The read-only routes keep their wildcard, without credentials.
    r = httpx.get(server.url + "/api/stats", headers={"Origin": "http://evil.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    # The server's own pages may write (422 here: the document has no capability).
    r = httpx.post(
        server.url + "/api/assessments",
        content=doc,
        headers={"Content-Type": "application/json", "Origin": server.url},
    )
    error_of(r, 422)


@pytest.mark.parametrize(
    ("settings", "needs_token"),
    [
        ({}, False),
        ({"behind_proxy": True}, True),
        ({"host": "0.0.0.0"}, True),
    ],
)
def test_5_writes_need_the_token_off_loopback_and_behind_a_proxy(snapshot, settings, needs_token):
    from fastapi.testclient import TestClient

    from scalekg.api.app import create_app

    base = {"query_workers": 1, "query_slow_workers": 1, "update_token": TOKEN}
    app = create_app(Settings(**base, **settings))
    body = yaml.safe_dump({"organisation": "X"}).encode()
    with TestClient(app) as c:
        r = c.post("/api/assessments", content=body, headers={"Content-Type": "application/yaml"})
        assert r.status_code == (401 if needs_token else 422), r.text
        r = c.post(
            "/api/assessments",
            content=body,
            headers={"Content-Type": "application/yaml", "Authorization": f"Bearer {TOKEN}"},
        )
        assert r.status_code == 422  # past the token check, to validation
    app.state.scalekg.executor.close()


# ---------------------------------------------------------------------------- 8. XML


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ('SELECT ?x { BIND("a\\u0001b\\uFFFEc\\u0000d" AS ?x) }', "application/sparql-results+xml"),
        (
            'CONSTRUCT { <http://a> <http://b> ?x } { BIND("a\\u0001\\uFFFF" AS ?x) }',
            "application/rdf+xml",
        ),
    ],
)
def test_8_xml_results_are_always_well_formed(server, query, accept):
    r = httpx.get(server.url + "/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200
    dom = xml.dom.minidom.parseString(r.content)  # raises on a malformed document
    assert "\ufffd" in dom.documentElement.toxml()


def test_13_tsv_writes_triple_terms_in_sparql_12_syntax(server):
    r = httpx.get(
        server.url + "/sparql",
        params={"query": "SELECT ?t { BIND(TRIPLE(<http://a>, <http://b>, <http://c>) AS ?t) }"},
        headers={"Accept": "text/tab-separated-values"},
    )
    assert r.status_code == 200
    assert r.text.splitlines()[1] == "<<( <http://a> <http://b> <http://c> )>>"


# ---------------------------------------------------------------------------- 10. UTF-8


def test_10_invalid_utf8_in_a_get_query_is_a_400(server):
    r = httpx.get(server.url + "/sparql?query=SELECT%20*%20%7B%7D%20%23%FF")
    assert error_of(r, 400)["error"] == "protocol"
    r = httpx.post(
        server.url + "/sparql",
        content=b"SELECT * {} #\xff",
        headers={"Content-Type": SPARQL_QUERY},
    )
    error_of(r, 400)


# ---------------------------------------------------------------------------- 11. Host


def test_11_the_host_header_is_never_reflected(server):
    r = httpx.get(server.url + "/sparql", headers={"Host": "evil.example", "Accept": "text/turtle"})
    assert r.status_code == 200
    assert "evil.example" not in r.text and f"<{server.url}/sparql>" in r.text
    r = httpx.get(server.url + "/graph/", headers={"Host": "evil.example"})
    assert r.status_code == 307 and r.headers["location"] == "/graph"


def test_11_public_base_url_names_the_endpoint(snapshot):
    from fastapi.testclient import TestClient

    from scalekg.api.app import create_app

    settings = Settings(
        query_workers=1, query_slow_workers=1, public_base_url="https://kg.example.org/"
    )
    app = create_app(settings)
    with TestClient(app) as c:
        r = c.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
        assert "<https://kg.example.org/sparql>" in r.text and "evil.example" not in r.text
    app.state.scalekg.executor.close()


# ---------------------------------------------------------------------------- 12. slow clients


def test_12_idle_and_slowloris_connections_are_closed(server):
    port = int(server.url.rsplit(":", 1)[1])

    def closed_within(sock: socket.socket, seconds: float) -> bool:
        """True when the server closes the connection within ``seconds`` (data is skipped)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                if sock.recv(65536) == b"":
                    return True
            except TimeoutError:
                return False
            except ConnectionResetError:
                return True
        return False

    idle = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    assert closed_within(idle, 5)
    assert time.monotonic() - t0 < 3
    idle.close()

    slow = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    closed = False
    for part in (b"GET /health HTTP/1.1\r\n", b"Host: x\r\n", b"X-A: 1\r\n", b"X-B: 2\r\n"):
        try:
            slow.sendall(part)
        except OSError:
            closed = True
            break
        if closed_within(slow, 0.6):
            closed = True
            break
    closed = closed or closed_within(slow, 3)
    assert closed and time.monotonic() - t0 < 4
    slow.close()

    kept = socket.create_connection(("127.0.0.1", port))
    kept.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    kept.settimeout(5)
    assert kept.recv(12) == b"HTTP/1.1 200"
    t0 = time.monotonic()
    assert closed_within(kept, 4)  # keep-alive timeout: 1 s
    assert time.monotonic() - t0 < 3
    kept.close()


# ---------------------------------------------------------------------------- 13. minor


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organisation", "Acme\x00Corp"),
        ("date", "9999-12-31"),
        ("mechanisms", [{"mechanism": "x", "in_place": "yes"}]),
        ("signals", [{"signal": "x", "observed": "no"}]),
    ],
)
def test_13_implausible_fields_are_refused(client, field, value):
    doc = {"organisation": "Acme", "date": "2024-01-01", "stage": "early", "headcount": 10,
           "capabilities": [{"capability": "x", "depth": 1, "width": 1}], field: value}  # fmt: skip
    r = client.post(
        "/api/assessments", content=json.dumps(doc), headers={"Content-Type": "application/json"}
    )
    body = error_of(r, 422)
    assert any(d["loc"].startswith(field) for d in body["detail"]), body


def test_13_a_422_quotes_only_an_excerpt_of_the_input(client):
    doc = {"organisation": "Acme", "date": "2024-01-01", "stage": "x" * 100_000, "headcount": 10,
           "capabilities": [{"capability": "x", "depth": "y" * 100_000, "width": 1}]}  # fmt: skip
    r = client.post(
        "/api/assessments", content=json.dumps(doc), headers={"Content-Type": "application/json"}
    )
    error_of(r, 422)
    assert len(r.content) < 3000


def test_5_behind_a_proxy_the_client_is_the_last_forwarded_hop():
    from types import SimpleNamespace

    from scalekg.api.security import client_id, own_origins

    def request(xff: str | None):
        headers = {"x-forwarded-for": xff} if xff is not None else {}
        return SimpleNamespace(headers=headers, client=SimpleNamespace(host="10.0.0.1"))

    proxied = Settings(behind_proxy=True)
    direct = Settings()
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    assert client_id(request("6.6.6.6, 203.0.113.7"), proxied) == "203.0.113.7"
    assert client_id(request(None), proxied) == "10.0.0.1"
    assert client_id(request("6.6.6.6"), direct) == "10.0.0.1"  # no proxy: the header is ignored
    assert "http://127.0.0.1:8000" in own_origins(direct)
    assert "http://localhost:8000" in own_origins(direct)
    public = Settings(host="0.0.0.0", public_base_url="https://kg.example.org/")
    assert own_origins(public) == {"https://kg.example.org"}
