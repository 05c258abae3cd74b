"""One site header on every page (graph, ask, query, assess, docs), in Chromium against a real
server: the same links in the same order, the current page marked, every link answering."""

from pathlib import Path

import httpx
import pytest

from scalekg.viz.site import SITE_NAV

pytestmark = [pytest.mark.browser, pytest.mark.server]

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "late-stage-scaleup.yaml"
EXPECTED = [(label, href) for _key, label, href in SITE_NAV]


@pytest.fixture(scope="module")
def report_path(live_server) -> str:
    r = httpx.post(
        live_server.url + "/api/assessments",
        content=EXAMPLE.read_bytes(),
        headers={"Content-Type": "application/yaml"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    return f"/assessments/{r.json()['id']}/report.html"


PAGES = [
    ("/", None),
    ("/graph", "graph"),
    ("/graph?focus=no-such-concept", "graph"),  # the graph view's error page
    ("/query", "query"),
    ("/assess", "assess"),
    ("/docs", "docs"),
    ("/ontology.html", None),
    ("/id/premature-scaling", None),
    ("/nothing-here", None),  # a 404 page (HTML for a browser)
    ("REPORT", "assess"),
]


def test_the_nav_lists_the_five_doors_in_order():
    assert [key for key, _label, _href in SITE_NAV] == ["graph", "ask", "query", "assess", "docs"]


@pytest.mark.parametrize(("path", "current"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_has_the_site_header(live_server, page, report_path, path, current):
    url = live_server.url + (report_path if path == "REPORT" else path)
    page.goto(url)
    header = page.locator("header.site-header")
    assert header.count() == 1
    assert header.is_visible()
    links = header.locator("nav.site-nav a")
    found = [
        (links.nth(i).inner_text(), links.nth(i).get_attribute("href"))
        for i in range(links.count())
    ]
    assert found == EXPECTED
    marked = header.locator('[aria-current="page"]')
    if current is None:
        assert marked.count() == 0
    else:
        assert marked.count() == 1 and marked.get_attribute("data-nav") == current
    assert header.locator("a.site-brand").get_attribute("href") == "/"
    # readable: the links are drawn at a normal size, inside the window, not covered
    box = links.first.bounding_box()
    assert box and box["height"] >= 14 and box["y"] < 120
    size = links.first.evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
    assert size >= 14
    assert page.watch.outside == []


def test_every_nav_link_answers(live_server):
    for _label, href in EXPECTED:
        r = httpx.get(live_server.url + href.split("#")[0], timeout=30)
        assert r.status_code == 200, href


def test_the_ask_link_lands_on_the_ask_box(live_server, page):
    page.goto(live_server.url + "/graph")
    page.click('header.site-header a[data-nav="ask"]')
    page.wait_for_url(live_server.url + "/#ask")
    assert page.locator("#ask").is_visible()
    assert page.locator("form.ask input[name=q]").is_visible()


def test_home_links_the_assessment(live_server, page):
    page.goto(live_server.url + "/")
    main_links = page.locator("main a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert "/assess" in main_links
    page.click('main a[href="/assess"]')
    page.wait_for_url(live_server.url + "/assess")
    assert page.locator('header.site-header [aria-current="page"]').inner_text() == "Assess"
    page.watch.assert_clean()


def test_the_report_hides_the_header_in_print(live_server, page, report_path):
    page.goto(live_server.url + report_path)
    page.emulate_media(media="print")
    assert page.locator("header.site-header").is_hidden()
    page.emulate_media(media="screen")
    assert page.locator("header.site-header").is_visible()
