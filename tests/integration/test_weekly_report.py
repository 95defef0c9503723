"""The weekly report as of 2024-12-18 from a year of the demo: exhibit 1 with the seed
report's numbers, the sector roll-up equal to the weekly mart at the week's end, the four
charts embedded and written as PNG files, every query file in the DuckDB 1.x CLI, and the
Dagster asset over a range of weeks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from PIL import Image

from orchestration.assets.report import weekly_report
from orchestration.dead_runs import RunStart
from orchestration.report import charts, sql
from orchestration.report.build import build_report
from tests.conftest import PROJECT_ROOT, pipeline_env

pytestmark = pytest.mark.integration

AS_OF = dt.date(2024, 12, 18)
SEED = list(
    csv.DictReader(
        (PROJECT_ROOT / "tests" / "fixtures" / "exhibit_1_2024-12-18.csv").open(encoding="utf-8")
    )
)
CLI = Path(os.path.dirname(sys.executable)) / "duckdb"


@pytest.fixture(scope="module")
def report(demo_year, tmp_path_factory):
    return build_report(AS_OF, tmp_path_factory.mktemp("reports"), demo_year.warehouse)


def _pct_cell(value: str) -> str:
    number = float(value)
    css = "up" if number > 0 else "down" if number < 0 else "flat"
    return f'<td class="num {css}">{number:.2f}%</td>'


def test_exhibit_1_has_the_seed_report_s_changes_in_its_colours(report):
    page = report.html.read_text(encoding="utf-8")
    assert '<td>NVDA.O</td><td>英伟达</td><td class="num">31,570</td><td>亿美元</td>' in page
    assert '<td class="num down">-3.98%</td>' in page
    for row in SEED:
        cells = "".join(_pct_cell(row[c]) for c in ("week_pct", "month_pct", "year_pct"))
        pattern = (
            rf"<td>{re.escape(row['code'])}</td><td>{re.escape(row['company'])}</td>"
            rf'<td class="num">[0-9,]+</td><td>{re.escape(row["unit"])}</td>{re.escape(cells)}'
        )
        assert re.search(pattern, page), row["code"]


def test_the_headline_names_the_seed_s_movers(report):
    page = report.html.read_text(encoding="utf-8")
    assert (
        '<b>CPU/GPU</b>：寒武纪 <span class="up">+8.72%</span>，'
        '龙芯中科 <span class="down">-8.69%</span>'
    ) in page
    assert '<b>存储</b>：兆易创新 <span class="up">+10.83%</span>' in page
    assert '<b>先进封装</b>：甬矽电子 <span class="up">+8.70%</span>' in page
    site = report.facts.largest_site
    assert (site.display_name, site.week_start) == ("ChatGPT", dt.date(2024, 12, 9))
    assert site.visits_10k > 90_000, "ChatGPT above 9 亿 visits in the week of 2024-12-09"
    assert report.facts.fastest_app.month_start == dt.date(2024, 11, 1)


def test_the_charts_are_embedded_and_written_as_images_of_the_expected_size(report):
    page = report.html.read_text(encoding="utf-8")
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == 6
    assert "非完全统计" in page
    framed = (charts.PIXELS[0], charts.PIXELS[1] + charts.TITLE_BAND + charts.SOURCE_BAND)
    for path in report.charts.values():
        assert path.stat().st_size > 10_000, path
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            assert (image.format, image.size) == ("PNG", framed), path


def test_the_report_as_of_the_seed_s_date_has_the_seed_s_exhibits_in_order(report):
    page = report.html.read_text(encoding="utf-8")
    headings = re.findall(r"<h[23]>(图表 [0-9-]+|板块表现)", page)
    assert headings == [
        "图表 1", "板块表现", "图表 2-3", "图表 4", "图表 5", "图表 6", "图表 7", "图表 8", "图表 9"
    ]  # fmt: skip
    exhibit_9 = page.split("<h2>图表 9")[1]
    days = re.findall(r"<tr><td>(day\d+)</td><td>([\d/]+)</td><td>([\d/]+)</td>", exhibit_9)
    assert days == [
        ("day1", "12/5", "12/6"), ("day2", "12/6", "12/7"), ("day3", "12/9", "12/10"),
        ("day4", "12/10", "12/11"), ("day5", "12/11", "12/12"), ("day6", "12/12", "12/13"),
        ("day7", "12/13", "12/14"), ("day8", "12/16", "12/17"), ("day9", "12/17", "12/18"),
    ]  # fmt: skip
    assert "统计至 12/18）" in page  # the month in progress, up to the as-of date


def test_the_seed_s_date_counts_nothing_the_warehouse_landed_later(report, demo_year):
    """The demo year runs to Sunday 12-22 (market data to Friday 12-20): the report as of
    12-18 is what could have been written that day, each feed dated up to it."""
    with sql.open_warehouse(demo_year.warehouse) as con:
        newest = sql.newest_dates(con)
    assert all(day > AS_OF for day in newest.values()), newest  # later data is there
    # the text, without the embedded images and font (base64 may hold any digits)
    page = re.sub(r"data:[^\")]*", "", report.html.read_text(encoding="utf-8"))
    for day in range(19, 23):
        for later in (f"12/{day}", f"2024-12-{day}", f"12 月 {day} 日", f"12{day}"):
            assert later not in page, later
    assert (
        "其余数据截至：汇率 2024-12-18，网站访问量 2024-12-18，App 下载量 2024-12-18，"
        "GPU 价格 2024-12-18；均不含 2024-12-18 之后的数据"
    ) in page


def test_the_sector_rollup_at_the_week_s_end_is_the_weekly_mart(demo_year):
    with sql.open_warehouse(demo_year.warehouse) as con:
        rollup = sql.run_query(con, sql.SECTOR_ROLLUP, {"as_of": dt.date(2024, 12, 22)})
        mart = con.execute(
            "select * from marts.sector_performance_weekly where week_start = '2024-12-16'"
        ).fetchall()
        names = [column[0] for column in con.description]
    weekly = {row["sector"]: row for row in (dict(zip(names, r, strict=True)) for r in mart)}
    assert {row["sector"] for row in rollup} == set(weekly)
    for row in rollup:
        expected = weekly[row["sector"]]
        assert row["last_session"] == expected["as_of_date"]
        assert row["listings_traded"] == expected["listings"]
        assert row["cap_weighted_pct"] == round(100 * expected["return_cap_weighted"], 2)
        assert row["equal_weighted_pct"] == round(100 * expected["return_equal_weighted"], 2)
        assert row["market_cap_usd_100m"] == round(expected["market_cap_usd_100m"], 0)
        assert (row["best_symbol"], row["worst_symbol"]) == (
            expected["best_symbol"], expected["worst_symbol"],
        )  # fmt: skip


@pytest.mark.skipif(not CLI.exists(), reason=f"no DuckDB CLI at {CLI}")
@pytest.mark.parametrize("path", sorted(sql.QUERIES_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_every_query_file_runs_in_the_duckdb_cli_on_the_published_warehouse(path, demo_year):
    with duckdb.connect(str(demo_year.warehouse), read_only=True) as con:
        if path.stem == sql.RELEASE_EVENTS and not sql.table_exists(con, "marts", "release_events"):
            pytest.skip("this warehouse has no marts.release_events yet")
    done = subprocess.run(
        [str(CLI), "-readonly", "-csv", str(demo_year.warehouse)],
        stdin=path.open(encoding="utf-8"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "Error" not in done.stderr, done.stderr
    assert len(done.stdout.splitlines()) > 1


def test_the_asset_renders_each_week_of_a_run(demo_year, tmp_path):
    with pipeline_env(demo_year):
        result = dg.materialize(
            [weekly_report],
            instance=dg.DagsterInstance.ephemeral(),
            resources={"run_start": RunStart()},
            run_config={"ops": {"reports__weekly_report": {"config": {"out_dir": str(tmp_path)}}}},
            tags={
                "dagster/asset_partition_range_start": "2024-12-09",
                "dagster/asset_partition_range_end": "2024-12-23",
            },
        )
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert sorted(metadata["reports"].value) == ["2024-12-09", "2024-12-16"]
    assert list(metadata["weeks_without_data"].value) == ["2024-12-23"]
    # Each week as of its last landed session: Friday 12-13 and Friday 12-20.
    assert (tmp_path / "weekly-report-2024-12-13.html").is_file()
    assert (tmp_path / "weekly-report-2024-12-20.html").is_file()
    assert "寒武纪" in metadata["preview"].value
