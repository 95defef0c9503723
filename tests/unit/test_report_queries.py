"""The exhibit queries in queries/: each runs as is (Python DuckDB and the DuckDB 1.x CLI,
read-only), documents itself and its variables, and gives exact values on a small
warehouse (tests/unit/report_warehouse.py)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.report import sql
from tests.unit.report_warehouse import build_warehouse

QUERY_FILES = sorted(sql.QUERIES_DIR.glob("*.sql"))
CLI = Path(os.path.dirname(sys.executable)) / "duckdb"
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb", releases=True)


@pytest.fixture
def con(warehouse):
    with sql.open_warehouse(warehouse) as connection:
        yield connection


def test_the_report_has_a_query_file_per_exhibit():
    names = {path.stem for path in QUERY_FILES}
    assert names >= {
        sql.EXHIBIT_1,
        sql.SECTOR_ROLLUP,
        sql.WEB_TRAFFIC,
        sql.APP_DOWNLOADS,
        sql.RELEASE_EVENTS,
    }


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda path: path.name)
def test_a_query_file_documents_itself_and_defaults_every_variable(path):
    text = path.read_text(encoding="utf-8")
    header = text.split("\nSET VARIABLE", 1)[0]
    assert all(line.startswith("--") for line in header.splitlines() if line), "comment first"
    assert "SET VARIABLE as_of" in header, "says how to set the date"
    for variable in sql.query_variables(text):
        assert re.search(
            rf"SET VARIABLE {variable} = (CAST\()?\s*coalesce\(getvariable\('{variable}'\)", text
        ), f"{variable} is defaulted with coalesce(getvariable(...))"
        assert variable in header, f"{variable} is documented"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda path: path.name)
def test_a_query_file_runs_as_is_read_only(path, warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(path.read_text(encoding="utf-8")).fetchall()
    assert rows


@pytest.mark.skipif(not CLI.exists(), reason=f"no DuckDB CLI at {CLI}")
@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda path: path.name)
def test_a_query_file_runs_as_is_in_the_duckdb_cli(path, warehouse):
    done = subprocess.run(
        [str(CLI), "-readonly", "-csv", str(warehouse)],
        stdin=path.open(encoding="utf-8"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Error" not in done.stdout, done.stderr + done.stdout
    assert len(done.stdout.splitlines()) >= 2, "a header and rows"


def test_exhibit_1_takes_each_listing_at_its_last_session_and_leaves_the_rest_blank(con):
    rows = {
        row["code"]: row for row in sql.run_query(con, sql.EXHIBIT_1, {"as_of": D("2024-12-18")})
    }
    assert list(rows) == ["NVDA.O", "688256.SH", "688047.SH", "0020.HK"]
    assert (rows["NVDA.O"]["week_pct"], rows["NVDA.O"]["as_of_date"]) == (-4.0, D("2024-12-18"))
    assert (rows["688047.SH"]["week_pct"], rows["688047.SH"]["as_of_date"]) == (
        -2.0,
        D("2024-12-17"),
    )
    assert rows["0020.HK"]["market_cap"] is None and rows["0020.HK"]["unit"] == "亿美元"


def test_the_sector_rollup_is_week_to_date_as_of_a_mid_week_date(con):
    cpu, cloud = sql.run_query(con, sql.SECTOR_ROLLUP, {"as_of": D("2024-12-18")})
    assert cpu == {
        "sector": "CPU/GPU", "week_start": D("2024-12-16"), "last_session": D("2024-12-18"),
        "listings": 3, "listings_traded": 3, "listings_with_return": 3,
        # (-4 % x 300 + 10 % x 100 - 2 % x 100) / 500 and (-4 + 10 - 2) / 3
        "cap_weighted_pct": -0.8, "equal_weighted_pct": 1.33,
        "market_cap_usd_100m": 496.0,  # 288 + 110 + 98: each listing's last bar
        "best_symbol": "688256.SH", "best_company": "寒武纪", "best_pct": 10.0,
        "worst_symbol": "NVDA.O", "worst_company": "英伟达", "worst_pct": -4.0,
    }  # fmt: skip
    assert cloud["sector"] == "云计算" and cloud["listings"] == 1
    assert cloud["listings_traded"] == 0 and cloud["best_symbol"] is None


def test_the_sector_rollup_as_of_monday_counts_only_the_week_so_far(con):
    cpu, _ = sql.run_query(con, sql.SECTOR_ROLLUP, {"as_of": D("2024-12-16")})
    assert (cpu["listings_traded"], cpu["best_symbol"], cpu["best_pct"]) == (2, "688256.SH", 5.0)
    # (1 % x 300 + 5 % x 100) / 400
    assert cpu["cap_weighted_pct"] == 2.0 and cpu["market_cap_usd_100m"] == 408.0


def test_web_traffic_keeps_the_weeks_ended_by_the_as_of_date(con):
    rows = sql.run_query(con, sql.WEB_TRAFFIC, {"as_of": D("2024-12-18")})
    assert [(r["site_id"], r["week_start"], r["visits_10k"]) for r in rows] == [
        ("chatgpt", D("2024-12-02"), 90000.0),
        ("chatgpt", D("2024-12-09"), 92000.0),
        ("kimi", D("2024-12-02"), 1200.0),
        ("kimi", D("2024-12-09"), 1000.0),
    ]
    as_of_sunday = sql.run_query(con, sql.WEB_TRAFFIC, {"as_of": D("2024-12-22")})
    assert max(r["week_start"] for r in as_of_sunday) == D("2024-12-16")


def test_web_traffic_by_category_window_and_top_n(con):
    image = sql.run_query(
        con, sql.WEB_TRAFFIC, {"as_of": D("2024-12-18"), "traffic_category": "image"}
    )
    assert [(r["week_start"], r["days_with_data"], r["is_complete_week"]) for r in image] == [
        (D("2024-12-02"), 5, False),
        (D("2024-12-09"), 7, True),
    ]
    one_week = sql.run_query(
        con, sql.WEB_TRAFFIC, {"as_of": D("2024-12-18"), "traffic_weeks": 1, "traffic_top_n": 1}
    )
    assert [(r["site_id"], r["week_start"]) for r in one_week] == [("chatgpt", D("2024-12-09"))]


def test_a_run_resets_the_variables_it_was_not_given(con):
    sql.run_query(con, sql.WEB_TRAFFIC, {"as_of": D("2024-12-18"), "traffic_top_n": 1})
    rows = sql.run_query(con, sql.WEB_TRAFFIC, {"as_of": D("2024-12-18")})
    assert {row["site_id"] for row in rows} == {"chatgpt", "kimi"}


def test_an_unknown_variable_is_refused(con):
    with pytest.raises(ValueError, match="reads no variable"):
        sql.run_query(con, sql.EXHIBIT_1, {"category": "text"})


def test_downloads_mark_every_incomplete_month(con):
    rows = sql.run_query(con, sql.APP_DOWNLOADS, {"as_of": D("2024-12-18")})
    marked = {(r["app_id"], r["month"]): (r["is_complete"], r["note"], r["mom_pct"]) for r in rows}
    assert marked == {
        ("doubao", "2024-10"): (True, None, None),  # no September to compare with
        ("doubao", "2024-11"): (True, None, 20.0),
        ("doubao", "2024-12"): (False, "非完全统计", None),  # the month in progress
        ("kimi", "2024-10"): (True, None, None),
        ("kimi", "2024-11"): (True, None, 50.0),
        ("kimi", "2024-12"): (False, "非完全统计", None),
        ("yuanbao", "2024-10"): (True, None, None),
        ("yuanbao", "2024-11"): (False, "非完全统计", None),  # its last day, but 20 days of 30
        ("yuanbao", "2024-12"): (False, "非完全统计", None),
    }
    assert [r["app_rank"] for r in rows if r["month"] == "2024-11"] == [1, 2, 3]


def test_downloads_as_of_a_date_inside_a_landed_month_mark_it_incomplete(con):
    rows = sql.run_query(
        con, sql.APP_DOWNLOADS,
        {"as_of": D("2024-11-20"), "downloads_months": 2, "downloads_top_n": 1},
    )  # fmt: skip
    assert [(r["month"], r["is_complete"], r["mom_pct"]) for r in rows] == [
        ("2024-10", True, None),
        ("2024-11", False, None),
    ]


def test_downloads_count_no_day_after_the_as_of_date(con):
    """The warehouse holds 12-19 and 12-20 (the monthly mart counts them); as of 12-18 the
    month in progress is its days through the 17th, the last landed by then."""
    rows = sql.run_query(con, sql.APP_DOWNLOADS, {"as_of": D("2024-12-18")})
    december = {r["app_id"]: r for r in rows if r["month"] == "2024-12"}
    assert {app: r["downloads_10k"] for app, r in december.items()} == {
        "doubao": 700.0,
        "kimi": 300.0,
        "yuanbao": 200.0,
    }
    assert {r["last_download_date"] for r in december.values()} == {D("2024-12-17")}
    assert {r["days_with_data"] for r in december.values()} == {17}


def test_releases_of_the_week_and_its_season_up_to_the_as_of_date(con):
    rows = sql.run_query(con, sql.RELEASE_EVENTS, {"as_of": D("2024-12-18")})
    assert [(r["event"], r["pacific_date"], r["beijing_date"], r["product"]) for r in rows] == [
        ("day7", D("2024-12-13"), D("2024-12-14"), "ChatGPT Projects"),
        ("day8", D("2024-12-16"), D("2024-12-17"), "ChatGPT 搜索"),
        ("day9", D("2024-12-17"), D("2024-12-18"), "DevDay"),
    ]
    assert rows[1]["beijing_time"] == "02:00" and rows[1]["season"] == "openai-12-days"


def test_a_missing_or_empty_warehouse_is_a_report_error(tmp_path):
    with (
        pytest.raises(sql.ReportError, match="no warehouse at"),
        sql.open_warehouse(tmp_path / "none.duckdb"),
    ):
        pass
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with sql.open_warehouse(empty) as con, pytest.raises(sql.ReportError, match="is empty"):
        sql.check_warehouse(con, D("2024-12-18"))


def test_no_market_data_by_the_as_of_date_is_a_report_error(con):
    with pytest.raises(sql.ReportError, match="no market data on or before 2024-01-05"):
        sql.check_warehouse(con, D("2024-01-05"))
    assert sql.last_session_in(con, D("2024-12-16"), D("2024-12-23")) == D("2024-12-19")
    assert sql.last_session_in(con, D("2024-12-23"), D("2024-12-30")) is None
