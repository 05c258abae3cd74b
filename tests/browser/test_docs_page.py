"""``/docs`` (Swagger UI) works with no network: every asset comes from ScaleKG itself."""

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_offline(live_server, page):
    page.goto(live_server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.locator(".opblock").count() > 10
    page.watch.assert_clean()
