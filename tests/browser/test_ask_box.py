"""The home page's ask box in Chromium against a real server: suggestions as you type (from
/api/suggest), choosing one asks it, and /ask shows the answer as HTML, escaped, offline."""

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_typing_suggests_questions_and_choosing_one_shows_the_answer(page, live_server):
    page.goto(f"{live_server.url}/")
    page.focus("#ask-q")
    page.keyboard.type("how do we avoid prem")
    body = httpx.get(
        f"{live_server.url}/api/suggest", params={"q": "how do we avoid prem", "limit": 6}
    ).json()
    expected = [q["text"] for q in body["questions"]] + [c["label"] for c in body["concepts"]]
    assert expected[0] == "how do we avoid Premature scaling"
    # The answer to the whole text, in the server's order, as is (earlier answers are dropped).
    page.wait_for_function(
        "texts => JSON.stringify([...document.querySelectorAll('#ask-list [role=option] span:first-child')]"
        ".map(o => o.textContent)) === JSON.stringify(texts)",
        arg=expected,
    )
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#ask-q", "aria-activedescendant") == "ask-opt-0"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/ask?" in page.url
    assert page.locator("#interpretation").inner_text().startswith("Read as what mitigates X")
    api = httpx.get(
        f"{live_server.url}/api/ask", params={"q": "how do we avoid Premature scaling"}
    ).json()
    answers = page.locator("#answers > li")
    assert answers.count() == len(api["answers"])
    first = api["answers"][0]
    assert first["label"] in answers.first.inner_text()
    for chain in first["paths"]:
        for step in chain["steps"]:
            for src in step["sources"]:
                assert src["quote"].strip()[:40] in answers.first.inner_text()
    page.watch.assert_clean()


def test_the_form_works_and_refusals_are_pages(page, live_server):
    page.goto(f"{live_server.url}/")
    page.fill("#ask-q", "what mitigates purple monkey")
    with page.expect_navigation():
        page.click("form.ask button[type=submit]")
    assert "No concept matches" in page.inner_text("#error-message")
    page.fill("#ask-q", "<img src=x onerror=window.__xss=1> premature scaling")
    with page.expect_navigation():
        page.click("form.ask button[type=submit]")
    assert page.evaluate("window.__xss === undefined")
    assert page.input_value("#ask-q").startswith("<img src=x")  # shown as text, not markup
    assert page.locator("#error-message").count() == 1
    # The refusals are pages with the API's status (404, 422): Chromium logs those loads.
    refused = [e for e in page.watch.console_errors if "status of 404" in e or "status of 422" in e]
    assert len(refused) == len(page.watch.console_errors) == 2
    page.watch.console_errors.clear()
    page.watch.assert_clean()
