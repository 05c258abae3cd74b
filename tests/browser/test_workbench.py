"""The /query workbench (YASGUI) in headless Chromium against a real server: completions from the
graph's own vocabulary, the table, chart and graph result views, downloads, share links, copy as
curl, history, errors said as what they mean, and not one request that leaves the server."""

import csv
import io
import json
import subprocess

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.server]

# Functions, not expressions: the page's CSP forbids eval, which Playwright uses for expressions.
READY = "() => document.body.getAttribute('data-workbench') === 'ready'"
# Chromium logs every non-2xx fetch as a console error; the error tests expect exactly those.
FAILED_LOAD = "Failed to load resource: the server responded with a status of"


def open_workbench(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=20_000)


def set_query(page, query: str) -> None:
    page.evaluate("q => window.scalekgWorkbench.yasqe.setValue(q)", query)


def editor_value(page) -> str:
    return page.evaluate("window.scalekgWorkbench.yasqe.getValue()")


def run(page) -> str:
    page.locator("#status").evaluate("el => el.textContent = ''")
    page.click("#run")
    page.wait_for_function(
        "() => { const t = document.getElementById('status').textContent;"
        " return t && t !== 'running…'; }",
        timeout=15_000,
    )
    return page.locator("#status").text_content()


def test_typing_premat_offers_the_concept_with_its_label(live_server, page):
    open_workbench(page, live_server.url + "/query")
    set_query(page, "SELECT ?p ?o WHERE {\n  \n}")
    page.evaluate(
        "() => { const y = window.scalekgWorkbench.yasqe; y.focus(); "
        "y.getDoc().setCursor({line: 1, ch: 2}); }"
    )
    page.keyboard.type("premat", delay=40)
    page.wait_for_selector(".CodeMirror-hints li", timeout=10_000)
    hints = page.locator(".CodeMirror-hints li").all_text_contents()
    assert hints[0].startswith("kg:premature-scaling ")
    assert "Premature scaling" in hints[0] and "FailureFactor" in hints[0]
    page.keyboard.press("Enter")
    value = editor_value(page)
    assert "kg:premature-scaling ?p ?o" not in value  # replaced the word, nothing else
    assert "  kg:premature-scaling\n" in value
    # picking a kg: term declared its prefix, so the query runs as it is
    assert value.startswith("PREFIX kg: <https://w3id.org/scalekg/id/>")
    set_query(page, value.replace("  kg:premature-scaling\n", "  kg:premature-scaling ?p ?o\n"))
    assert "row" in run(page)
    assert page.locator("#results table tbody tr").count() > 3
    page.watch.assert_clean()


def test_completions_follow_the_position_class_after_a(live_server, page):
    open_workbench(page, live_server.url + "/query")
    set_query(page, "PREFIX skg: <https://w3id.org/scalekg/ontology#>\nSELECT * WHERE { ?x a  }")
    page.evaluate(
        "() => { const y = window.scalekgWorkbench.yasqe; y.focus(); "
        "y.getDoc().setCursor({line: 1, ch: 25}); }"
    )
    page.keyboard.type("skg:Fail", delay=40)
    page.wait_for_selector(".CodeMirror-hints li", timeout=10_000)
    hints = page.locator(".CodeMirror-hints li").all_text_contents()
    assert hints and all(h.startswith("skg:") for h in hints)
    assert hints[0].startswith("skg:FailureFactor ")
    page.watch.assert_clean()


def test_table_shows_labels_without_language_tags(live_server, page):
    open_workbench(page, live_server.url + "/query")
    set_query(
        page,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label } ORDER BY ?label LIMIT 20",
    )
    assert run(page).startswith("20 rows")
    cells = page.locator("#results table tbody td").all_text_contents()
    text = " ".join(cells)
    assert "@en" not in text and '"' not in text
    labels = page.locator("#results table tbody tr td:nth-child(3)").all_text_contents()
    assert labels == sorted(labels, key=str)  # in the query's order, plain text
    # IRIs are shortened with the prefixes and link to this server's pages
    first = page.locator("#results table tbody tr td:nth-child(2) a").first
    assert first.text_content().startswith("kg:")
    assert first.get_attribute("href").startswith("/id/")
    page.watch.assert_clean()


