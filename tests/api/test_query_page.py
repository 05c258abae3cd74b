"""``/query``: the SPARQL editor page, its example queries (each must run), and its JS."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest

from bench.chromium import CHROMIUM, FLAGS
from scalekg.api.routers.query_page import examples, read_example
from scalekg.graph.resources import example_queries

EXAMPLES = example_queries()
JS = Path(__file__).resolve().parents[2] / "api" / "static" / "query.js"


def test_there_are_five_to_eight_examples():
    assert 5 <= len(EXAMPLES) <= 8


def test_page_offers_every_example(client):
    r = client.get("/query")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    for path in EXAMPLES:
        ex = read_example(path)
        assert f'<option value="{ex.name}"' in html
        assert ex.title and ex.description
    embedded = re.search(
        r'<script id="examples-data" type="application/json">(.*?)</script>', html, re.S
    )
    data = json.loads(embedded.group(1))
    assert [d["name"] for d in data] == [p.stem for p in EXAMPLES]
    assert data[0]["query"] == EXAMPLES[0].read_text(encoding="utf-8").strip() + "\n"


def test_page_works_offline(client):
    r = client.get("/query")
    html = r.text
    assert '<link rel="icon" href="data:,">' in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert '<script src="/assets/query.js"></script>' in html
    assert re.search(r'<script src="/query/static/yasgui\.min\.js\?v=[0-9a-f]{12}"></script>', html)
    assert "<textarea" in html and 'id="query"' in html
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp and "connect-src 'self'" in csp
    for asset in ("/assets/query.js", "/assets/style.css", "/assets/query.css"):
        a = client.get(asset)
        assert a.status_code == 200
        assert "cdn" not in a.text.lower()
        assert not re.search(r"""(fetch\(|url\(|import )\s*["']?(https?:)?//""", a.text)


def test_first_example_is_the_default(client):
    html = client.get("/query").text
    first = read_example(EXAMPLES[0])
    assert f'<option value="{first.name}" selected>' in html


def test_query_parameter_prefills_the_editor(client):
    q = "SELECT ?s WHERE { ?s a <https://w3id.org/scalekg/ontology#Value> } LIMIT 3"
    html = client.get("/query", params={"query": q}).text
    assert (
        "SELECT ?s WHERE { ?s a &lt;https://w3id.org/scalekg/ontology#Value&gt; } LIMIT 3" in html
    )
    assert '<option value="" selected' not in html  # "your own query": nothing selected
    assert " selected>" not in html.split('id="example"', 1)[1].split("</select>", 1)[0]


def test_example_parameter_selects_an_example(client):
    name = EXAMPLES[2].stem
    html = client.get("/query", params={"example": name}).text
    assert f'<option value="{name}" selected>' in html


def test_query_parameter_is_bounded(client):
    r = client.get("/query", params={"query": "x" * 20001})
    assert r.status_code == 422
    assert r.json()["message"]


def test_js_writes_data_with_text_content_only():
    js = JS.read_text(encoding="utf-8")
    assert "textContent" in js
    assert not re.search(r"\.innerHTML\s*=|outerHTML|insertAdjacentHTML|document\.write", js)
    assert "application/sparql-results+json" in js
    assert "fetch(" in js
    # The only HTML strings are the table cells YASR inserts: every value goes through escapeHtml.
    for method in ("formatLiteral", "getUriLinkFromBinding"):
        body = js.split(method + "(", 1)[1].split("\n    }\n", 1)[0]
        assert "escapeHtml(" in body
        assert not re.search(r"\+ (literal|binding|iri)\b(?!\[)", body), body


# -- every example query runs ------------------------------------------------------------------


def _has_sparql(client) -> bool:
    r = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}
    )
    return r.status_code == 200


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_query_runs_on_the_store(app, path):
    store = app.state.scalekg.store
    result = store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    rows = list(result)
    assert rows, f"{path.name} returns no rows"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_query_runs_on_the_endpoint(client, path):
    assert _has_sparql(client), "/sparql must be installed in the app"
    r = client.post(
        "/sparql",
        data={"query": path.read_text(encoding="utf-8")},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"], path.name


def test_examples_are_cached_and_parsed_once():
    assert examples() is examples()


# -- the page in a real browser ----------------------------------------------------------------


def _store_results(store: ox.Store, query: str) -> bytes:
    result = store.query(query, use_default_graph_as_union=True)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


@pytest.fixture
def page(live_server):
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("no Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run does)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page()
        outside: list[str] = []

        def only_loopback(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        pg.route("**/*", only_loopback)
        pg.outside = outside
        yield pg
        browser.close()


@pytest.mark.server
@pytest.mark.browser
def test_browser_runs_an_example_and_renders_a_table(page, live_server, app):
    import httpx

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    ready = httpx.get(live_server.url + "/sparql", params={"query": "ASK {}"}).status_code == 200
    if not ready:  # the endpoint is not installed yet: answer /sparql from the store

        def fulfil(route):
            query = parse_qs(route.request.post_data or "")["query"][0]
            route.fulfill(
                status=200,
                content_type="application/sparql-results+json",
                body=_store_results(app.state.scalekg.store, query),
            )

        page.route(live_server.url + "/sparql", fulfil)
    page.goto(live_server.url + "/query?example=" + EXAMPLES[0].stem)
    page.click("#run")
    page.wait_for_selector("#results table tbody tr", timeout=10_000)
    rows = page.locator("#results table tbody tr").count()
    assert rows > 0
    assert "row" in page.locator("#status").text_content()
    headers = page.locator("#results table thead th").all_text_contents()
    assert headers[1] == "mitigator"  # after YASR's row-number column
    page.select_option("#example", EXAMPLES[1].stem)
    assert "influencesPositively" in page.locator("#query").input_value()
    assert errors == []
    assert page.outside == []


@pytest.mark.server
@pytest.mark.browser
def test_browser_renders_hostile_results_as_text(page, live_server):
    hostile = {
        "head": {"vars": ["a", "b"]},
        "results": {
            "bindings": [
                {
                    "a": {"type": "literal", "value": "<img src=x onerror=window.pwned=1>"},
                    "b": {"type": "uri", "value": "javascript:window.pwned=2"},
                }
            ]
        },
    }
    page.route(
        live_server.url + "/sparql",
        lambda route: route.fulfill(
            status=200, content_type="application/sparql-results+json", body=json.dumps(hostile)
        ),
    )
    page.goto(live_server.url + "/query")
    page.click("#run")
    page.wait_for_selector("#results table tbody tr")
    assert page.locator("#results img").count() == 0
    assert page.locator("#results td a").count() == 0  # no link for a javascript: IRI
    cells = page.locator("#results tbody td").all_text_contents()
    assert cells[1] == "<img src=x onerror=window.pwned=1>"  # after the row number
    assert page.evaluate("window.pwned === undefined")


# -- the landing page --------------------------------------------------------------------------


def test_home_page_links_the_doors(client, snapshot):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    for href in ('href="/graph"', 'href="/query"', 'href="/docs"', 'href="/api/stats"'):
        assert href in html
    assert snapshot.hash in html
    assert '<link rel="icon" href="data:,">' in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "content-security-policy" in r.headers


def test_unknown_asset_is_404_json(client):
    for name in ("nope.js", "..%2Fdeps.py", "query.py", "Query.JS"):
        r = client.get(f"/assets/{name}")
        assert r.status_code in (404, 422)
        assert r.headers["content-type"].startswith("application/json")
