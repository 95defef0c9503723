"""The data-quality rules, called directly on rows as a landed week's table gives them."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from orchestration import calendars, seeds
from orchestration.datasets import RawDataset
from orchestration.feeds.downloads.datasets import APP_DOWNLOADS
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.fx.rules import (
    easter_sunday,
    fx_carried_forward,
    fx_coverage,
    fx_in_band,
    target_closing_days,
)
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.market.rules import (
    adjustment_jumps,
    consistent_range,
    daily_move,
    known_actions,
    positive_prices,
    sessions_complete,
)
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.partitions import FIRST_WEEK_ENV, WeekWindow
from orchestration.quality.policy import QualityPolicy
from orchestration.quality.rules import AuditContext, freshness, rules_by_dataset, unique_key

D = dt.date
WEEK = WeekWindow.from_partition_key("2024-12-16")  # Mon 16 .. Sun 22 December 2024
PREV = WeekWindow.from_partition_key("2024-12-09")
FETCHED = dt.datetime(2024, 12, 23, 1, 2, 3, tzinfo=dt.UTC)
TODAY = D(2024, 12, 23)  # the Monday after WEEK
WEDNESDAY = D(2024, 12, 18)
PROVENANCE = {"source": "test", "source_ref": None, "fetched_at": FETCHED}


def context(dataset: RawDataset, *, window=WEEK, today=TODAY, **values) -> AuditContext:
    return AuditContext(dataset=dataset, window=window, today=today, **values)


def rule(dataset: str, name: str):
    return next(r for r in rules_by_dataset()[dataset] if r.name == name).evaluate


def table(dataset: RawDataset, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=dataset.schema)


def bar(symbol="NVDA.O", day=WEDNESDAY, close=100.0, **values) -> dict:
    row = {
        "symbol": symbol,
        "date": day,
        "open": close,
        "high": close,
        "low": close,
        "close": close,
        "adj_close": close,
        "volume": 1000.0,
        "currency": "USD",
        "shares_outstanding": None,
        **PROVENANCE,
    }
    return {**row, **values}


def action(symbol="NVDA.O", day=WEDNESDAY, kind="dividend", value=0.01) -> dict:
    return {"symbol": symbol, "date": day, "action": kind, "value": value, **PROVENANCE}


def quote(currency: str, day: dt.date, rate: float | None = None) -> dict:
    mid = {"CNY": 7.28, "HKD": 7.77, "KRW": 1435.6, "TWD": 32.5}
    rate = mid.get(currency, 1.0) if rate is None else rate
    return {"date": day, "currency": currency, "units_per_usd": rate, **PROVENANCE}


def visits(site: str, day: dt.date, count: float) -> dict:
    return {
        "site_id": site,
        "domain": f"{site}.example",
        "category": "text",
        "date": day,
        "visits": count,
        "data_last_updated": None,
        **PROVENANCE,
    }


def downloads(app: str, day: dt.date, count: float) -> dict:
    return {"app_id": app, "platform": "ios", "date": day, "downloads": count, **PROVENANCE}


def calendar_of(listing: seeds.Listing) -> str:
    return seeds.exchanges()[listing.exchange].calendar_code


def every_bar(window: WeekWindow, until: dt.date) -> list[dict]:
    """A bar of every watchlist listing on every session of its exchange before `until`."""
    return [
        bar(listing.symbol, session.day, currency=listing.currency)
        for listing in seeds.watchlist()
        for session in calendars.sessions(calendar_of(listing), window.start, until)
    ]


def weekdays(window: WeekWindow) -> list[dt.date]:
    return [day for day in window.days() if day.weekday() < 5]


def full_fx_week(window: WeekWindow = WEEK) -> list[dict]:
    return [quote(c, day) for c in ("CNY", "HKD", "KRW", "TWD") for day in weekdays(window)]


def test_every_dataset_has_the_rules_these_tests_cover():
    names = {dataset: [r.name for r in rules] for dataset, rules in rules_by_dataset().items()}
    assert names == {
        "market_bars": [
            "contract",
            "unique_key",
            "positive_prices",
            "consistent_range",
            "sessions_complete",
            "daily_move",
            "adjustment_jumps",
            "freshness",
        ],
        "corporate_actions": ["contract", "unique_key", "known_actions"],
        "fx_rates": [
            "contract",
            "unique_key",
            "plausible_band",
            "coverage",
            "carried_forward",
            "freshness",
        ],
        "web_traffic": [
            "contract",
            "unique_key",
            "non_negative",
            "vanished_or_dropped",
            "freshness",
        ],
        "app_downloads": [
            "contract",
            "unique_key",
            "non_negative",
            "vanished_or_dropped",
            "freshness",
        ],
        "exchange_sessions": ["contract", "unique_key"],
        # Covered in test_gpu_release_rules.py.
        "gpu_prices": [
            "contract",
            "unique_key",
            "positive_prices",
            "known_conditions",
            "price_spikes",
            "freshness",
        ],
        "release_events": [
            "contract",
            "unique_key",
            "valid_time_zones",
            "no_duplicate_events",
            "has_source",
        ],
    }


def test_contract_is_checked_while_building_not_by_a_rule_function():
    assert all(
        rules[0].name == "contract" and rules[0].evaluate is None
        for rules in rules_by_dataset().values()
    )


# --- unique_key -------------------------------------------------------------------------


def test_unique_key_passes_one_row_per_key():
    rows = [bar(day=D(2024, 12, 17)), bar(day=D(2024, 12, 18)), bar("AMD.O")]
    assert unique_key(rows, context(MARKET_BARS)) == []


def test_unique_key_lists_each_duplicated_key_once_with_its_occurrences_sorted():
    rows = [
        bar("NVDA.O", D(2024, 12, 18)),
        bar("AMD.O", D(2024, 12, 17)),
        bar("NVDA.O", D(2024, 12, 18), close=101.0),
        bar("AMD.O", D(2024, 12, 18)),
        bar("NVDA.O", D(2024, 12, 18)),
        bar("AMD.O", D(2024, 12, 17)),
    ]
    assert unique_key(rows, context(MARKET_BARS)) == [
        {"symbol": "AMD.O", "date": D(2024, 12, 17), "occurrences": 2},
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "occurrences": 3},
    ]


def test_unique_key_of_corporate_actions_includes_the_action():
    rows = [action(kind="dividend"), action(kind="split", value=10.0), action(kind="split")]
    assert unique_key(rows, context(CORPORATE_ACTIONS)) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "action": "split", "occurrences": 2}
    ]


def test_unique_key_of_fx_is_currency_and_date():
    rows = [
        quote("KRW", D(2024, 12, 18)),
        quote("CNY", D(2024, 12, 18)),
        quote("KRW", D(2024, 12, 18)),
    ]
    assert unique_key(rows, context(FX_RATES)) == [
        {"currency": "KRW", "date": D(2024, 12, 18), "occurrences": 2}
    ]


def test_unique_key_of_downloads_includes_the_platform():
    rows = [downloads("kimi", D(2024, 12, 18), 1.0), downloads("kimi", D(2024, 12, 18), 2.0)]
    rows.append({**rows[0], "platform": "android"})
    assert unique_key(rows, context(APP_DOWNLOADS)) == [
        {"app_id": "kimi", "platform": "ios", "date": D(2024, 12, 18), "occurrences": 2}
    ]


# --- positive_prices --------------------------------------------------------------------


def test_positive_prices_passes_positive_and_missing_prices():
    rows = [bar(), bar(day=D(2024, 12, 17), open=None, high=None, low=None, adj_close=None)]
    assert positive_prices(rows, context(MARKET_BARS)) == []


@pytest.mark.parametrize("column", ["open", "high", "low", "close", "adj_close"])
@pytest.mark.parametrize("value", [0.0, -1.5])
def test_positive_prices_flags_a_zero_or_negative_price_in_each_column(column, value):
    rows = [bar(day=D(2024, 12, 17)), {**bar(), column: value}]
    assert positive_prices(rows, context(MARKET_BARS)) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "column": column, "value": value}
    ]


def test_positive_prices_lists_every_bad_column_of_a_row_in_column_order_ignoring_none():
    rows = [bar(adj_close=-0.5, low=None, high=-1.0, open=0.0, close=5.0)]
    assert positive_prices(rows, context(MARKET_BARS)) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "column": "open", "value": 0.0},
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "column": "high", "value": -1.0},
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "column": "adj_close", "value": -0.5},
    ]


# --- consistent_range -------------------------------------------------------------------


def test_consistent_range_passes_open_and_close_on_the_bounds():
    rows = [bar(open=99.0, low=99.0, close=101.0, high=101.0), bar(day=D(2024, 12, 17))]
    assert consistent_range(rows, context(MARKET_BARS)) == []


def test_consistent_range_flags_an_inverted_range_alone():
    rows = [bar(open=100.0, high=99.0, low=101.0, close=100.0)]
    assert consistent_range(rows, context(MARKET_BARS)) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "open": 100.0,
            "high": 99.0,
            "low": 101.0,
            "close": 100.0,
            "problem": "high < low",
        }
    ]


def test_consistent_range_flags_a_close_above_the_high():
    rows = [bar(open=100.0, high=101.0, low=99.0, close=102.0)]
    assert consistent_range(rows, context(MARKET_BARS)) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "open": 100.0,
            "high": 101.0,
            "low": 99.0,
            "close": 102.0,
            "problem": "close outside [low, high]",
        }
    ]


def test_consistent_range_flags_an_open_below_the_low_and_ignores_a_missing_open():
    rows = [
        bar("AMD.O", open=None, high=101.0, low=99.0, close=100.0),
        bar(open=98.0, high=101.0, low=99.0, close=100.0),
    ]
    assert consistent_range(rows, context(MARKET_BARS)) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "open": 98.0,
            "high": 101.0,
            "low": 99.0,
            "close": 100.0,
            "problem": "open outside [low, high]",
        }
    ]


@pytest.mark.parametrize(("high", "low"), [(None, None), (None, 99.0), (101.0, None)])
def test_consistent_range_skips_rows_without_high_or_low(high, low):
    rows = [bar(open=5.0, high=high, low=low, close=500.0)]
    assert consistent_range(rows, context(MARKET_BARS)) == []


# --- sessions_complete ------------------------------------------------------------------


def test_the_watchlist_has_33_listings_on_seven_exchanges():
    listings = seeds.watchlist()
    assert len(listings) == 33
    assert {listing.exchange for listing in listings} == {
        "XNAS",
        "XNYS",
        "XSHG",
        "XSHE",
        "XHKG",
        "XKRX",
        "XTAI",
    }


def test_sessions_complete_expects_only_sessions_before_today():
    today = D(2024, 12, 19)
    rows = every_bar(WEEK, today)
    assert {row["date"] for row in rows} == {D(2024, 12, 16), D(2024, 12, 17), D(2024, 12, 18)}
    assert sessions_complete(rows, context(MARKET_BARS, today=today)) == []


def test_sessions_complete_names_exactly_the_missing_bar():
    today = D(2024, 12, 19)
    rows = [
        row
        for row in every_bar(WEEK, today)
        if (row["symbol"], row["date"]) != ("2382.TW", D(2024, 12, 17))
    ]
    assert sessions_complete(rows, context(MARKET_BARS, today=today)) == [
        {"symbol": "2382.TW", "date": D(2024, 12, 17), "problem": "no bar on a session"}
    ]


def test_sessions_complete_lists_every_session_of_every_listing_when_nothing_came():
    today = D(2024, 12, 19)
    expected = [
        {"symbol": listing.symbol, "date": session.day, "problem": "no bar on a session"}
        for listing in seeds.watchlist()
        for session in calendars.sessions(calendar_of(listing), WEEK.start, today)
    ]
    assert len(expected) == 33 * 3
    assert sessions_complete([], context(MARKET_BARS, today=today)) == expected


def test_sessions_complete_follows_each_exchange_calendar_over_christmas():
    christmas = WeekWindow.from_partition_key("2024-12-23")
    failing = sessions_complete([], context(MARKET_BARS, window=christmas, today=D(2024, 12, 30)))
    missing = {}
    for row in failing:
        missing.setdefault(row["symbol"], []).append(row["date"].day)
    assert missing["NVDA.O"] == [23, 24, 26, 27]  # XNAS: closed on the 25th
    assert missing["0020.HK"] == [23, 24, 27]  # XHKG: closed 25th and 26th
    assert missing["000660.KS"] == [23, 24, 26, 27]  # XKRX
    assert missing["688256.SH"] == [23, 24, 25, 26, 27]  # XSHG: open
    assert missing["000977.SZ"] == [23, 24, 25, 26, 27]  # XSHE trades on the XSHG calendar
    assert missing["2382.TW"] == [23, 24, 25, 26, 27]  # XTAI: open


def test_sessions_complete_passes_a_complete_past_week():
    rows = every_bar(WEEK, WEEK.end)
    assert sessions_complete(rows, context(MARKET_BARS, today=D(2025, 1, 6))) == []


# --- daily_move -------------------------------------------------------------------------


def test_daily_move_passes_a_move_of_exactly_the_threshold():
    rows = [bar(day=D(2024, 12, 17), close=100.0), bar(day=D(2024, 12, 18), close=125.0)]
    assert daily_move(rows, context(MARKET_BARS)) == []


def test_daily_move_flags_a_move_beyond_the_threshold_on_adjusted_closes():
    rows = [
        bar(day=D(2024, 12, 19), close=126.0),
        bar(day=D(2024, 12, 17), close=100.0),
        bar(day=D(2024, 12, 18), close=126.0),
        bar("AMD.O", day=D(2024, 12, 18), close=120.0),
    ]
    assert daily_move(rows, context(MARKET_BARS)) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "previous_date": D(2024, 12, 17),
            "move": 0.26,
            "on": "adj_close",
        }
    ]


def test_daily_move_threshold_comes_from_the_policy():
    rows = [bar(day=D(2024, 12, 17), close=100.0), bar(day=D(2024, 12, 18), close=111.0)]
    assert daily_move(rows, context(MARKET_BARS)) == []
    strict = context(MARKET_BARS, policy=QualityPolicy(max_daily_move=0.1))
    assert daily_move(rows, strict) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "previous_date": D(2024, 12, 17),
            "move": 0.11,
            "on": "adj_close",
        }
    ]


def test_daily_move_ignores_a_split_the_adjusted_closes_absorb():
    rows = [
        bar(day=D(2024, 12, 17), close=100.0, adj_close=50.0),
        bar(day=D(2024, 12, 18), close=50.0, adj_close=50.0),
    ]
    assert daily_move(rows, context(MARKET_BARS)) == []


def test_daily_move_uses_closes_when_either_bar_lacks_an_adjusted_close():
    rows = [
        bar(day=D(2024, 12, 17), close=100.0, adj_close=None),
        bar(day=D(2024, 12, 18), close=50.0, adj_close=50.0),
    ]
    assert daily_move(rows, context(MARKET_BARS)) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "previous_date": D(2024, 12, 17),
            "move": -0.5,
            "on": "close",
        }
    ]


def test_daily_move_skips_a_zero_close_before():
    rows = [
        bar(day=D(2024, 12, 17), close=0.0, adj_close=None),
        bar(day=D(2024, 12, 18), close=5.0, adj_close=None),
    ]
    assert daily_move(rows, context(MARKET_BARS)) == []


def test_daily_move_compares_the_first_bar_with_the_previous_weeks_last_bar():
    previous = table(
        MARKET_BARS,
        [bar(day=D(2024, 12, 13), close=100.0), bar(day=D(2024, 12, 12), close=10.0)],
    )
    rows = [bar(day=D(2024, 12, 16), close=140.0), bar(day=D(2024, 12, 17), close=140.0)]
    assert daily_move(rows, context(MARKET_BARS)) == []
    assert daily_move(rows, context(MARKET_BARS, previous=previous)) == [
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 16),
            "previous_date": D(2024, 12, 13),
            "move": 0.4,
            "on": "adj_close",
        }
    ]


# --- adjustment_jumps -------------------------------------------------------------------

RATIO_DROP = [
    bar(day=D(2024, 12, 17), close=100.0, adj_close=100.0),
    bar(day=D(2024, 12, 18), close=100.0, adj_close=99.0),
]


def with_actions(*rows: dict, **values) -> AuditContext:
    actions = table(CORPORATE_ACTIONS, list(rows))
    return context(MARKET_BARS, related={"corporate_actions": actions}, **values)


def test_adjustment_jumps_pass_when_the_feed_gives_no_corporate_actions():
    assert adjustment_jumps(RATIO_DROP, context(MARKET_BARS)) == []


def test_adjustment_jumps_flag_a_ratio_change_without_an_event_rounded_to_6_decimals():
    other_listing = action("AMD.O", D(2024, 12, 18))
    other_day = action("NVDA.O", D(2024, 12, 17))
    assert adjustment_jumps(RATIO_DROP, with_actions(other_listing, other_day)) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "ratio_change": -0.01}
    ]


def test_adjustment_jumps_pass_a_ratio_change_on_a_reported_event_day():
    assert adjustment_jumps(RATIO_DROP, with_actions(action("NVDA.O", D(2024, 12, 18)))) == []


def test_adjustment_jumps_pass_a_change_within_the_closes_rounding_plus_tolerance():
    # 0.0012 > tolerance 0.001, but 9.87 and 9.88 are each known to +/-0.005 (~0.0005).
    rows = [
        bar(day=D(2024, 12, 17), close=9.87, adj_close=9.87),
        bar(day=D(2024, 12, 18), close=9.88, adj_close=9.88 * 1.0012),
    ]
    assert adjustment_jumps(rows, with_actions()) == []


def test_adjustment_jumps_flag_the_same_change_on_closes_quoted_to_many_decimals():
    rows = [
        bar(day=D(2024, 12, 17), close=9.87123456, adj_close=9.87123456),
        bar(day=D(2024, 12, 18), close=9.88123456, adj_close=9.88123456 * 1.0012),
    ]
    assert adjustment_jumps(rows, with_actions()) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "ratio_change": 0.0012}
    ]


def test_adjustment_jumps_flag_a_change_beyond_the_rounding():
    rows = [
        bar(day=D(2024, 12, 17), close=9.87, adj_close=9.87),
        bar(day=D(2024, 12, 18), close=9.88, adj_close=9.88 * 1.0025),
    ]
    assert adjustment_jumps(rows, with_actions()) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 18), "ratio_change": 0.0025}
    ]


def test_adjustment_jumps_skip_bars_without_an_adjusted_close():
    rows = [RATIO_DROP[0], bar(day=D(2024, 12, 18), adj_close=None), RATIO_DROP[1]]
    rows[2] = {**rows[2], "date": D(2024, 12, 19)}
    assert adjustment_jumps(rows, with_actions()) == []


def test_adjustment_jumps_stay_within_one_pull_each_pull_has_its_own_basis():
    previous = table(MARKET_BARS, [bar(day=D(2024, 12, 13), close=100.0, adj_close=100.0)])
    rows = [bar(day=D(2024, 12, 16), close=100.0, adj_close=98.0)]
    assert adjustment_jumps(rows, with_actions(previous=previous)) == []


def test_adjustment_jumps_ignore_a_re_adjustment_for_an_event_later_in_the_week():
    # Published last week: no dividend known yet, adj_close == close.
    previous = table(MARKET_BARS, [bar(day=D(2024, 12, 13), close=100.0, adj_close=100.0)])
    # Fetched this week: a 1.00 dividend goes ex on Wednesday; earlier bars scale by 0.99.
    rows = [
        bar(day=D(2024, 12, 16), close=100.0, adj_close=99.0),
        bar(day=D(2024, 12, 17), close=100.0, adj_close=99.0),
        bar(day=D(2024, 12, 18), close=99.0, adj_close=99.0),
        bar(day=D(2024, 12, 19), close=99.0, adj_close=99.0),
    ]
    ctx = with_actions(action(day=D(2024, 12, 18), value=1.0), previous=previous)
    assert adjustment_jumps(rows, ctx) == []


# --- known_actions ----------------------------------------------------------------------


def test_known_actions_pass_dividends_and_splits_with_positive_values():
    rows = [action(kind="dividend", value=0.24), action(kind="split", value=10.0)]
    assert known_actions(rows, context(CORPORATE_ACTIONS)) == []


def test_known_actions_flag_unknown_actions_and_values_not_above_zero():
    rows = [
        action("AMD.O", kind="spinoff", value=1.0),
        action("INTC.O", kind="dividend", value=0.0),
        action("MU.O", kind="merger", value=-1.0),
    ]
    assert known_actions(rows, context(CORPORATE_ACTIONS)) == [
        {
            "symbol": "AMD.O",
            "date": D(2024, 12, 18),
            "action": "spinoff",
            "value": 1.0,
            "problem": "unknown action",
        },
        {
            "symbol": "INTC.O",
            "date": D(2024, 12, 18),
            "action": "dividend",
            "value": 0.0,
            "problem": "value must be > 0",
        },
        {
            "symbol": "MU.O",
            "date": D(2024, 12, 18),
            "action": "merger",
            "value": -1.0,
            "problem": "unknown action",
        },
        {
            "symbol": "MU.O",
            "date": D(2024, 12, 18),
            "action": "merger",
            "value": -1.0,
            "problem": "value must be > 0",
        },
    ]


# --- fx_in_band -------------------------------------------------------------------------


def test_fx_in_band_passes_rates_inside_their_bands_bounds_included_and_unknown_currencies():
    rows = [
        quote("CNY", D(2024, 12, 18), 7.2864),
        quote("HKD", D(2024, 12, 18), 7.70),
        quote("KRW", D(2024, 12, 18), 2000.0),
        quote("TWD", D(2024, 12, 18), 25.0),
        quote("EUR", D(2024, 12, 18), 123.0),
    ]
    assert fx_in_band(rows, context(FX_RATES)) == []


def test_fx_in_band_flags_an_inverse_and_a_shifted_decimal():
    rows = [
        quote("HKD", D(2024, 12, 17), 7.77),
        quote("HKD", D(2024, 12, 18), 0.1287),
        quote("KRW", D(2024, 12, 18), 143.56),
    ]
    assert fx_in_band(rows, context(FX_RATES)) == [
        {"currency": "HKD", "date": D(2024, 12, 18), "units_per_usd": 0.1287, "band": "7.7..7.9"},
        {
            "currency": "KRW",
            "date": D(2024, 12, 18),
            "units_per_usd": 143.56,
            "band": "900.0..2000.0",
        },
    ]


def test_fx_in_band_uses_the_policys_bands():
    policy = QualityPolicy(fx_bands={"EUR": (0.8, 1.0)})
    rows = [quote("EUR", D(2024, 12, 18), 1.2), quote("HKD", D(2024, 12, 18), 0.1287)]
    assert fx_in_band(rows, context(FX_RATES, policy=policy)) == [
        {"currency": "EUR", "date": D(2024, 12, 18), "units_per_usd": 1.2, "band": "0.8..1.0"}
    ]


# --- fx_coverage and fx_carried_forward -------------------------------------------------


def test_the_needed_currencies_come_from_the_watchlist():
    assert seeds.watchlist_currencies() == ["CNY", "HKD", "KRW", "TWD"]


def test_fx_coverage_passes_a_rate_for_every_needed_currency_on_every_weekday():
    rows = [*full_fx_week(), quote("EUR", D(2024, 12, 18))]
    assert fx_coverage(rows, context(FX_RATES)) == []
    assert fx_carried_forward(rows, context(FX_RATES)) == []


def test_fx_expects_no_rate_today_or_later():
    rows = [row for row in full_fx_week() if row["date"] < D(2024, 12, 19)]
    ctx = context(FX_RATES, today=D(2024, 12, 19), previous=table(FX_RATES, full_fx_week(PREV)))
    assert fx_coverage(rows, ctx) == []
    assert fx_carried_forward(rows, ctx) == []


def test_fx_carried_within_the_limit_passes_coverage_but_is_listed_as_carried():
    rows = [row for row in full_fx_week() if (row["currency"], row["date"].day) != ("KRW", 18)]
    ctx = context(FX_RATES, previous=table(FX_RATES, full_fx_week(PREV)))
    assert fx_coverage(rows, ctx) == []
    assert fx_carried_forward(rows, ctx) == [
        {"currency": "KRW", "date": D(2024, 12, 18), "rate_date": D(2024, 12, 17)}
    ]


def test_fx_carried_from_the_previous_week_fails_coverage_past_the_carry_limit():
    rows = [row for row in full_fx_week() if row["currency"] != "KRW"]
    ctx = context(FX_RATES, previous=table(FX_RATES, full_fx_week(PREV)))
    assert fx_coverage(rows, ctx) == [
        {
            "currency": "KRW",
            "date": D(2024, 12, day),
            "rate_date": D(2024, 12, 13),
            "problem": "rate older than 4 days",
        }
        for day in (18, 19, 20)
    ]
    assert fx_carried_forward(rows, ctx) == [
        {"currency": "KRW", "date": D(2024, 12, day), "rate_date": D(2024, 12, 13)}
        for day in (16, 17, 18, 19, 20)
    ]


def test_fx_carry_limit_comes_from_the_policy():
    rows = [row for row in full_fx_week() if row["currency"] != "KRW" or row["date"].day < 18]
    policy = QualityPolicy(fx_max_carry_days=2)
    ctx = context(FX_RATES, policy=policy, previous=table(FX_RATES, full_fx_week(PREV)))
    assert fx_coverage(rows, ctx) == [
        {
            "currency": "KRW",
            "date": D(2024, 12, 20),
            "rate_date": D(2024, 12, 17),
            "problem": "rate older than 2 days",
        }
    ]


def test_fx_currency_absent_from_the_week_and_the_previous_week_fails_every_past_weekday():
    previous = table(FX_RATES, [r for r in full_fx_week(PREV) if r["currency"] != "KRW"])
    rows = [row for row in full_fx_week() if row["currency"] != "KRW"]
    ctx = context(FX_RATES, today=D(2024, 12, 20), previous=previous)
    assert fx_coverage(rows, ctx) == [
        {
            "currency": "KRW",
            "date": D(2024, 12, day),
            "rate_date": None,
            "problem": "no rate on or before this day",
        }
        for day in (16, 17, 18, 19)
    ]


def test_fx_carried_over_the_ecbs_closing_days_is_not_listed():
    """Christmas and Boxing Day: the ECB publishes no rates; the Friday's carry. Easter is
    computed: Good Friday 2024 is 29 March, Easter Monday 1 April."""
    previous = [quote(c, D(2024, 12, 20)) for c in seeds.watchlist_currencies()]
    christmas = context(
        FX_RATES, window=WeekWindow.from_partition_key("2024-12-23"), today=D(2025, 1, 6),
        previous=table(FX_RATES, previous),
    )  # fmt: skip
    week = [
        quote(c, D(2024, 12, day)) for c in seeds.watchlist_currencies() for day in (23, 24, 27)
    ]
    assert fx_carried_forward(week, christmas) == []
    assert fx_carried_forward(week[1:], christmas) == [
        {"currency": "CNY", "date": D(2024, 12, 23), "rate_date": D(2024, 12, 20)}
    ]
    assert {D(2024, 3, 29), D(2024, 4, 1)} <= target_closing_days(2024)
    assert easter_sunday(2025) == D(2025, 4, 20)


def test_fx_first_landed_week_with_a_holiday_monday_is_carried_not_failed():
    rows = [row for row in full_fx_week() if (row["currency"], row["date"].day) != ("CNY", 16)]
    first = context(FX_RATES, previous=None)
    assert fx_coverage(rows, first) == []
    assert fx_carried_forward(rows, first) == [
        {"currency": "CNY", "date": D(2024, 12, 16), "rate_date": None}
    ]


def test_fx_a_week_after_a_landed_one_fails_a_day_with_no_rate_at_all():
    rows = [row for row in full_fx_week() if (row["currency"], row["date"].day) != ("CNY", 16)]
    previous = table(FX_RATES, [r for r in full_fx_week(PREV) if r["currency"] != "CNY"])
    assert fx_coverage(rows, context(FX_RATES, previous=previous)) == [
        {
            "currency": "CNY",
            "date": D(2024, 12, 16),
            "rate_date": None,
            "problem": "no rate on or before this day",
        }
    ]


def test_fx_first_landed_week_without_a_currency_at_all_fails_coverage():
    rows = [row for row in full_fx_week() if row["currency"] != "KRW"]
    failing = fx_coverage(rows, context(FX_RATES, previous=None))
    assert {row["currency"] for row in failing} == {"KRW"}


# --- non_negative -----------------------------------------------------------------------


def test_non_negative_visits():
    rows = [
        visits("chatgpt", D(2024, 12, 17), 0.0),
        visits("chatgpt", D(2024, 12, 18), -1.5),
        visits("claude", D(2024, 12, 18), 12.5),
    ]
    assert rule("web_traffic", "non_negative")(rows, context(WEB_TRAFFIC)) == [
        {"site_id": "chatgpt", "date": D(2024, 12, 18), "visits": -1.5}
    ]
    assert rule("web_traffic", "non_negative")(rows[::2], context(WEB_TRAFFIC)) == []


def test_non_negative_downloads():
    rows = [downloads("kimi", D(2024, 12, 17), 0.0), downloads("doubao", D(2024, 12, 18), -3.0)]
    assert rule("app_downloads", "non_negative")(rows, context(APP_DOWNLOADS)) == [
        {"app_id": "doubao", "platform": "ios", "date": D(2024, 12, 18), "downloads": -3.0}
    ]
    assert rule("app_downloads", "non_negative")(rows[:1], context(APP_DOWNLOADS)) == []


# --- vanished_or_dropped ----------------------------------------------------------------


def traffic_week(window: WeekWindow, **sites: list[float]) -> list[dict]:
    return [
        visits(site, window.start + dt.timedelta(days=i), count)
        for site, counts in sites.items()
        for i, count in enumerate(counts)
    ]


def downloads_week(window: WeekWindow, **apps: list[float]) -> list[dict]:
    return [
        downloads(app, window.start + dt.timedelta(days=i), count)
        for app, counts in apps.items()
        for i, count in enumerate(counts)
    ]


def traffic_context(previous_rows: list[dict] | None, **values) -> AuditContext:
    previous = None if previous_rows is None else table(WEB_TRAFFIC, previous_rows)
    return context(WEB_TRAFFIC, previous=previous, **values)


def test_vanished_or_dropped_passes_without_a_previous_week():
    rule_ = rule("web_traffic", "vanished_or_dropped")
    assert rule_([], traffic_context(None)) == []
    assert rule_([], traffic_context([])) == []


def test_vanished_or_dropped_flags_a_site_gone_since_last_week():
    previous = traffic_week(PREV, chatgpt=[100.0, 100.0], claude=[100.5, 200.25])
    rows = traffic_week(WEEK, chatgpt=[100.0, 90.0])
    assert rule("web_traffic", "vanished_or_dropped")(rows, traffic_context(previous)) == [
        {"site_id": "claude", "previous_daily_mean": 150.38, "problem": "vanished"}
    ]


def test_vanished_or_dropped_flags_a_mean_daily_fall_beyond_the_policy_with_rounded_means():
    previous = traffic_week(PREV, chatgpt=[100.0], claude=[1000.123, 1000.125])
    rows = traffic_week(WEEK, chatgpt=[100.0], claude=[150.111, 150.113])
    assert rule("web_traffic", "vanished_or_dropped")(rows, traffic_context(previous)) == [
        {
            "site_id": "claude",
            "previous_daily_mean": 1000.12,
            "daily_mean": 150.11,
            "problem": "fell week over week",
        }
    ]


def test_vanished_or_dropped_passes_a_fall_of_exactly_the_policy_share():
    previous = traffic_week(PREV, claude=[1000.0, 1000.0])
    assert (
        rule("web_traffic", "vanished_or_dropped")(
            traffic_week(WEEK, claude=[200.0]), traffic_context(previous)
        )
        == []
    )
    assert rule("web_traffic", "vanished_or_dropped")(
        traffic_week(WEEK, claude=[199.0]), traffic_context(previous)
    ) == [
        {
            "site_id": "claude",
            "previous_daily_mean": 1000.0,
            "daily_mean": 199.0,
            "problem": "fell week over week",
        }
    ]


def test_vanished_or_dropped_passes_a_fall_of_exactly_a_configured_share():
    previous = traffic_week(PREV, claude=[1000.0])
    ctx = traffic_context(previous, policy=QualityPolicy(max_weekly_drop=0.7))
    assert rule("web_traffic", "vanished_or_dropped")(traffic_week(WEEK, claude=[300.0]), ctx) == []


def test_vanished_or_dropped_ignores_sites_that_had_no_visits_and_new_sites():
    previous = traffic_week(PREV, claude=[0.0, 0.0])
    rows = traffic_week(WEEK, claude=[0.0], gemini=[5.0])
    assert rule("web_traffic", "vanished_or_dropped")(rows, traffic_context(previous)) == []


def test_vanished_or_dropped_for_downloads_is_per_app():
    previous = table(APP_DOWNLOADS, downloads_week(PREV, kimi=[500.0, 700.0], doubao=[10.0]))
    rows = downloads_week(WEEK, kimi=[100.0, 110.0])
    ctx = context(APP_DOWNLOADS, previous=previous)
    assert rule("app_downloads", "vanished_or_dropped")(rows, ctx) == [
        {"app_id": "doubao", "previous_daily_mean": 10.0, "problem": "vanished"},
        {
            "app_id": "kimi",
            "previous_daily_mean": 600.0,
            "daily_mean": 105.0,
            "problem": "fell week over week",
        },
    ]
    still = downloads_week(WEEK, kimi=[125.0], doubao=[2.5])
    assert rule("app_downloads", "vanished_or_dropped")(still, ctx) == []


# --- freshness --------------------------------------------------------------------------


def fresh(dataset: RawDataset, rows: list[dict], today: dt.date, **values) -> list[dict]:
    return freshness(rows, context(dataset, today=today, **values))


def test_freshness_only_looks_at_the_latest_window():
    assert fresh(MARKET_BARS, [], D(2025, 1, 10), is_latest=False) == []


def test_freshness_ignores_a_dataset_without_a_deadline():
    assert fresh(CORPORATE_ACTIONS, [], D(2025, 1, 10)) == []


def test_freshness_passes_an_incomplete_week_before_its_deadline():
    rows = [bar(day=D(2024, 12, 17))]
    assert fresh(MARKET_BARS, rows, D(2024, 12, 23)) == []


def test_freshness_passes_a_complete_week_after_its_deadline():
    rows = [bar(day=D(2024, 12, 16)), bar("AMD.O", day=D(2024, 12, 20))]
    assert fresh(MARKET_BARS, rows, D(2024, 12, 24)) == []


def test_freshness_flags_a_week_missing_its_last_days_after_the_deadline():
    rows = [bar(day=D(2024, 12, 16)), bar(day=D(2024, 12, 19))]
    assert fresh(MARKET_BARS, rows, D(2024, 12, 24)) == [
        {
            "week": D(2024, 12, 16),
            "expected_through": D(2024, 12, 20),
            "found_through": D(2024, 12, 19),
            "deadline": D(2024, 12, 24),
        }
    ]


def test_freshness_of_an_empty_week_after_the_deadline_found_nothing():
    assert fresh(MARKET_BARS, [], D(2025, 1, 10)) == [
        {
            "week": D(2024, 12, 16),
            "expected_through": D(2024, 12, 20),
            "found_through": None,
            "deadline": D(2024, 12, 24),
        }
    ]


@pytest.fixture
def calendars_from_2020(monkeypatch):
    """The calendars as a project whose history starts in 2021 builds them."""
    monkeypatch.setenv(FIRST_WEEK_ENV, "2021-01-04")
    calendars._known_sessions.cache_clear()
    yield
    calendars._known_sessions.cache_clear()


def test_freshness_of_market_bars_expects_the_last_session_on_any_watchlist_exchange(
    calendars_from_2020,
):
    # 1 January 2021 (a Friday) was a holiday everywhere; KRX also closed on the 31st.
    week = WeekWindow.from_partition_key("2020-12-28")
    krx_complete = [bar("000660.KS", D(2020, 12, day), currency="KRW") for day in (28, 29, 30)]
    assert fresh(MARKET_BARS, krx_complete, D(2021, 1, 5), window=week) == [
        {
            "week": D(2020, 12, 28),
            "expected_through": D(2020, 12, 31),
            "found_through": D(2020, 12, 30),
            "deadline": D(2021, 1, 5),
        }
    ]
    rows = [*krx_complete, bar("NVDA.O", D(2020, 12, 31))]
    assert fresh(MARKET_BARS, rows, D(2021, 1, 5), window=week) == []


def test_freshness_of_fx_skips_the_weekend():
    through_friday = [quote("CNY", day) for day in weekdays(WEEK)]
    assert fresh(FX_RATES, through_friday, D(2024, 12, 25)) == []
    assert fresh(FX_RATES, through_friday[:-1], D(2024, 12, 25)) == [
        {
            "week": D(2024, 12, 16),
            "expected_through": D(2024, 12, 20),
            "found_through": D(2024, 12, 19),
            "deadline": D(2024, 12, 25),
        }
    ]
    assert fresh(FX_RATES, through_friday[:-1], D(2024, 12, 24)) == []


def test_freshness_of_web_traffic_waits_five_days_after_the_week():
    through_saturday = traffic_week(WEEK, chatgpt=[1.0] * 6)
    assert fresh(WEB_TRAFFIC, through_saturday, D(2024, 12, 27)) == []
    assert fresh(WEB_TRAFFIC, through_saturday, D(2024, 12, 28)) == [
        {
            "week": D(2024, 12, 16),
            "expected_through": D(2024, 12, 22),
            "found_through": D(2024, 12, 21),
            "deadline": D(2024, 12, 28),
        }
    ]


def test_freshness_of_web_traffic_allows_for_the_providers_three_day_lag():
    """Similarweb releases a day within 72 hours after it ends: a pull today holds the days
    through four days ago."""
    policy = QualityPolicy(freshness_deadline_days={"web_traffic": 0})
    assert WEB_TRAFFIC.freshness.lag_days == 3 and policy.provider_lag_days == {}
    # Today 23 December: the 19th ended more than 72 hours ago, the 20th not yet.
    through_19th = traffic_week(WEEK, chatgpt=[1.0] * 4)
    assert fresh(WEB_TRAFFIC, through_19th, D(2024, 12, 23), policy=policy) == []
    assert fresh(WEB_TRAFFIC, through_19th[:-1], D(2024, 12, 23), policy=policy) == [
        {
            "week": D(2024, 12, 16),
            "expected_through": D(2024, 12, 19),
            "found_through": D(2024, 12, 18),
            "deadline": D(2024, 12, 23),
        }
    ]


def test_freshness_of_app_downloads_expects_the_whole_week_three_days_after():
    rows = downloads_week(WEEK, kimi=[1.0] * 7)
    assert fresh(APP_DOWNLOADS, rows, D(2024, 12, 26)) == []
    assert fresh(APP_DOWNLOADS, rows[:-1], D(2024, 12, 25)) == []
    assert fresh(APP_DOWNLOADS, rows[:-1], D(2024, 12, 26)) == [
        {
            "week": D(2024, 12, 16),
            "expected_through": D(2024, 12, 22),
            "found_through": D(2024, 12, 21),
            "deadline": D(2024, 12, 26),
        }
    ]


def test_daily_move_does_not_compare_across_weeks_when_this_pull_restates_the_basis():
    # Last week, before the split: 1000 as traded and adjusted. This week's pull reports a
    # 10-for-1 split and restates every adjusted close: comparing the two would be a -90 %
    # "move" that never happened.
    previous = table(MARKET_BARS, [bar(day=D(2024, 12, 13), close=1000.0, adj_close=1000.0)])
    rows = [bar(day=D(2024, 12, 16), close=1000.0, adj_close=100.0)]
    split = with_actions(action(day=D(2024, 12, 18), kind="split", value=10.0), previous=previous)
    assert daily_move(rows, split) == []
    without_events = context(MARKET_BARS, previous=previous)
    assert daily_move(rows, without_events) == [
        {"symbol": "NVDA.O", "date": D(2024, 12, 16), "previous_date": D(2024, 12, 13),
         "move": -0.9, "on": "adj_close"}
    ]  # fmt: skip
