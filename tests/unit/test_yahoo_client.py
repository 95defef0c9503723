"""YahooMarketFeed against a local server speaking the v8 chart API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from orchestration import seeds
from orchestration.feeds.http import ProviderBodyError, ProviderHTTPError
from orchestration.feeds.market.yahoo import YahooMarketFeed, chart_period
from orchestration.feeds.market.yahoo_chart import YahooChartError
from orchestration.partitions import DateWindow, WeekWindow
from tests.unit.http_fakes import FakeClock

WEEK = WeekWindow.from_partition_key("2024-12-16")
TODAY = dt.date(2024, 12, 19)  # the window is 2024-12-16 .. 2024-12-19
NY_0930 = {16: 1734359400, 17: 1734445800, 18: 1734532200, 19: 1734618600}
SH_0930 = {18: 1734485400}
LISTINGS = {listing.symbol: listing for listing in seeds.watchlist()}


def chart(
    zone: str, currency: str, stamps: list[int], closes: list[float], events: dict[str, Any]
) -> dict[str, Any]:
    return {
        "chart": {
            "result": [
                {
                    "meta": {"currency": currency, "exchangeTimezoneName": zone},
                    "timestamp": stamps,
                    "events": events,
                    "indicators": {
                        "quote": [
                            {
                                "open": [c - 1 for c in closes],
                                "high": [c + 1 for c in closes],
                                "low": [c - 2 for c in closes],
                                "close": closes,
                                "volume": [1000] * len(closes),
                            }
                        ],
                        "adjclose": [{"adjclose": [c / 2 for c in closes]}],
                    },
                }
            ],
            "error": None,
        }
    }


NVDA = chart(
    "America/New_York",
    "USD",
    [NY_0930[16], NY_0930[17], NY_0930[18]],
    [132.0, 130.0, 128.0],
    {
        "dividends": {str(NY_0930[16]): {"date": NY_0930[16], "amount": 0.01}},
        "splits": {str(NY_0930[17]): {"date": NY_0930[17], "numerator": 3, "denominator": 2}},
    },
)
CAMBRICON = chart("Asia/Shanghai", "CNY", [SH_0930[18]], [650.0], {})


def bar(symbol: str, day: int, close: float, currency: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "date": dt.date(2024, 12, day),
        "currency": currency,
        "open": close - 1,
        "high": close + 1,
        "low": close - 2,
        "close": close,
        "volume": 1000.0,
        "adj_close": close / 2,
    }


def feed(server: HTTPServer, *symbols: str, today: dt.date = TODAY) -> YahooMarketFeed:
    return YahooMarketFeed(
        server.url_for("/"),
        listings=[LISTINGS[symbol] for symbol in symbols],
        clock=FakeClock(),
        today=today,
    )


def test_bars_and_corporate_actions_of_each_listing(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_json(NVDA)
    httpserver.expect_request("/v8/finance/chart/688256.SS").respond_with_json(CAMBRICON)

    batch = feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    assert batch.rows == [
        bar("NVDA.O", 16, 132.0, "USD"),
        bar("NVDA.O", 17, 130.0, "USD"),
        bar("NVDA.O", 18, 128.0, "USD"),
        bar("688256.SH", 18, 650.0, "CNY"),
    ]
    assert batch.related["corporate_actions"] == [
        {"symbol": "NVDA.O", "date": dt.date(2024, 12, 16), "action": "dividend", "value": 0.01},
        {"symbol": "NVDA.O", "date": dt.date(2024, 12, 17), "action": "split", "value": 1.5},
    ]
    assert batch.notes == []
    assert batch.source_ref == "yahoo:/v8/finance/chart/"


def test_the_period_is_the_window_in_the_exchange_time_zone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_json(NVDA)
    httpserver.expect_request("/v8/finance/chart/688256.SS").respond_with_json(CAMBRICON)

    feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    [(nvda, _), (cambricon, _)] = httpserver.log
    assert dict(nvda.args) == {
        "period1": "1734325200",  # 2024-12-16 00:00 America/New_York
        "period2": "1734584400",  # 2024-12-19 00:00 America/New_York
        "interval": "1d",
        "events": "div,splits",
    }
    assert (cambricon.args["period1"], cambricon.args["period2"]) == ("1734278400", "1734537600")
    assert nvda.headers["User-Agent"].startswith("Mozilla/5.0")


def test_chart_period_is_midnight_to_midnight_in_the_zone() -> None:
    window = DateWindow(dt.date(2024, 12, 16), dt.date(2024, 12, 19))

    assert chart_period(window, "America/New_York") == (1734325200, 1734584400)
    assert chart_period(window, "Asia/Shanghai") == (1734278400, 1734537600)


def test_bars_and_events_outside_the_window_are_dropped(httpserver: HTTPServer) -> None:
    late = chart(
        "America/New_York",
        "USD",
        [NY_0930[18], NY_0930[19]],
        [128.0, 127.0],
        {"dividends": {"x": {"date": NY_0930[19], "amount": 0.01}}},
    )
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_json(late)

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    assert batch.rows == [bar("NVDA.O", 18, 128.0, "USD")]
    assert batch.related["corporate_actions"] == []


def test_a_week_that_has_not_started_requests_nothing(httpserver: HTTPServer) -> None:
    batch = feed(httpserver, "NVDA.O", today=dt.date(2024, 12, 16)).fetch(WEEK)

    assert (batch.rows, batch.related) == ([], {"corporate_actions": []})
    assert batch.notes == ["week 2024-12-16 has not started yet: nothing to fetch"]
    assert httpserver.log == []


def test_an_unknown_symbol_is_a_note_and_the_week_goes_on(httpserver: HTTPServer) -> None:
    not_found = {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_json(not_found, status=404)
    httpserver.expect_request("/v8/finance/chart/688256.SS").respond_with_json(CAMBRICON)

    batch = feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    assert batch.rows == [bar("688256.SH", 18, 650.0, "CNY")]
    assert batch.notes == [
        "NVDA.O: not found on Yahoo (No data found, symbol may be delisted); skipped"
    ]


def test_data_doesnt_exist_is_a_note_not_a_failure(httpserver: HTTPServer) -> None:
    answer = {"code": "Bad Request", "description": "Data doesn't exist for startDate = 1"}
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_json(answer, status=400)

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    assert batch.rows == []
    assert batch.notes == [
        "NVDA.O: no data in the window (Data doesn't exist for startDate = 1)",
        "no bars in 2024-12-16..2024-12-19 for 1 listing(s): NVDA.O",
    ]


def test_an_html_page_fails_the_week_and_is_never_parsed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_data(
        "<html><body>Will be right back</body></html>", content_type="text/html"
    )

    with pytest.raises(ProviderBodyError, match="not JSON .*: HTML: Will be right back"):
        feed(httpserver, "NVDA.O").fetch(WEEK)


def test_a_chart_error_inside_a_200_fails_the_week(httpserver: HTTPServer) -> None:
    answer = {"chart": {"result": None, "error": {"code": "Internal", "description": "boom"}}}
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_json(answer)

    with pytest.raises(YahooChartError, match="NVDA.O: Yahoo chart error: boom"):
        feed(httpserver, "NVDA.O").fetch(WEEK)


def test_a_5xx_that_outlasts_the_retries_fails_the_week(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_data("down", status=503)

    with pytest.raises(ProviderHTTPError) as caught:
        feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    assert caught.value.status == 503
    assert len(httpserver.log) == 5  # 1 + 4 retries, and no request for the next listing
