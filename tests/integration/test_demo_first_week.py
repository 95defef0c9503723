"""The demo's first week (2023-12-25) as its backfill records it: the Taipei and Seoul
listings, open on 25-26 December when the ECB publishes no rates, have a market cap,
converted at the last earlier rate, which the FX feed lands with the week before the run's
first (`lead_in_weeks`), so none of the run's checks warns about it."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

pytestmark = pytest.mark.integration

CHRISTMAS = (dt.date(2023, 12, 25), dt.date(2023, 12, 26))
LAST_RATE_BEFORE = dt.date(2023, 12, 22)  # the Friday: the ECB's last rates before Christmas


def test_taipei_and_seoul_have_a_market_cap_on_the_ecb_christmas_holidays(demo_year):
    """Every TWD and KRW bar of 25-26 December 2023 is converted at 22 December's rate."""
    with duckdb.connect(str(demo_year.warehouse), read_only=True) as con:
        rows = con.execute(
            "select symbol, as_of_date, market_cap_usd_100m, market_cap_100m, fx_rate_date "
            "from marts.stock_performance "
            "where currency in ('TWD', 'KRW') and as_of_date in (?, ?) order by all",
            list(CHRISTMAS),
        ).fetchall()
    taipei = {(symbol, day) for symbol in ("2356.TW", "2382.TW", "6669.TW") for day in CHRISTMAS}
    seoul = {("000660.KS", CHRISTMAS[1])}  # the KRX is closed on Christmas Day
    assert {(symbol, day) for symbol, day, *_ in rows} == taipei | seoul
    without_cap = [(s, day) for s, day, usd, cap, _ in rows if usd is None or cap is None]
    assert without_cap == []
    assert {rate_date for *_, rate_date in rows} == {LAST_RATE_BEFORE}


def test_the_first_weeks_market_cap_and_fx_checks_pass(demo_year):
    """The checks that warned on the first week, market cap not null and the FX rates
    carried forward, were evaluated by the run and passed."""
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in demo_year.checks}
    assert evaluations[("intermediate/int_listing_bars", "market_cap_100m_not_null")] is True
    assert evaluations[("raw/fx_rates", "carried_forward")] is True
    assert evaluations[("raw/fx_rates", "coverage")] is True