def test_chart_view_draws_one_bar_per_row_of_an_aggregate(live_server, page):
    open_workbench(page, live_server.url + "/query?example=03-leverage-count")
    status = run(page)
    rows = int(status.split()[0])
    assert rows > 5
    page.click(".yasr .select_chart")
    page.wait_for_selector("svg.bar-chart rect.chart-bar")
    assert page.locator("svg.bar-chart rect.chart-bar").count() == rows
    bars = page.evaluate(
        "[...document.querySelectorAll('svg.bar-chart rect.chart-bar')]"
        ".map(r => [r.querySelector('title').textContent, r.getBBox().width])"
    )
    # the longest bar is the largest value; widths are proportional
    values = [float(t.rsplit(": ", 1)[1]) for t, _ in bars]
    widths = [w for _, w in bars]
    top = values.index(max(values))
    assert widths[top] == max(widths)
    for v, w in zip(values, widths, strict=True):
        assert abs(w / widths[top] - v / values[top]) < 0.02 or w == 1
    labels = page.locator("svg.bar-chart text.chart-label").all_text_contents()
    assert labels[top] and not labels[top].startswith("http")
    page.watch.assert_clean()


def test_graph_view_draws_a_construct_result_in_the_graph_pages_grammar(live_server, page):
    open_workbench(page, live_server.url + "/query")
    set_query(
        page,
        "PREFIX skg: <https://w3id.org/scalekg/ontology#>\n"
        "CONSTRUCT { ?a skg:mitigates ?b } WHERE { ?a skg:mitigates ?b } LIMIT 25",
    )
    assert run(page).startswith("graph result")
    page.wait_for_selector(".result-graph-wrap[data-nodes] canvas", timeout=20_000)
    nodes = int(page.locator(".result-graph-wrap").get_attribute("data-nodes"))
    assert nodes > 10
    legend = page.locator(".result-legend").text_content()
    assert "Capabilities" in legend and "mitigates" in legend
    # the drawing is the server's styling: the same shapes as /graph (viz.style)
    drawn = page.evaluate(
        "(() => { const n = document.querySelector('.yasr .select_graph');"
        " return n && n.classList.contains('selected'); })()"
    )
    assert drawn
    view = httpx.post(
        live_server.url + "/query/graph-view",
        content=httpx.post(
            live_server.url + "/sparql",
            data={"query": editor_value(page)},
            headers={"Accept": "text/turtle"},
        ).content,
        headers={"Content-Type": "text/turtle"},
    ).json()
    assert view["counts"]["nodes"] == nodes
    assert view["options"]["groups"]["Capability"]["shape"] == "dot"
    assert view["options"]["groups"]["FailureFactor"]["shape"] == "diamond"
    page.watch.assert_clean()


def test_share_link_reloads_the_same_query(live_server, page, browser):
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "# a comment, quotes \" ' and an ampersand & survive\n"
        'SELECT ?label WHERE { ?c skos:prefLabel ?label FILTER(CONTAINS(?label, "scal")) }\n'
    )
    open_workbench(page, live_server.url + "/query")
    set_query(page, query)
    run(page)
    page.wait_for_function(
        "() => location.search.startsWith('?z=') || location.search.startsWith('?query=')"
    )
    page.click("#share")
    page.wait_for_function("() => document.getElementById('share-url').value !== ''")
    link = page.locator("#share-url").input_value()
    assert link == page.url
    assert len(link) <= 2000
    other = browser.new_context().new_page()
    try:
        other.goto(link)
        other.wait_for_function(READY, timeout=20_000)
        assert other.evaluate("window.scalekgWorkbench.yasqe.getValue()") == query
    finally:
        other.context.close()
    page.watch.assert_clean()


