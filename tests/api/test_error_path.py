"""One error path: every 4xx/5xx of every router has the body ``{error, message, ...}``, a 405 lists
every method of its path in ``Allow``, and a browser asking for a page gets the same error as HTML
(issue 11 item 7, issue 13 item 3)."""

import json

import pytest

from scalekg.api.error_shape import RETRY_AFTER_S, error_body
from scalekg.api.errors import to_response
from scalekg.graph.sparql.errors import ExecutorBusyError, TooManyQueriesError

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def assert_error_shape(r, status: int) -> dict:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    body = r.json()
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["message"], str) and body["message"], body
    assert "detail" not in body or isinstance(body["detail"], list), body
    return body


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/sparql", "GET, HEAD, POST"),
        ("PUT", "/sparql", "GET, HEAD, POST"),
        ("DELETE", "/page/premature-scaling", "GET, HEAD"),
        ("POST", "/id/premature-scaling", "GET, HEAD"),
        ("DELETE", "/api/assessments", "GET, POST"),
        ("POST", "/api/stats", "GET"),
    ],
)
def test_405_lists_every_method_of_the_path(client, method, path, allow):
    r = client.request(method, path, headers={"Accept": "application/json"})
    body = assert_error_shape(r, 405)
    assert r.headers["allow"] == allow
    assert body["allowed"] == allow.split(", ")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/no/such/route", {}, 404),
        ("GET", "/api/assessments/0123456789abcdef", {}, 404),
        ("GET", "/api/concepts/qqqqqqqqqq-zzzz", {}, 404),
        ("GET", "/graph.json?depth=x", {}, 422),
        ("GET", "/graph.json?focus=qqqqqqqqqqq", {}, 404),
        ("GET", "/graph/paths.json?from=premature-scaling", {}, 422),
        ("GET", "/graph/static/nope.js", {}, 404),
        ("GET", "/api/concepts?limit=-5", {}, 422),
        ("GET", "/sparql?query=SELEC", {}, 400),
        ("POST", "/sparql", {"content": b"x", "headers": {"Content-Type": "text/plain"}}, 415),
        (
            "POST",
            "/api/assessments",
            {"content": b"<xml/>", "headers": {"Content-Type": "application/xml"}},
            415,
        ),
        (
            "POST",
            "/api/assessments",
            {"content": b'{"organisation": 5}', "headers": {"Content-Type": "application/json"}},
            422,
        ),
    ],
)
def test_every_router_answers_errors_in_one_shape(client, method, path, kwargs, status):
    r = client.request(method, path, **kwargs)
    assert_error_shape(r, status)


def test_graph_json_errors_keep_the_parameter_at_fault(client):
    body = assert_error_shape(client.get("/graph.json?depth=x"), 422)
    assert body["param"] == "depth" and body["error"] == "invalid parameter"
    body = assert_error_shape(client.get("/graph.json?focus=qqqqqqqqqqq"), 404)
    assert body["param"] == "focus" and "suggestions" in body


def test_assessment_422_points_at_fields_in_the_common_shape(client):
    r = client.post(
        "/api/assessments",
        content=b'{"organisation": "Acme", "date": "2024-01-01", "capabilities": 3}',
        headers={"Content-Type": "application/json"},
    )
    body = assert_error_shape(r, 422)
    assert body["error"] == "invalid assessment"
    assert body["detail"] and all("loc" in d and "msg" in d for d in body["detail"])
    assert body["detail"][0]["loc"] in body["message"]


def test_a_browser_gets_the_same_error_as_a_page(client):
    r = client.get("/page/qqqqqqqqqq-zzzz", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    as_json = client.get("/page/qqqqqqqqqq-zzzz", headers={"Accept": "application/json"}).json()
    assert as_json["message"].replace("'", "&#39;") in r.text
    r = client.request("DELETE", "/graph", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.headers["content-type"].startswith("text/html")


def test_html_error_pages_escape_what_the_client_sent(client):
    r = client.get("/page/<script>alert(1)<%2Fscript>", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404
    assert "<script>alert" not in r.text


def test_api_paths_answer_json_even_to_a_browser(client):
    r = client.get("/api/concepts/qqqqqqqqqq-zzzz", headers={"Accept": BROWSER_ACCEPT})
    assert_error_shape(r, 404)


def test_one_retry_after_for_every_try_again_answer():
    from scalekg.graph.backends.base import StoreUnavailableError

    for exc in (
        StoreUnavailableError("down"),
        ExecutorBusyError("busy", 10.0),
        TooManyQueriesError("too many", 2),
    ):
        response = to_response(exc)
        assert response.headers["Retry-After"] == str(RETRY_AFTER_S), exc
        assert set(json.loads(response.body)) >= {"error", "message"}


def test_the_cli_builds_its_json_errors_with_the_same_shape(tmp_path):
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "scalekg.api.cli", "ask", "what mitigates qqqqzzzz xyzzy", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    body = json.loads(run.stdout)
    assert list(body)[:2] == ["error", "message"]
    assert list(error_body("e", "m", x=1)) == ["error", "message", "x"]


def test_errors_install_is_the_app_wide_path(app):
    """``ReadRoute`` no longer answers errors itself: the app-wide handlers do."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    assert RequestValidationError in app.exception_handlers
    assert HTTPException in app.exception_handlers
    assert Exception in app.exception_handlers
