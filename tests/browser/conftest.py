"""Browser fixtures: the app in a real server thread, and Debian's Chromium driven by Playwright.

Tests that use them are marked ``@pytest.mark.browser`` and are skipped, with the reason, where
Chromium or Playwright is missing. Nothing is downloaded: Playwright drives the system Chromium.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
#: A small, common Android phone.
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over HTTP on a free loopback port; yields its base URL."""
    yield from serve(app)


@pytest.fixture(scope="module")
def module_app(
    tmp_path_factory: pytest.TempPathFactory, store_urls: dict[str, str] | None
) -> Iterator[Flask]:
    """One app (with empty stores and the demo organisations) shared by a module's tests.

    For modules that visit many pages and whose tests do not depend on each other's data, e.g.
    the accessibility scans. Such a module must not also use the per-test ``app``.
    """

    from ..conftest import make_app, with_fresh_stores

    # The scans open a hundred links from one address within a minute or two: the per-address
    # limit on opening links (tested on its own) would cut them short.
    app = make_app(
        tmp_path_factory.mktemp("module-app"), store_urls, LINK_OPEN_LIMIT="10000 per minute"
    )
    yield from with_fresh_stores(app)


@pytest.fixture(scope="module")
def module_server(module_app: Flask) -> Iterator[str]:
    """``module_app`` served on a free loopback port for the whole module; yields its URL."""
    yield from serve(module_app)


def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield app.config["BASE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh page in a 360-pixel-wide phone viewport with touch."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/ and return its path."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
