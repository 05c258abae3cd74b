"""Playwright fixtures: Debian's Chromium, headless, offline except for 127.0.0.1.

Every request that is not to 127.0.0.1 is aborted and counted; console errors and page errors
are collected; dialogs (alert, confirm) are counted and dismissed. Tests assert all three are zero.
"""

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.chromium import CHROMIUM, FLAGS

LOCAL = ("http://127.0.0.1:", "http://127.0.0.1/")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    import playwright.sync_api as sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@dataclass
class Watch:
    """What a page did that it should not have."""

    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests outside 127.0.0.1: {self.outside}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"page errors: {self.page_errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"


def watch_page(page) -> Watch:
    watch = Watch()

    def route(r) -> None:
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            watch.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))

    def dialog(d) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    return watch


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1500, "height": 950}, accept_downloads=True)
    pg = context.new_page()
    pg.watch = watch_page(pg)
    yield pg
    context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def static_server(tmp_path_factory) -> Iterator:
    """A plain http.server on 127.0.0.1 over a temp dir, for pages written with viz.page."""
    root = tmp_path_factory.mktemp("pages")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Static:
        dir = root
        url = f"http://127.0.0.1:{server.server_address[1]}"

        def publish(self, name: str, html: str) -> str:
            (root / name).write_text(html, encoding="utf-8")
            return f"{self.url}/{name}"

    yield Static()
    server.shutdown()
    server.server_close()
