"""parse_chart (Yahoo v8 chart payloads) and wind_to_yahoo (Wind code -> Yahoo symbol)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from orchestration.feeds.base import FeedDataError
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo_chart import ChartSeries, YahooChartError, parse_chart

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
