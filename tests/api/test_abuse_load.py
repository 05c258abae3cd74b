"""Load with abuse (issue 11), bounded and on 127.0.0.1: 30 s of normal SPARQL traffic while three
other clients send runaways, runaways they hang up on, nesting bombs and half requests.

Correctness only: every normal query is answered (no 5xx, no error at all), no worker dies, the
server stays up, and the abuse was really sent and refused or stopped. The latency figures are a
benchmark (``python -m bench.abuse --write`` puts them in docs/benchmarks.md); the shared test
machine decides them more than the code does.
"""

import os

import pytest

from bench.abuse import run

pytestmark = pytest.mark.soak

DURATION_S = float(os.environ.get("SCALEKG_ABUSE_SECONDS", "30"))


def test_normal_traffic_survives_abuse(start_server):
    server = start_server(env={"SCALEKG_QUERY_TIMEOUT": "5"})
    report = run(server.url, DURATION_S)
    summary = report.summary()
    print(summary)
    assert server.proc.poll() is None, "the server died"
    assert summary["normal_requests"] > 0
    assert set(summary["normal_statuses"]) == {200}, summary["normal_statuses"]
    assert summary["worker_deaths"] == 0, summary
    abuse = summary["abuse_statuses"]
    assert abuse.get(400, 0) > 0  # nesting bombs were sent, and refused by the guard
    assert summary["dropped_connections"] > 0
    assert not [s for s in abuse if s >= 500 and s not in (503, 504)], abuse  # busy, timeout
    assert summary["worker_restarts"] > 0  # runaways were stopped by killing their workers
