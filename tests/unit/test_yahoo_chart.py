"""parse_chart (Yahoo v8 chart payloads), restoring traded prices from split-adjusted ones,
and wind_to_yahoo (Wind code -> Yahoo symbol)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo_chart import (
    ChartSeries,
    YahooChartError,
    merge_splits,
    parse_chart,
    restore_dividends,
    restore_traded,
    split_factor,
    traded_series,
)

# Epoch seconds, computed once with zoneinfo:
SH_2024_12_18_0930 = 1734485400  # 2024-12-18 09:30 Asia/Shanghai = 2024-12-18 01:30Z
SH_2024_12_18_0000 = 1734451200  # 2024-12-18 00:00 Asia/Shanghai = 2024-12-17 16:00Z
SH_2024_12_19_0930 = SH_2024_12_18_0930 + 86400
NY_2024_12_18_0930 = 1734532200  # 2024-12-18 09:30 America/New_York = 2024-12-18 14:30Z
NY_2024_12_18_2000 = 1734570000  # 2024-12-18 20:00 America/New_York = 2024-12-19 01:00Z


def chart(
    timestamps: list[Any],
    quote: dict[str, Any],
    *,
    zone: str | None = "Asia/Shanghai",
    currency: str = "CNY",
    adjclose: list[Any] | None = None,
    events: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"currency": currency, "symbol": "688256.SS"}
    if zone is not None:
        meta["exchangeTimezoneName"] = zone
    indicators: dict[str, Any] = {"quote": [quote]}
    if adjclose is not None:
        indicators["adjclose"] = [{"adjclose": adjclose}]
    result: dict[str, Any] = {"meta": meta, "timestamp": timestamps, "indicators": indicators}
    if events is not None:
        result["events"] = events
    return {"chart": {"result": [result], "error": None}}


def one_bar(stamp: int, zone: str) -> dict[str, Any]:
    return chart([stamp], {"close": [1.0]}, zone=zone)


# --- good payloads ------------------------------------------------------------------


def test_good_payload_gives_exact_bar_values() -> None:
    payload = chart(
        [SH_2024_12_18_0930, SH_2024_12_19_0930],
        {
            "open": [410.0, 412.0],
            "high": [415.0, 416.2],
            "low": [405.1, 409.8],
            "close": [411.6, 413.35],
            "volume": [18200000, 0],
        },
        adjclose=[408.3, 413.35],
    )

    series = parse_chart(payload, "688256.SH")

    assert series.bars == [
        {
            "symbol": "688256.SH",
            "date": dt.date(2024, 12, 18),
            "currency": "CNY",
            "open": 410.0,
            "high": 415.0,
            "low": 405.1,
            "close": 411.6,
            "volume": 18200000.0,
            "adj_close": 408.3,
        },
        {
            "symbol": "688256.SH",
            "date": dt.date(2024, 12, 19),
            "currency": "CNY",
            "open": 412.0,
            "high": 416.2,
            "low": 409.8,
            "close": 413.35,
            "volume": 0.0,
            "adj_close": 413.35,
        },
    ]
    assert series.currency == "CNY"
    assert series.notes == []
    assert series.dividends == []
    assert series.splits == []


def test_asian_0930_local_timestamp_is_that_local_date() -> None:
    series = parse_chart(one_bar(SH_2024_12_18_0930, "Asia/Shanghai"), "688256.SH")
    assert [bar["date"] for bar in series.bars] == [dt.date(2024, 12, 18)]


def test_asian_midnight_local_timestamp_uses_exchange_date_not_utc_date() -> None:
    # 16:00Z on the 17th is already the 18th in Shanghai.
    series = parse_chart(one_bar(SH_2024_12_18_0000, "Asia/Shanghai"), "688256.SH")
    assert [bar["date"] for bar in series.bars] == [dt.date(2024, 12, 18)]


def test_us_0930_local_timestamp_is_that_local_date() -> None:
    series = parse_chart(one_bar(NY_2024_12_18_0930, "America/New_York"), "NVDA.O")
    assert [bar["date"] for bar in series.bars] == [dt.date(2024, 12, 18)]


def test_us_evening_timestamp_uses_exchange_date_not_utc_date() -> None:
    # 01:00Z on the 19th is still the 18th in New York.
    series = parse_chart(one_bar(NY_2024_12_18_2000, "America/New_York"), "NVDA.O")
    assert [bar["date"] for bar in series.bars] == [dt.date(2024, 12, 18)]


def test_bars_are_keyed_by_the_wind_symbol_passed_in() -> None:
    series = parse_chart(one_bar(NY_2024_12_18_0930, "America/New_York"), "NVDA.O")
    assert series.bars[0]["symbol"] == "NVDA.O"


def test_missing_exchange_timezone_raises() -> None:
    with pytest.raises(YahooChartError, match="exchangeTimezoneName"):
        parse_chart(chart([SH_2024_12_18_0930], {"close": [1.0]}, zone=None), "688256.SH")


# --- nulls and absent arrays ----------------------------------------------------------


def test_null_close_row_is_skipped_with_a_note() -> None:
    payload = chart(
        [SH_2024_12_18_0930, SH_2024_12_19_0930],
        {"open": [410.0, 412.0], "close": [411.6, None]},
    )

    series = parse_chart(payload, "688256.SH")

    assert [bar["date"] for bar in series.bars] == [dt.date(2024, 12, 18)]
    assert series.notes == ["688256.SH: 1 bar(s) without a close skipped"]


def test_null_open_is_kept_as_none() -> None:
    payload = chart([SH_2024_12_18_0930], {"open": [None], "close": [411.6]})

    series = parse_chart(payload, "688256.SH")

    assert series.bars[0]["open"] is None
    assert series.bars[0]["close"] == 411.6
    assert series.notes == []


def test_absent_adjclose_gives_none_adj_close() -> None:
    payload = chart([SH_2024_12_18_0930], {"close": [411.6]})  # no indicators.adjclose

    series = parse_chart(payload, "688256.SH")

    assert series.bars[0]["adj_close"] is None


def test_absent_quote_columns_give_none() -> None:
    series = parse_chart(chart([SH_2024_12_18_0930], {"close": [411.6]}), "688256.SH")
    bar = series.bars[0]
    assert (bar["open"], bar["high"], bar["low"], bar["volume"]) == (None, None, None, None)


def test_missing_close_array_raises() -> None:
    with pytest.raises(YahooChartError, match="'close'"):
        parse_chart(chart([SH_2024_12_18_0930], {"open": [1.0]}), "688256.SH")


# --- array length mismatch ------------------------------------------------------------


@pytest.mark.parametrize("name", ["open", "high", "low", "close", "volume"])
def test_quote_array_shorter_than_timestamps_raises_naming_it(name: str) -> None:
    quote = {column: [1.0, 2.0] for column in ("open", "high", "low", "close", "volume")}
    quote[name] = [1.0]

    with pytest.raises(YahooChartError, match=rf"{name} has 1 values for 2 timestamps"):
        parse_chart(chart([SH_2024_12_18_0930, SH_2024_12_19_0930], quote), "688256.SH")


def test_adjclose_array_longer_than_timestamps_raises_naming_it() -> None:
    payload = chart([SH_2024_12_18_0930], {"close": [1.0]}, adjclose=[1.0, 2.0])

    with pytest.raises(YahooChartError, match=r"adj_close has 2 values for 1 timestamps"):
        parse_chart(payload, "688256.SH")


# --- errors and empty windows ---------------------------------------------------------


def test_chart_error_no_data_found_raises() -> None:
    payload = {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }

    with pytest.raises(YahooChartError, match="No data found, symbol may be delisted"):
        parse_chart(payload, "XXXX.O")


def test_bare_400_data_doesnt_exist_body_is_an_empty_series_with_a_note() -> None:
    payload = {
        "code": "Bad Request",
        "description": "Data doesn't exist for startDate = 1, endDate = 2",
    }

    series = parse_chart(payload, "688256.SH")

    assert series.bars == []
    assert series.notes == [
        "688256.SH: no data in the window (Data doesn't exist for startDate = 1, endDate = 2)"
    ]


def test_empty_result_is_an_empty_series_with_a_note() -> None:
    series = parse_chart({"chart": {"result": [], "error": None}}, "688256.SH")

    assert series.bars == []
    assert series.notes == ["688256.SH: empty chart result"]


def test_empty_timestamps_give_no_bars_and_no_error() -> None:
    series = parse_chart(chart([], {"close": []}), "688256.SH")
    assert series.bars == []
    assert series.notes == []


@pytest.mark.parametrize("payload", [None, [], "<html>Will be right back</html>", 42])
def test_non_dict_payload_raises(payload: Any) -> None:
    with pytest.raises(YahooChartError, match="not a JSON object"):
        parse_chart(payload, "688256.SH")


def test_dict_without_chart_or_code_raises() -> None:
    with pytest.raises(YahooChartError, match="no 'chart' object"):
        parse_chart({"finance": {"result": None}}, "688256.SH")


def test_yahoo_chart_error_is_a_feed_data_error() -> None:
    assert issubclass(YahooChartError, FeedDataError)


# --- bad values -----------------------------------------------------------------------


def test_string_in_close_array_raises() -> None:
    with pytest.raises(YahooChartError, match="close: expected a number or null, got '411.6'"):
        parse_chart(chart([SH_2024_12_18_0930], {"close": ["411.6"]}), "688256.SH")


def test_string_in_volume_array_raises() -> None:
    payload = chart([SH_2024_12_18_0930], {"close": [1.0], "volume": ["100"]})
    with pytest.raises(YahooChartError, match="volume"):
        parse_chart(payload, "688256.SH")


def test_bool_in_numeric_array_raises() -> None:
    with pytest.raises(YahooChartError, match="expected a number or null"):
        parse_chart(chart([SH_2024_12_18_0930], {"close": [True]}), "688256.SH")


@pytest.mark.parametrize("stamp", [1734485400.0, "1734485400", True])
def test_non_integer_timestamp_raises(stamp: Any) -> None:
    with pytest.raises(YahooChartError, match="timestamp 0 is not an integer"):
        parse_chart(chart([stamp], {"close": [1.0]}), "688256.SH")


# --- events ---------------------------------------------------------------------------


def test_dividends_parsed_to_date_and_amount() -> None:
    events = {
        "dividends": {
            str(SH_2024_12_18_0000): {"date": SH_2024_12_18_0000, "amount": 0.35},
        }
    }

    series = parse_chart(chart([], {"close": []}, events=events), "688256.SH")

    assert series.dividends == [(dt.date(2024, 12, 18), 0.35)]


def test_dividends_sorted_by_date() -> None:
    events = {
        "dividends": {
            str(SH_2024_12_19_0930): {"date": SH_2024_12_19_0930, "amount": 0.2},
            str(SH_2024_12_18_0930): {"date": SH_2024_12_18_0930, "amount": 0.1},
        }
    }

    series = parse_chart(chart([], {"close": []}, events=events), "688256.SH")

    assert series.dividends == [(dt.date(2024, 12, 18), 0.1), (dt.date(2024, 12, 19), 0.2)]


def test_splits_parsed_to_date_numerator_denominator() -> None:
    events = {
        "splits": {
            str(NY_2024_12_18_0930): {
                "date": NY_2024_12_18_0930,
                "numerator": 10,
                "denominator": 1,
                "splitRatio": "10:1",
            }
        }
    }
    payload = chart([], {"close": []}, zone="America/New_York", currency="USD", events=events)

    series = parse_chart(payload, "NVDA.O")

    assert series.splits == [(dt.date(2024, 12, 18), 10.0, 1.0)]


def test_events_alongside_bars() -> None:
    events = {"dividends": {"x": {"date": SH_2024_12_18_0930, "amount": 3.4}}}
    payload = chart([SH_2024_12_18_0930], {"close": [411.6]}, events=events)

    series = parse_chart(payload, "688256.SH")

    assert isinstance(series, ChartSeries)
    assert len(series.bars) == 1
    assert series.dividends == [(dt.date(2024, 12, 18), 3.4)]


# --- wrong JSON types ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(meta=["x"]), "meta is not an object"),
        (lambda r: r["meta"].update(exchangeTimezoneName="Mars/Olympus"), "is not a time zone"),
        (lambda r: r["meta"].update(exchangeTimezoneName=5), "is not a string"),
        (lambda r: r["meta"].update(currency=840), "meta.currency 840 is not a string"),
        (lambda r: r.update(timestamp="1734485400"), "timestamp is not an array"),
        (lambda r: r.update(indicators=[]), "indicators is not an object"),
        (lambda r: r["indicators"].update(quote={"close": [1.0]}), "quote is not an array"),
        (lambda r: r["indicators"].update(quote=["x"]), r"quote\[0\] is not an object"),
        (lambda r: r["indicators"]["quote"][0].update(close="1.0"), "close is not an array"),
        (lambda r: r["indicators"].update(adjclose=[{"adjclose": 1.0}]), "adjclose is not an"),
        (lambda r: r.update(timestamp=[10**15]), "is not a plausible epoch second"),
        (lambda r: r.update(events=[]), "events is not an object"),
        (lambda r: r["events"].update(splits=[]), "events.splits is not an object"),
        (
            lambda r: r["events"]["dividends"].update(x={"date": 1734485400, "amount": "0.3"}),
            "dividend on 2024-12-18: amount: expected a number",
        ),
        (
            lambda r: r["events"]["dividends"].update(x={"date": 1734485400}),
            "dividend on 2024-12-18: amount: None is not a positive number",
        ),
        (
            lambda r: r["events"]["splits"].update(
                x={"date": 1734485400, "numerator": 0, "denominator": 1}
            ),
            "split on 2024-12-18: numerator: 0 is not a positive number",
        ),
        (lambda r: None, None),  # unchanged, the payload parses
    ],
)
def test_fields_of_the_wrong_type_are_chart_errors_naming_them(
    change: Callable[[dict[str, Any]], None], message: str | None
) -> None:
    payload = chart(
        [SH_2024_12_18_0930],
        {"close": [411.6]},
        adjclose=[411.6],
        events={"dividends": {}, "splits": {}},
    )
    change(payload["chart"]["result"][0])

    if message is None:
        assert len(parse_chart(payload, "688256.SH").bars) == 1
        return
    with pytest.raises(YahooChartError, match=message):
        parse_chart(payload, "688256.SH")


def test_a_result_that_is_not_an_array_is_a_chart_error() -> None:
    with pytest.raises(YahooChartError, match="chart.result is not an array"):
        parse_chart({"chart": {"result": {"meta": {}}, "error": None}}, "688256.SH")


# --- prices as traded -----------------------------------------------------------------

NVDA_SPLIT = (dt.date(2024, 6, 10), 10.0, 1.0)


def nvda_bar(day: dt.date, close: float, **values: float | None) -> dict[str, Any]:
    bar = {
        "symbol": "NVDA.O",
        "date": day,
        "currency": "USD",
        "open": close,
        "high": close,
        "low": close,
        "close": close,
        "volume": 1000.0,
        "adj_close": close,
    }
    bar.update(values)
    return bar


def test_a_bar_before_a_split_is_restored_to_its_traded_prices() -> None:
    adjusted = nvda_bar(
        dt.date(2024, 6, 7),
        120.888,
        open=119.77,
        high=121.5,
        low=118.003,
        volume=412_386_000.0,
        adj_close=120.86,
    )

    [traded] = restore_traded([adjusted], [NVDA_SPLIT], decimals=2)

    assert traded == nvda_bar(
        dt.date(2024, 6, 7),
        1208.88,
        open=1197.7,
        high=1215.0,
        low=1180.03,
        volume=41_238_600.0,
        adj_close=120.86,  # left as Yahoo gives it
    )
    assert adjusted["close"] == 120.888  # the input is not changed


def test_float32_noise_is_rounded_away_to_the_price_decimals() -> None:
    [traded] = restore_traded(
        [nvda_bar(dt.date(2024, 6, 7), 120.88800048828125)], [NVDA_SPLIT], decimals=2
    )
    assert traded["close"] == 1208.88


def test_without_decimals_a_restored_price_keeps_12_significant_digits() -> None:
    [traded] = restore_traded([nvda_bar(dt.date(2024, 6, 7), 1.1)], [(dt.date(2024, 6, 10), 3, 1)])
    assert 1.1 * 3 != 3.3
    assert traded["close"] == 3.3


def test_bars_on_or_after_the_split_and_nulls_are_left_alone() -> None:
    bars = [
        nvda_bar(dt.date(2024, 6, 10), 121.79),
        nvda_bar(dt.date(2024, 6, 11), 120.91),
        nvda_bar(dt.date(2024, 6, 7), 120.888, open=None, volume=None),
    ]

    on, after, before = restore_traded(bars, [NVDA_SPLIT], decimals=2)

    assert (on, after) == (bars[0], bars[1])
    assert (before["open"], before["volume"], before["close"]) == (None, None, 1208.88)


def test_splits_after_a_bar_multiply_and_earlier_ones_do_not_count() -> None:
    splits = [(dt.date(2021, 7, 20), 4, 1), NVDA_SPLIT, (dt.date(2025, 1, 2), 3, 2)]

    assert split_factor(dt.date(2021, 7, 19), splits) == 60.0
    assert split_factor(dt.date(2024, 6, 7), splits) == 15.0
    assert split_factor(dt.date(2024, 6, 10), splits) == 1.5
    assert split_factor(dt.date(2025, 1, 2), splits) == 1.0
    [traded] = restore_traded([nvda_bar(dt.date(2024, 6, 7), 80.592)], splits, decimals=2)
    assert traded["close"] == 1208.88


def test_a_split_with_a_bad_ratio_is_a_chart_error() -> None:
    with pytest.raises(YahooChartError, match="split on 2024-06-10: 10:0"):
        split_factor(dt.date(2024, 6, 7), [(dt.date(2024, 6, 10), 10, 0)])


def test_dividends_before_a_split_are_restored_to_the_amount_paid() -> None:
    dividends = [(dt.date(2024, 3, 5), 0.004), (dt.date(2024, 6, 11), 0.01)]

    assert restore_dividends(dividends, [NVDA_SPLIT]) == [
        (dt.date(2024, 3, 5), 0.04),
        (dt.date(2024, 6, 11), 0.01),
    ]


def test_merged_splits_keep_one_per_date() -> None:
    week = [(dt.date(2024, 6, 10), 10.0, 1.0)]
    history = [(dt.date(2021, 7, 20), 4.0, 1.0), (dt.date(2024, 6, 10), 10.0, 1.0)]

    assert merge_splits(week, history) == [(dt.date(2021, 7, 20), 4.0, 1.0), NVDA_SPLIT]


def test_traded_series_counts_the_weeks_own_split_and_keeps_its_events() -> None:
    series = ChartSeries(
        bars=[nvda_bar(dt.date(2024, 6, 7), 120.888), nvda_bar(dt.date(2024, 6, 10), 121.79)],
        dividends=[(dt.date(2024, 6, 7), 0.004)],
        splits=[NVDA_SPLIT],
        currency="USD",
    )

    traded = traded_series(series, [], decimals=2)

    assert [bar["close"] for bar in traded.bars] == [1208.88, 121.79]
    assert traded.dividends == [(dt.date(2024, 6, 7), 0.04)]
    assert traded.splits == [NVDA_SPLIT]
    assert series.bars[0]["close"] == 120.888


# --- wind_to_yahoo --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wind", "yahoo"),
    [
        ("NVDA.O", "NVDA"),
        ("ORCL.N", "ORCL"),
        ("688256.SH", "688256.SS"),
        ("000977.SZ", "000977.SZ"),
        ("0020.HK", "0020.HK"),
        ("20.HK", "0020.HK"),
        ("00020.HK", "0020.HK"),
        ("000660.KS", "000660.KS"),
        ("2382.TW", "2382.TW"),
    ],
)
def test_wind_to_yahoo_maps(wind: str, yahoo: str) -> None:
    assert wind_to_yahoo(wind) == yahoo


@pytest.mark.parametrize("bad", ["", "NVDA", ".O", "NVDA.", "NVDA.X", "688256.SS", "2382.TWO"])
def test_wind_to_yahoo_rejects_bad_codes(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Wind code"):
        wind_to_yahoo(bad)
