"""The Dagster UI and the weekly report, seen in a real browser (headless Chromium).

Uses Debian's chromium (`apt-get install chromium`; `.ci/run` installs it), driven by
Playwright with that executable, so no browser is downloaded. Skips, saying why, where
Chromium is absent. Screenshots are kept in `test-artifacts/browser/`.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, NO_CHROMIUM, launched_chromium, open_page
from tests.conftest import PROJECT_ROOT, install_instance_settings
from tests.ports import free_port

# One worker (pytest-xdist) runs the whole module: one webserver, one browser, and the
# demo year the report test needs built once, with the other tests that use it.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("demo_year"), NO_CHROMIUM]

EVERY_ASSET = [
    "raw / market_bars", "raw / corporate_actions", "raw / fx_rates", "raw / web_traffic",
    "raw / app_downloads", "raw / exchange_sessions", "staging / stg_market_bars",
    "intermediate / int_listing_bars", "marts / stock_performance",
    "marts / sector_performance_weekly", "marts / web_traffic_weekly",
    "marts / app_downloads_weekly", "marts / app_downloads_monthly", "seeds / watchlist",
    "raw / gpu_prices", "raw / release_events", "marts / gpu_prices_weekly",
    "marts / release_events", "reports / weekly_report",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    """`dagster-webserver` for the project on a free loopback port, with its own instance,
    in which the market feed's week of 2024-12-16 was materialized from the command line."""
    home = tmp_path_factory.mktemp("dagster_home")
    data = tmp_path_factory.mktemp("data")
    install_instance_settings(home)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "COMPUTE_WEEKLY_RAW_DIR": str(data / "raw"),
        "COMPUTE_WEEKLY_WAREHOUSE": str(data / "warehouse.duckdb"),
    }
    subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m",
         "orchestration", "--select", "key:raw/market_bars or key:raw/corporate_actions",
         "--partition", "2024-12-16"],
        cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    webserver_bin = str(Path(sys.executable).with_name("dagster-webserver"))
    process = subprocess.Popen(
        [webserver_bin, "-m", "orchestration", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/server_info", timeout=2)
            break
        except OSError:
            assert process.poll() is None, "the webserver exited"
            assert time.monotonic() < deadline, "the webserver did not answer in 120 s"
            time.sleep(1)
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_the_catalog_lists_every_asset(browser, webserver):
    page = open_page(browser, f"{webserver}/assets")
    page.wait_for_selector("text=marts / stock_performance", timeout=60_000)
    text = page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "catalog.png"), full_page=True)
    missing = [key for key in EVERY_ASSET if key not in text]
    assert missing == []


def test_the_lineage_graph_shows_every_group(browser, webserver):
    page = open_page(browser, f"{webserver}/asset-groups")
    page.wait_for_selector("text=Global asset lineage", timeout=60_000)
    page.wait_for_timeout(2_000)
    page.screenshot(path=str(ARTIFACTS / "lineage.png"))
    text = page.inner_text("body")
    assert all(group in text for group in ("raw", "staging", "intermediate", "marts", "seeds"))


def test_a_weekly_asset_shows_its_partitions(browser, webserver):
    page = open_page(browser, f"{webserver}/assets/raw/market_bars?view=partitions")
    page.wait_for_selector("text=2024-12-16", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "market_bars_partitions.png"))
    text = page.inner_text("body")
    assert "2023-01-02" in text, "the first week"
    assert "Materialized (1)" in text, "the week materialized from the command line"


def test_the_weekly_report_shows_exhibit_1_and_its_charts(browser, demo_year, tmp_path):
    from orchestration.report.build import build_report

    files = build_report(dt.date(2024, 12, 18), tmp_path, demo_year.warehouse)
    page = open_page(browser, files.html.as_uri())
    page.screenshot(path=str(ARTIFACTS / "weekly_report_2024-12-18.png"), full_page=True)
    text = page.inner_text("body")
    for cell in ("NVDA.O", "英伟达", "31,570", "-3.98%", "寒武纪", "8.72%", "357.58%"):
        assert cell in text, cell
    loaded = page.evaluate(
        "Array.from(document.images).map(img => [img.complete, img.naturalWidth])"
    )
    assert len(loaded) >= 4, "three traffic charts and the downloads chart"
    assert all(complete and width > 0 for complete, width in loaded), loaded
    red = page.evaluate(
        "getComputedStyle(Array.from(document.querySelectorAll('td'))"
        ".find(td => td.textContent.trim() === '8.72%')).color"
    )
    assert red.startswith("rgb(") and red != "rgb(0, 0, 0)", "a rise is coloured (red)"
    assert page.evaluate(
        "document.fonts.ready.then(() => document.fonts.check('16px ComputeWeeklyCJK', '英伟达'))"
    ), "Chinese text renders with the font embedded in the page, not a system font"
