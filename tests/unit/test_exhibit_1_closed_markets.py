"""Exhibit 1 when a listing's exchange has no session yet in the as-of date's week, month
or year: the listing's row is its last session, from an earlier period, whose change for
that earlier period must not show under 本周, 本月 or 本年. Its price has not moved since
the period's base close (that last session is the base), so the change is 0.00 %; its
market cap is its last session's.

The sessions are the exchanges' real calendars: the Shanghai and Shenzhen exchanges were
closed for the Spring Festival from Friday 2024-02-09 to Sunday 02-18, Nasdaq traded that
week and was closed on Monday 02-19 (Presidents' Day); every exchange here was closed on
Monday 2024-01-01 and on Wednesday 2025-01-01. Changes are fractions with exact binary
values, so each expected percentage is exact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.exhibit import exhibit_1
from orchestration.report import sql
from tests.unit.report_warehouse import REFERENCE, mart_columns

D = dt.date.fromisoformat

WATCHLIST = [
    {"symbol": "NVDA.O", "display_order": 1, "sector": "CPU/GPU", "company_zh": "英伟达",
     "exchange": "XNAS", "report_unit": "USD"},
    {"symbol": "INTC.O", "display_order": 2, "sector": "CPU/GPU", "company_zh": "英特尔",
     "exchange": "XNAS", "report_unit": "USD"},
    {"symbol": "688256.SH", "display_order": 3, "sector": "CPU/GPU", "company_zh": "寒武纪",
     "exchange": "XSHG", "report_unit": "CNY"},
    {"symbol": "000977.SZ", "display_order": 4, "sector": "数据中心硬件", "company_zh": "浪潮信息",
     "exchange": "XSHE", "report_unit": "CNY"},
]  # fmt: skip


def _bar(symbol: str, day: str, wtd: float, mtd: float, ytd: float, cap: float) -> dict:
    listing = next(row for row in WATCHLIST if row["symbol"] == symbol)
    as_of = D(day)
    return {
        "symbol": symbol, "company": listing["company_zh"], "sector": listing["sector"],
        "exchange": listing["exchange"], "display_order": listing["display_order"],
        "as_of_date": as_of, "market_cap_100m": cap, "market_cap_unit": listing["report_unit"],
        "market_cap_usd_100m": cap if listing["report_unit"] == "USD" else cap / 8,
        "return_wtd": wtd, "return_mtd": mtd, "return_ytd": ytd,
        "week_start": as_of - dt.timedelta(days=as_of.weekday()),
    }  # fmt: skip


STOCK_PERFORMANCE = [
    # New Year 2024: the last sessions of 2023 are on Friday 12-29.
    _bar("NVDA.O", "2023-12-29", 0.0625, 0.125, 2.25, 12_000.0),
    _bar("INTC.O", "2023-12-29", 0.03125, 0.25, 0.875, 2_000.0),
    _bar("688256.SH", "2023-12-29", -0.046875, 0.1875, -0.125, 900.0),
    _bar("000977.SZ", "2023-12-29", 0.015625, -0.0625, 0.5, 500.0),
    # The Spring Festival: A-shares last trade on Thursday 02-08 and again on Monday 02-19.
    _bar("688256.SH", "2024-02-07", 0.0625, 0.03125, -0.3125, 950.0),
    _bar("688256.SH", "2024-02-08", 0.125, 0.0625, -0.25, 1_234.4),
    _bar("688256.SH", "2024-02-19", 0.015625, 0.078125, -0.234375, 1_260.0),
    _bar("000977.SZ", "2024-02-08", -0.0875, -0.04, 0.2, 456.7),
    _bar("000977.SZ", "2024-02-19", 0.025, -0.015, 0.25, 470.0),
    _bar("NVDA.O", "2024-02-09", 0.04, 0.1, 0.45, 17_000.0),
    _bar("NVDA.O", "2024-02-16", 0.0625, 0.15, 0.5, 18_000.0),
    _bar("NVDA.O", "2024-02-20", -0.0390625, 0.109375, 0.4375, 17_300.0),  # after the as-of
    # INTC.O has no bar of Nasdaq's sessions of 02-12..02-16: its week is unknown, not 0.
    _bar("INTC.O", "2024-02-09", -0.03, -0.08, -0.1, 1_800.0),
    # New Year 2025: Tuesday 2024-12-31 is the last session of the year everywhere.
    _bar("NVDA.O", "2024-12-31", 0.02, -0.05, 1.75, 32_000.0),
    _bar("INTC.O", "2024-12-31", -0.0625, -0.125, -0.5, 860.0),
    _bar("688256.SH", "2024-12-31", -0.03, 0.01, 0.375, 2_700.0),
    _bar("000977.SZ", "2024-12-31", 0.005, 0.015, 0.625, 800.0),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("closed") / "warehouse.duckdb"
    columns = {
        "marts.stock_performance": mart_columns()["stock_performance"],
        "reference.watchlist": REFERENCE["watchlist"],
    }
    rows = {"marts.stock_performance": STOCK_PERFORMANCE, "reference.watchlist": WATCHLIST}
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema reference")
        for table, table_columns in columns.items():
            names = [name for name, _ in table_columns]
            con.execute(f"create table {table} ({', '.join(f'{n} {t}' for n, t in table_columns)})")
            con.executemany(
                f"insert into {table} values ({', '.join('?' for _ in names)})",
                [[row.get(name) for name in names] for row in rows[table]],
            )
    return path


def _shown(warehouse: Path, as_of: str) -> dict[str, tuple]:
    return {
        row["code"]: (
            row["as_of_date"],
            row["market_cap"],
            row["week_pct"],
            row["month_pct"],
            row["year_pct"],
        )
        for row in exhibit_1(D(as_of), warehouse)
    }


def test_a_listing_whose_exchange_was_closed_all_week_did_not_move_this_week(warehouse):
    # As of Friday 2024-02-16 the A-shares show Thursday 02-08, last week's session: their
    # week is 0.00 % (not last week's +12.50 % and -8.75 %), their month and year run to
    # 02-08. INTC.O lacks the week's bars Nasdaq traded (NVDA.O has them): no week change.
    assert _shown(warehouse, "2024-02-16") == {
        "NVDA.O": (D("2024-02-16"), 18_000.0, 6.25, 15.0, 50.0),
        "INTC.O": (D("2024-02-09"), 1_800.0, None, -8.0, -10.0),
        "688256.SH": (D("2024-02-08"), 1_234.0, 0.0, 6.25, -25.0),
        "000977.SZ": (D("2024-02-08"), 457.0, 0.0, -4.0, 20.0),
    }


def test_a_holiday_monday_shows_no_change_this_week(warehouse):
    # Monday 2024-02-19: Shanghai trades again, Nasdaq is closed (Presidents' Day), so
    # NVDA.O shows Friday 02-16 with a week of 0.00 % and its February and year to 02-16;
    # the A-shares show their own Monday session.
    assert _shown(warehouse, "2024-02-19") == {
        "NVDA.O": (D("2024-02-16"), 18_000.0, 0.0, 15.0, 50.0),
        "INTC.O": (D("2024-02-09"), 1_800.0, None, -8.0, -10.0),
        "688256.SH": (D("2024-02-19"), 1_260.0, 1.56, 7.81, -23.44),
        "000977.SZ": (D("2024-02-19"), 470.0, 2.5, -1.5, 25.0),
    }


def test_new_years_day_on_a_monday_shows_no_change_in_any_period(warehouse):
    # Monday 2024-01-01: every listing shows Friday 2023-12-29, of the previous week, month
    # and year, so all three changes are 0.00 % (not 2023's +225.00 % and so on).
    assert _shown(warehouse, "2024-01-01") == {
        "NVDA.O": (D("2023-12-29"), 12_000.0, 0.0, 0.0, 0.0),
        "INTC.O": (D("2023-12-29"), 2_000.0, 0.0, 0.0, 0.0),
        "688256.SH": (D("2023-12-29"), 900.0, 0.0, 0.0, 0.0),
        "000977.SZ": (D("2023-12-29"), 500.0, 0.0, 0.0, 0.0),
    }


def test_new_years_day_mid_week_keeps_the_week_and_zeroes_month_and_year(warehouse):
    # Wednesday 2025-01-01: Tuesday 2024-12-31 is in the as-of week (its change since the
    # close of Friday 12-27 stands) but in the previous month and year.
    assert _shown(warehouse, "2025-01-01") == {
        "NVDA.O": (D("2024-12-31"), 32_000.0, 2.0, 0.0, 0.0),
        "INTC.O": (D("2024-12-31"), 860.0, -6.25, 0.0, 0.0),
        "688256.SH": (D("2024-12-31"), 2_700.0, -3.0, 0.0, 0.0),
        "000977.SZ": (D("2024-12-31"), 800.0, 0.5, 0.0, 0.0),
    }


def test_the_report_shows_the_same_changes(warehouse):
    # The report runs the same query file: 688256.SH's week as of 2024-02-16 is 0.00 %.
    with sql.open_warehouse(warehouse) as con:
        rows = sql.run_query(con, sql.EXHIBIT_1, {"as_of": D("2024-02-16")})
    shown = {row["code"]: (row["week_pct"], row["month_pct"]) for row in rows}
    assert shown["688256.SH"] == (0.0, 6.25)
    assert shown["NVDA.O"] == (6.25, 15.0)
