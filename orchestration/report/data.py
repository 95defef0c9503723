"""Everything one report needs, gathered from the exhibit queries on one connection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from orchestration.report import sql
from orchestration.report.sql import Row

CATEGORIES = ("text", "image", "video")
GPU_FAMILIES = ("H100", "A100")  # exhibits 7 and 8
TRAFFIC_WEEKS = 52
GPU_WEEKS = 52
DOWNLOAD_MONTHS = 6


@dataclass(frozen=True)
class ReportData:
    """The rows of every exhibit as of one date, straight from the query files."""

    as_of: dt.date
    data_through: dt.date  # the last market session on or before `as_of`
    feeds_through: dict[str, dt.date | None]  # each feed's newest day on or before `as_of`
    exhibit_1: list[Row]
    sectors: list[Row]
    traffic: dict[str, list[Row]]  # category -> site x week rows, every site
    downloads: list[Row]  # app x month rows, every app
    gpu: dict[str, list[Row]]  # GPU family -> card x condition x week rows
    releases: list[Row] | None  # None: the warehouse has no marts.release_events


def load_report_data(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> ReportData:
    """Run every exhibit query as of `as_of` (after checking the warehouse can answer)."""
    sql.check_warehouse(con, as_of)
    releases = None
    if sql.table_exists(con, "marts", "release_events"):
        releases = sql.run_query(con, sql.RELEASE_EVENTS, {"as_of": as_of})
    return ReportData(
        as_of=as_of,
        data_through=sql.last_market_session(con, as_of),
        feeds_through=sql.newest_dates(con, as_of),
        exhibit_1=sql.run_query(con, sql.EXHIBIT_1, {"as_of": as_of}),
        sectors=sql.run_query(con, sql.SECTOR_ROLLUP, {"as_of": as_of}),
        traffic={
            category: sql.run_query(
                con,
                sql.WEB_TRAFFIC,
                {"as_of": as_of, "traffic_category": category, "traffic_weeks": TRAFFIC_WEEKS},
            )
            for category in CATEGORIES
        },
        downloads=sql.run_query(
            con, sql.APP_DOWNLOADS, {"as_of": as_of, "downloads_months": DOWNLOAD_MONTHS}
        ),
        gpu={
            family: sql.run_query(
                con, sql.GPU_PRICES, {"as_of": as_of, "gpu_family": family, "gpu_weeks": GPU_WEEKS}
            )
            for family in GPU_FAMILIES
        },
        releases=releases,
    )
