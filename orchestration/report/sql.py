"""The one place the report touches SQL: the exhibit query files in `queries/`, run as is.

Each query file starts with `SET VARIABLE name = coalesce(getvariable('name'), default)`
lines, so analysts can run it as is or set a variable first. The report does what an
analyst does: it sets the variables it wants and runs the file's text unchanged. Every
variable a file reads is reset first, so one query's settings never leak into the next
on the same connection (one connection per report: one consistent warehouse snapshot).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb

from orchestration.published_builds import readable_warehouse
from orchestration.settings import PROJECT_ROOT

QUERIES_DIR = PROJECT_ROOT / "queries"

EXHIBIT_1 = "exhibit_1_stock_performance"
SECTOR_ROLLUP = "exhibit_1_sector_rollup"
WEB_TRAFFIC = "exhibit_2_5_web_traffic_weekly"
APP_DOWNLOADS = "exhibit_6_app_downloads_monthly"
GPU_PRICES = "exhibit_7_8_gpu_prices_weekly"
RELEASE_EVENTS = "exhibit_9_release_events"

# The query files the report runs, and the one whose mart a warehouse may not have yet.
REPORT_QUERIES = (
    EXHIBIT_1, SECTOR_ROLLUP, WEB_TRAFFIC, APP_DOWNLOADS, GPU_PRICES, RELEASE_EVENTS
)  # fmt: skip
OPTIONAL_TABLES = (("marts", "release_events"),)  # exhibit 9

_VARIABLE = re.compile(r"getvariable\('([A-Za-z_][A-Za-z0-9_]*)'\)")
_TABLE = re.compile(r"\b(marts|reference|staging)\.([a-z_][a-z0-9_]*)\b")
_COMMENT = re.compile(r"--[^\n]*")

Row = dict[str, Any]


class ReportError(RuntimeError):
    """The report cannot be built from this warehouse (missing, empty, no data yet)."""


def query_path(name: str) -> Path:
    return QUERIES_DIR / f"{name}.sql"


def query_text(name: str) -> str:
    return query_path(name).read_text(encoding="utf-8")


def tables_read() -> tuple[tuple[str, str], ...]:
    """Every (schema, table) the report reads: those its query files name (outside their
    comments). The report asset's dependencies and the warehouse check come from it."""
    found = {
        match.groups()
        for name in REPORT_QUERIES
        for match in _TABLE.finditer(_COMMENT.sub("", query_text(name)))
    }
    return tuple(sorted(found))


def required_tables() -> tuple[tuple[str, str], ...]:
    return tuple(table for table in tables_read() if table not in OPTIONAL_TABLES)


def query_variables(sql: str) -> list[str]:
    """The variables a query file reads, in order of first use."""
    return list(dict.fromkeys(_VARIABLE.findall(sql)))


