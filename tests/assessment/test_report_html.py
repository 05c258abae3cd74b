"""The printable report and the form page: escaped user text, a matplotlib chart, offline."""

import base64
import re

import pytest

from scalekg.api.routers.assessment_pages import render_report_html
from scalekg.graph.assessment import prepare
from scalekg.graph.assessment.report import analyse

EVIL = "<script>window.__xss=1</script>"


def evil_document() -> dict:
    return {
        "organisation": f"Evil {EVIL} & Co",
        "date": "2026-04-01",
        "stage": "late",
        "headcount": 80,
        "note": f"context {EVIL}",
        "capabilities": [
            {
                "capability": "continuous-software-delivery",
                "depth": 2,
                "width": 2,
                "note": f"cap {EVIL}",
            },
            {"capability": "lean-management", "depth": 1, "width": 3},
            {"capability": "cost-to-serve-management", "depth": 1, "width": 1},
        ],
        "mechanisms": [{"mechanism": "one-on-one", "in_place": True, "note": f"mech {EVIL}"}],
        "signals": [{"signal": "people-are-stretched-too-thin", "note": f"signal {EVIL}"}],
    }


@pytest.fixture(scope="module")
def html(kg):
    return render_report_html(analyse(kg, prepare(kg, evil_document())))


def test_user_text_is_escaped_everywhere(html):
    assert "<script" not in html.lower()
    assert "window.__xss" in html  # it is there, as text
    escaped = "&lt;script&gt;window.__xss=1&lt;/script&gt;"
    for where in ("Evil ", "context ", "cap ", "mech ", "signal "):
        assert where + escaped in html, where
    assert "Evil " + escaped + " &amp; Co" in html


def test_the_chart_is_a_matplotlib_svg_data_uri(html):
    [uri] = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)"', html)
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    assert "<svg" in svg and '<g id="figure_1">' in svg  # matplotlib's SVG backend
    assert "<script" not in svg


def test_the_report_is_offline_and_printable(html):
    assert '<link rel="icon" href="data:,">' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@media print" in html


def test_the_report_opens_with_the_moves_and_keeps_the_formula_for_last(html):
    order = [
        'id="moves"',
        "Why these moves",
        "Failure factors, most pressing first",
        "Ranking",
        "How the numbers work",
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    moves = html[html.index('id="moves"') : html.index("Why these moves")]
    assert 1 <= moves.count('<li class="action">') <= 3
    assert "∏" not in html[: html.index("How the numbers work")]  # no formula up front


def test_every_chain_step_shows_its_confidence_and_source(html):
    chains = html[html.index('id="chains"') : html.index('id="sources"')]
    links = re.findall(r'<i>\w+</i> <span class="tag">(\w+)</span> <a href="#S\d+"', chains)
    assert links and set(links) <= {"stated", "strong", "plausible", "speculative"}
    sources = html[html.index('id="sources"') :]
    assert re.search(r"(slide \d+|Part \w+)[^:<]*: “", sources)  # a locator and its quote
    assert len(re.findall(r'<li id="S\d+">', sources)) == len(
        set(re.findall(r'href="#(S\d+)"', chains))
    )


def test_the_same_report_renders_the_same_html(kg):
    report = analyse(kg, prepare(kg, evil_document()))
    assert render_report_html(report) == render_report_html(report)


def test_report_page_over_http_is_escaped_with_a_strict_csp(fresh_client):
    created = fresh_client.post("/api/assessments", json=evil_document())
    assert created.status_code == 201, created.text
    r = fresh_client.get(created.json()["links"]["report_html"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script" not in r.text.lower()
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none'
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_the_form_page_lists_capabilities_mechanisms_and_signals(fresh_client, kg):
    r = fresh_client.get("/assess")
    assert r.status_code == 200
    page = r.text
    for cap in kg.of_type("Capability"):
        assert f'data-capability="{cap.slug}"' in page
    for mech in kg.of_type("Mechanism"):
        assert f'data-mechanism="{mech.slug}"' in page
    for signal in kg.of_type("ScalingSignal"):
        assert f'data-signal="{signal.slug}"' in page
    assert (
        "Is the platform architecture fit for the scale the organization is heading toward?" in page
    )
    assert "localStorage" in page and '<link rel="icon" href="data:,">' in page
    [nonce] = re.findall(r"<script nonce=\"([^\"]+)\">", page)
    assert f"'nonce-{nonce}'" in r.headers["content-security-policy"]
    assert not re.search(r'(src|href)="(https?:)?//', page)
