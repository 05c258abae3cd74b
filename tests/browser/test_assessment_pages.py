"""The /assess form and the printable report in a real Chromium, against a real server.

Every request that is not to 127.0.0.1 is aborted and counted; the pages must make none. An
organisation name and notes with ``<script>`` in them must show as text and never run.
"""

import re
from urllib.parse import urlparse

import pytest

from bench.chromium import CHROMIUM
from bench.chromium import FLAGS as ARGS

pytestmark = pytest.mark.browser


EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def browser():
    import os

    import playwright.sync_api as sync_api

    if not os.path.exists(CHROMIUM):
        pytest.fail("no Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run does)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose outside requests are aborted and counted, with its errors collected."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("dialog", self._dialog)

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def test_form_survives_reload_submits_and_links_to_an_escaped_report(
    watched, live_server, artifacts
):
    page = watched.page
    page.goto(live_server.url + "/assess")
    assert page.locator("tr[data-capability]").count() >= 20
    assert page.get_by_text("Is the platform architecture fit for the scale").count() == 1

    page.fill("#organisation", f"Browser Org {EVIL}")
    page.fill("#headcount", "140")
    page.fill("#note", f"note {EVIL}")
    page.select_option('select[name="cap.continuous-software-delivery.depth"]', "3")
    page.select_option('select[name="cap.continuous-software-delivery.width"]', "2")
    page.fill('input[name="cap.continuous-software-delivery.note"]', f"cap note {EVIL}")
    page.check('input[name="mech.one-on-one.in_place"]')
    page.select_option('select[name="mech.one-on-one.cadence"]', "weekly")
    page.check('input[data-signal="too-few-good-managers"]')
    page.check('input[data-metric="dora-metrics"]')
    page.fill('input[name="dora.lead-time-for-changes.value"]', "5")
    page.select_option('select[name="dora.lead-time-for-changes.unit"]', "days")

    page.reload()
    assert page.input_value("#organisation") == f"Browser Org {EVIL}"
    assert page.input_value("#headcount") == "140"
    assert page.input_value('select[name="cap.continuous-software-delivery.depth"]') == "3"
    assert page.input_value('select[name="cap.continuous-software-delivery.width"]') == "2"
    assert page.is_checked('input[name="mech.one-on-one.in_place"]')
    assert page.is_checked('input[data-signal="too-few-good-managers"]')
    assert page.input_value('input[name="dora.lead-time-for-changes.value"]') == "5"

    page.click("#submit")
    link = page.locator("#report-link")
    link.wait_for(timeout=15000)
    href = link.get_attribute("href")
    assert re.fullmatch(r"/assessments/[0-9a-f]{16}/report\.html", href)
    page.screenshot(path=str(artifacts / "assess-form.png"), full_page=False)

    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(href)
    heading = page.locator("h1#org").inner_text()
    assert heading == f"Diagnostic: Browser Org {EVIL}"
    assert f"note {EVIL}" in page.locator("#org-note").inner_text()
    assert f"cap note {EVIL}" in page.content().replace("&lt;", "<").replace("&gt;", ">").replace(
        "&quot;", '"'
    )
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    chart = page.locator(".chart img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator(".step").count() >= 1
    page.screenshot(path=str(artifacts / "assessment-report.png"), full_page=True)

    # back on the form, the answers and the last report are still there
    page.goto(live_server.url + "/assess")
    assert page.input_value("#organisation") == f"Browser Org {EVIL}"
    assert page.locator("#last-link").get_attribute("href") == href

    assert watched.dialogs == []
    assert watched.outside == []
    assert watched.errors == []


def test_form_marks_invalid_fields(watched, live_server):
    page = watched.page
    page.goto(live_server.url + "/assess")
    page.fill("#organisation", "Invalid Org")
    page.fill("#headcount", "0")
    page.click("#submit")
    page.locator("#errors li").first.wait_for(timeout=15000)
    errors = page.locator("#errors li").all_inner_texts()
    assert any(e.startswith("headcount:") for e in errors), errors
    assert "invalid" in (page.get_attribute("#headcount", "class") or "")
    assert page.get_attribute("#headcount", "aria-invalid") == "true"
    # clearing forgets the saved answers
    page.click("#clear")
    page.reload()
    assert page.input_value("#organisation") == ""
    assert watched.outside == []
    assert [e for e in watched.errors if "422" not in e] == []


def test_form_takes_the_evidence_fields_and_points_at_bad_ones(watched, live_server):
    page = watched.page
    page.goto(live_server.url + "/assess")
    page.click("#clear")
    page.fill("#organisation", "Evidence Org")
    page.select_option("#stage", "early")
    page.fill("#headcount", "24")
    page.fill("#headcount_12_months_ago", "8")
    page.fill("#headcount_plan", "60")
    page.select_option('select[name="failure.hiring-too-many-people-too-early.severity"]', "high")
    page.check('input[data-signal="headcount-grows-ahead-of-product-market-fit"]')
    page.check('input[name="cap.internationalization.na"]')
    page.select_option('select[name="cap.keep-financial-discipline.effort"]', "S")
    # a target below the rating is a field error, pointed at the field
    page.select_option('select[name="cap.keep-a-flat-org-structure.depth"]', "3")
    page.select_option('select[name="cap.keep-a-flat-org-structure.width"]', "3")
    page.select_option('select[name="cap.keep-a-flat-org-structure.target_depth"]', "2")
    page.click("#submit")
    page.locator("#errors li").first.wait_for(timeout=15000)
    errors = page.locator("#errors li").all_inner_texts()
    assert any("target_depth: is below the current depth (3)" in e for e in errors), errors
    marked = page.get_attribute(
        'select[name="cap.keep-a-flat-org-structure.target_depth"]', "class"
    )
    assert "invalid" in (marked or "")
    page.select_option('select[name="cap.keep-a-flat-org-structure.target_depth"]', "")
    page.click("#submit")
    link = page.locator("#report-link")
    link.wait_for(timeout=15000)
    link.click()
    page.wait_for_load_state("load")
    moves = page.locator("#moves li").all_inner_texts()
    assert 1 <= len(moves) <= 3
    assert "(×3.0 in a year, very fast)" in page.locator(".meta").inner_text()
    assert "Hiring too many people too early (high)" in page.content()
    assert watched.outside == []
    assert [e for e in watched.errors if "422" not in e] == []
