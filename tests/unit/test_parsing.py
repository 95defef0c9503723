"""The strict value readers every parser shares."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.feeds.downloads.qimai import parse_downloads
from orchestration.feeds.fx.frankfurter import parse_rates
from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.parsing import iso_date, json_number, text_number
from orchestration.feeds.market.yahoo_chart import YahooChartError, parse_chart


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("128.91", 128.91),
        ("1,234.5", 1234.5),
        ("-0.5", -0.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("", None),
        ("  7 ", 7.0),
    ],
)
def test_text_numbers(text, expected):
    assert text_number(text, "f") == expected


@pytest.mark.parametrize("text", ["1,5", "12,34", "1_000", "nan", "inf", "N/D", "-", "1.2.3", "$5"])
def test_text_that_is_not_a_plain_number_is_an_error(text):
    with pytest.raises(FeedDataError, match="is not a number"):
        text_number(text, "f")


@pytest.mark.parametrize("value", ["2024-12-18", "2024-12-18"])
def test_iso_dates(value):
    assert iso_date(value, "x") == dt.date(2024, 12, 18)


@pytest.mark.parametrize(
    "value", ["20241218", "2024-12-18garbage", "2024-12-18T00:00:00", 20241218, None]
)
def test_looser_dates_are_refused(value):
    with pytest.raises(FeedDataError):
        iso_date(value, "x")


def test_timestamps_give_their_date_only_where_allowed():
    assert iso_date("2025-01-10T03:04:05Z", "x", allow_time=True) == dt.date(2025, 1, 10)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "1", True])
def test_json_numbers_are_finite_numbers(value):
    with pytest.raises(FeedDataError):
        json_number(value, "x")


def test_qimai_timestamps_in_seconds_are_refused():
    payload = {"code": 10000, "data": {"list": [[1735660800, 5]]}}
    with pytest.raises(FeedDataError, match="looks like seconds"):
        parse_downloads(payload, app_id="doubao", platform="ios")


def test_frankfurter_quote_must_be_a_currency_code():
    with pytest.raises(FeedDataError, match="quote None is not a currency code"):
        parse_rates([{"date": "2024-12-18", "base": "USD", "quote": None, "rate": 7.28}])


def _chart(result):
    return {"chart": {"result": [result], "error": None}}


def test_yahoo_events_without_a_date_and_null_results_are_chart_errors():
    with pytest.raises(YahooChartError, match="is not an object"):
        parse_chart(_chart(None), "NVDA.O")
    result = {
        "meta": {"currency": "USD", "exchangeTimezoneName": "America/New_York"},
        "timestamp": [],
        "events": {"dividends": {"1": {"amount": 0.01}}},
        "indicators": {"quote": [{}]},
    }
    with pytest.raises(YahooChartError, match="event date None is not epoch seconds"):
        parse_chart(_chart(result), "NVDA.O")