@contextlib.contextmanager
def open_warehouse(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published warehouse (or `path`)."""
    path = path or readable_warehouse()
    if not path.is_file():
        raise ReportError(f"no warehouse at {path}: run `make demo` (or a backfill) first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open the warehouse {path}: {exc}".splitlines()[0]) from exc
    try:
        yield con
    finally:
        con.close()


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, variables: Mapping[str, Any] | None = None
) -> list[Row]:
    """Run `queries/<name>.sql` as is, with `variables` set and the file's others at their
    defaults; its last statement's rows as dicts."""
    sql = query_text(name)
    wanted = dict(variables or {})
    unknown = set(wanted) - set(query_variables(sql))
    if unknown:
        raise ValueError(f"{name}.sql reads no variable {sorted(unknown)}")
    for variable in query_variables(sql):
        con.execute(f"RESET VARIABLE {variable}")
    for variable, value in wanted.items():
        con.execute(f"SET VARIABLE {variable} = ?", [value])
    result = con.execute(sql)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def check_warehouse(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """Raise `ReportError` unless the warehouse can give a report as of `as_of`: the marts
    are there, it has market data by then, and that data reaches the as-of date (a report
    past the newest data would print older numbers under the as-of date's week, month and
    year labels)."""
    _check_tables(con)
    _check_market_data_by(con, as_of)
    _check_market_data_reaches(con, as_of)


def _check_tables(con: duckdb.DuckDBPyConnection) -> None:
    missing = [f"{s}.{t}" for s, t in required_tables() if not table_exists(con, s, t)]
    if missing:
        raise ReportError(
            f"the warehouse is empty (no {', '.join(missing)}): run `make demo` (or a backfill)"
        )


def _check_market_data_by(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    found = con.execute(
        "select count(*) from marts.stock_performance where as_of_date <= ?", [as_of]
    ).fetchone()
    if not found or not found[0]:
        raise ReportError(f"the warehouse has no market data on or before {as_of}")


def _check_market_data_reaches(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """The as-of week has market data, and no exchange traded between its newest landed
    bar and the as-of date (a day no exchange traded, a weekend or a holiday, is fine:
    the report shows the last close and says so)."""
    newest = newest_dates(con)
    monday = as_of - dt.timedelta(days=as_of.weekday())
    if newest["market"] < monday:
        raise ReportError(
            f"no market data in the week of {as_of} (from Monday {monday}): "
            f"{_landed(newest)}. Choose an as-of date on or before {newest['market']}, "
            "or land the weeks after it first"
        )
    missed = sessions_without_data(con, as_of)
    if missed:
        traded = ", ".join(
            f"{exchange} has a session on {session} (newest bar {bar})"
            for exchange, (bar, session) in missed.items()
        )
        choose = min(bar for bar, _ in missed.values())
        raise ReportError(
            f"the as-of date {as_of} is past the newest market data: {traded}; "
            f"{_landed(newest)}. Choose an as-of date on or before {choose}, "
            "or land the sessions after it first"
        )


def _landed(newest: Mapping[str, dt.date | None]) -> str:
    """'the newest data landed is market 2024-12-20, FX 2024-12-20, ...'."""
    days = ", ".join(f"{feed} {day}" for feed, day in newest.items() if day is not None)
    return f"the newest data landed is {days}"


def sessions_without_data(
    con: duckdb.DuckDBPyConnection, as_of: dt.date
) -> dict[str, tuple[dt.date, dt.date]]:
    """Each exchange that traded after its newest landed bar, on or before `as_of`: its
    newest bar and the first session after it (by staging.stg_exchange_sessions, the
    exchanges' calendars; without that table, nothing can be said)."""
    if not table_exists(con, "staging", "stg_exchange_sessions"):
        return {}
    rows = con.execute(
        """
        with landed as (
            select exchange, max(as_of_date) as newest_bar
            from marts.stock_performance
            where as_of_date <= $as_of
            group by exchange
        )
        select landed.exchange, landed.newest_bar, min(sessions.session_date)
        from landed
        inner join staging.stg_exchange_sessions as sessions using (exchange)
        where sessions.session_date > landed.newest_bar and sessions.session_date <= $as_of
        group by all
        order by landed.exchange
        """,
        {"as_of": as_of},
    ).fetchall()
    return {exchange: (bar, session) for exchange, bar, session in rows}


# Each feed's newest day, where the warehouse has its table (the staging tables are
# daily; the marts are what the report reads, and always there).
NEWEST = {
    "market": ("marts", "stock_performance", "as_of_date"),
    "FX": ("staging", "stg_fx_rates", "rate_date"),
    "web traffic": ("staging", "stg_web_traffic", "visit_date"),
    "app downloads": ("staging", "stg_app_downloads", "download_date"),
    "GPU prices": ("staging", "stg_gpu_prices", "price_date"),
}


def newest_dates(
    con: duckdb.DuckDBPyConnection, on_or_before: dt.date | None = None
) -> dict[str, dt.date | None]:
    """The newest day the warehouse holds of each feed, or the newest on or before
    `on_or_before` (what a report as of that day may show); None: no table or no rows."""
    found: dict[str, dt.date | None] = {}
    bound = on_or_before or dt.date.max
    for feed, (schema, table, column) in NEWEST.items():
        if table_exists(con, schema, table):
            row = con.execute(
                f"select max({column}) from {schema}.{table} where {column} <= ?", [bound]
            ).fetchone()
            found[feed] = row[0] if row else None
        else:
            found[feed] = None
    return found


def last_market_session(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dt.date:
    """The last trading day landed on or before `as_of`: what the report's data runs to."""
    row = con.execute(
        "select max(as_of_date) from marts.stock_performance where as_of_date <= ?", [as_of]
    ).fetchone()
    return row[0]


def last_session_in(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> dt.date | None:
    """The last trading day landed in marts.stock_performance within [start, end) that
    every exchange's data reaches (no exchange traded after its newest bar by then: one
    exchange's close may land before another's); the last landed day if none does, whose
    report then says which sessions are missing; None if no day of the range landed."""
    if not table_exists(con, "marts", "stock_performance"):
        return None
    landed = [
        row[0]
        for row in con.execute(
            "select distinct as_of_date from marts.stock_performance "
            "where as_of_date >= ? and as_of_date < ? order by as_of_date desc",
            [start, end],
        ).fetchall()
    ]
    covered = (day for day in landed if not sessions_without_data(con, day))
    return next(covered, landed[0] if landed else None)
