"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright with
that executable, so no browser is downloaded; skips, saying why, where it is absent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from orchestration.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH: `apt-get install chromium` (.ci/run does)"
)


def launched_chromium() -> Iterator:
    """A headless Chromium for a fixture to yield; closed after."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1600, "height": 4000})
    page.goto(url, wait_until="networkidle", timeout=90_000)
    skip = page.get_by_role("button", name="Skip")  # Dagster's first-visit community dialog
    if skip.count():
        skip.first.click()
    return page