def test_copy_as_curl_gives_a_command_that_runs(live_server, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_workbench(page, live_server.url + "/query?example=02-value-capability-failure-factor")
    page.click("#copy-curl")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('curl')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("curl ")
    assert copied == page.locator("#curl-text").text_content()
    out = subprocess.run(["bash", "-c", copied], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    expected = httpx.post(
        live_server.url + "/sparql",
        data={"query": editor_value(page)},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    assert answer["results"]["bindings"] == expected["results"]["bindings"]
    page.watch.assert_clean()


def test_downloads_come_in_the_asked_format(live_server, page):
    open_workbench(page, live_server.url + "/query?example=03-leverage-count")
    rows = int(run(page).split()[0])
    with page.expect_download() as info:
        page.click("#downloads button[data-format=csv]")
    table = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert table[0] == ["capability", "directly", "indirectly"]
    assert len(table) == rows + 1
    with page.expect_download() as info:
        page.click("#downloads button[data-format=json]")
    assert len(json.loads(info.value.path().read_text())["results"]["bindings"]) == rows
    assert page.locator("#downloads button[data-format=turtle]").is_hidden()
    set_query(
        page,
        "PREFIX skg: <https://w3id.org/scalekg/ontology#>\n"
        "CONSTRUCT { ?a skg:causes ?b } WHERE { ?a skg:causes ?b }",
    )
    run(page)
    assert page.locator("#downloads button[data-format=csv]").is_hidden()
    with page.expect_download() as info:
        page.click("#downloads button[data-format=turtle]")
    assert info.value.suggested_filename.endswith(".ttl")
    assert "causes" in info.value.path().read_text()
    page.watch.assert_clean()


def test_history_keeps_the_queries_run(live_server, page):
    open_workbench(page, live_server.url + "/query?example=03-leverage-count")
    run(page)
    first = editor_value(page)
    page.select_option("#example", "02-value-capability-failure-factor")
    run(page)
    page.reload()
    page.wait_for_function(READY)
    assert page.locator("#history-box").is_visible()
    page.click("#history-box summary")
    items = page.locator("#history li button")
    assert items.count() == 2
    items.nth(1).click()
    assert editor_value(page) == first
    page.watch.assert_clean()


def test_syntax_error_is_shown_with_its_position(live_server, page):
    open_workbench(page, live_server.url + "/query")
    set_query(page, "SELECT * WHERE {\n  ?s ?p\n}")
    assert run(page).startswith("error 400")
    box = page.locator("#error")
    assert box.is_visible()
    title = box.locator("strong").text_content()
    assert title.startswith("Syntax error at line ")
    line = int(title.split("line ")[1].split(",")[0])
    assert line in (2, 3)
    marked = page.locator(".syntax-error-mark")
    assert marked.count() >= 1
    assert page.evaluate("window.scalekgWorkbench.yasqe.getDoc().getCursor().line") == line - 1
    errors = [e for e in page.watch.console_errors if FAILED_LOAD not in e]
    assert errors == [] and page.watch.outside == [] and page.watch.page_errors == []


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (
            504,
            {"error": "timeout", "message": "stopped", "limit_s": 5},
            {},
            "Time limit reached (5 s)",
        ),
        (
            429,
            {"error": "rate_limited", "message": "slow down"},
            {"Retry-After": "7"},
            "Too many queries",
        ),
        (503, {"error": "busy", "message": "busy"}, {"Retry-After": "1"}, "The endpoint is busy"),
    ],
)
def test_endpoint_errors_are_said_as_what_they_mean(
    live_server, page, status, body, headers, expected
):
    page.route(
        live_server.url + "/sparql",
        lambda route: route.fulfill(
            status=status, content_type="application/json", body=json.dumps(body), headers=headers
        ),
    )
    open_workbench(page, live_server.url + "/query")
    run(page)
    assert page.locator("#error strong").text_content() == expected
    if status == 429:
        assert "in 7 s" in page.locator("#error p").text_content()


def test_no_request_leaves_the_server(live_server, page):
    """Every view, the completions and the graph drawing: all from 127.0.0.1."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_workbench(page, live_server.url + "/query?example=03-leverage-count")
    run(page)
    page.click(".yasr .select_chart")
    page.click(".yasr .select_response")
    set_query(
        page,
        "PREFIX skg: <https://w3id.org/scalekg/ontology#>\n"
        "CONSTRUCT { ?a skg:causes ?b } WHERE { ?a skg:causes ?b }",
    )
    run(page)
    page.wait_for_selector(".result-graph-wrap[data-nodes] canvas", timeout=20_000)
    set_query(
        page,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT * WHERE { ?s skos:prefLabel ?o }",
    )
    page.evaluate(
        "() => { const y = window.scalekgWorkbench.yasqe; y.focus(); "
        "y.getDoc().setCursor({line: 1, ch: 17}); }"
    )
    page.keyboard.type(" skos:a", delay=40)
    page.wait_for_load_state("networkidle")
    assert requested and all(
        u.startswith(live_server.url) or u.startswith("blob:") for u in requested
    )
    assert any("/api/vocabulary/complete" in u for u in requested)
    assert any("/query/static/yasgui.min.js" in u for u in requested)
    page.watch.assert_clean()
