"""YahooMarketFeed against a local server speaking the v8 chart API: bars restored to
traded prices with the split history, permanent errors, empty weeks, records and cost."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.lib.http import ProviderBodyError, ProviderHTTPError, UnknownEntityError
from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.market.yahoo import SPLIT_HISTORY_PARAMS, YahooMarketFeed, chart_period
from orchestration.feeds.market.yahoo_chart import YahooChartError
from orchestration.feeds.replay import replay
from orchestration.partitions import DateWindow, WeekWindow
from tests.unit.http_fakes import FakeClock

WEEK = WeekWindow.from_partition_key("2024-12-16")
TODAY = dt.date(2024, 12, 19)  # the window is 2024-12-16 .. 2024-12-19
NY_0930 = {16: 1734359400, 17: 1734445800, 18: 1734532200, 19: 1734618600}
SH_0930 = {18: 1734485400}
NY_2025_01_02_0930 = 1735828200
LISTINGS = {listing.symbol: listing for listing in seeds.watchlist()}
NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}


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


def split(stamp: int, numerator: float, denominator: float = 1) -> dict[str, Any]:
    return {"date": stamp, "numerator": numerator, "denominator": denominator}


def history(zone: str, currency: str, *splits: dict[str, Any]) -> dict[str, Any]:
    """A split-history answer: monthly bars (none here) and the split events."""
    events = {"splits": {str(s["date"]): s for s in splits}}
    return chart(zone, currency, [], [], events)


NVDA = chart(
    "America/New_York",
    "USD",
    [NY_0930[16], NY_0930[17], NY_0930[18]],
    [132.0, 130.0, 128.0],
    {
        "dividends": {str(NY_0930[16]): {"date": NY_0930[16], "amount": 0.01}},
        "splits": {str(NY_0930[17]): split(NY_0930[17], 3, 2)},
    },
)
NVDA_HISTORY = history("America/New_York", "USD", split(NY_0930[17], 3, 2))
CAMBRICON = chart("Asia/Shanghai", "CNY", [SH_0930[18]], [650.0], {})
CAMBRICON_HISTORY = history("Asia/Shanghai", "CNY")


def serve(
    server: HTTPServer,
    symbol: str,
    week: Any,
    splits: Any = None,
    *,
    status: int = 200,
    splits_status: int = 200,
) -> None:
    """Answer the week's chart and (requests with range=max) the split history."""

    def handler(request: Request) -> Response:
        if request.args.get("range") == "max":
            body, code = splits, splits_status
        else:
            body, code = week, status
        return Response(json.dumps(body), status=code, content_type="application/json")

    server.expect_request(f"/v8/finance/chart/{symbol}").respond_with_handler(handler)


def bar(symbol: str, day: int, close: float, currency: str, factor: float = 1.0) -> dict[str, Any]:
    """The landed bar of a served close: prices times `factor`, volume divided by it."""
    return {
        "symbol": symbol,
        "date": dt.date(2024, 12, day),
        "currency": currency,
        "open": (close - 1) * factor,
        "high": (close + 1) * factor,
        "low": (close - 2) * factor,
        "close": close * factor,
        "volume": float(round(1000 / factor)),
        "adj_close": close / 2,
    }


def feed(server: HTTPServer, *symbols: str, today: dt.date = TODAY) -> YahooMarketFeed:
    return YahooMarketFeed(
        server.url_for("/"),
        listings=[LISTINGS[symbol] for symbol in symbols],
        clock=FakeClock(),
        today=today,
    )


def week_requests(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log if "range" not in request.args]


def test_bars_as_traded_and_corporate_actions_of_each_listing(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", NVDA, NVDA_HISTORY)
    serve(httpserver, "688256.SS", CAMBRICON, CAMBRICON_HISTORY)

    batch = feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    assert batch.rows == [
        bar("NVDA.O", 16, 132.0, "USD", factor=1.5),  # before the 3:2 split of the 17th
        bar("NVDA.O", 17, 130.0, "USD"),
        bar("NVDA.O", 18, 128.0, "USD"),
        bar("688256.SH", 18, 650.0, "CNY"),
    ]
    assert batch.related["corporate_actions"] == [
        {"symbol": "NVDA.O", "date": dt.date(2024, 12, 16), "action": "dividend", "value": 0.015},
        {"symbol": "NVDA.O", "date": dt.date(2024, 12, 17), "action": "split", "value": 1.5},
    ]
    assert batch.notes == []
    assert batch.source_ref == "yahoo:/v8/finance/chart/"


def test_a_backfilled_week_is_restored_for_splits_after_it(httpserver: HTTPServer) -> None:
    # NVIDIA's week of 2024-06-03 fetched after its 10:1 split of 2024-06-10: Yahoo sends
    # the closes divided by 10, and the week's answer carries no split event.
    week = WeekWindow.from_partition_key("2024-06-03")
    served = chart("America/New_York", "USD", [1717767000], [120.888], {})
    served["chart"]["result"][0]["indicators"]["quote"][0].update(
        open=[119.77], high=[121.5], low=[118.003], volume=[412_386_000]
    )
    splits = history("America/New_York", "USD", split(1718026200, 10))
    serve(httpserver, "NVDA", served, splits)

    batch = feed(httpserver, "NVDA.O", today=dt.date(2026, 3, 2)).fetch(week)

    [row] = batch.rows
    assert row["date"] == dt.date(2024, 6, 7)
    assert (row["open"], row["high"], row["low"], row["close"]) == (
        1197.7,
        1215.0,
        1180.03,
        1208.88,
    )
    assert row["volume"] == 41_238_600.0
    assert row["adj_close"] == 120.888 / 2  # as Yahoo gives it
    assert batch.related["corporate_actions"] == []  # the split is not in that week


def test_the_split_history_is_read_once_per_feed_and_recorded_in_every_week(
    httpserver: HTTPServer,
) -> None:
    serve(httpserver, "NVDA", NVDA, NVDA_HISTORY)
    yahoo = feed(httpserver, "NVDA.O", today=dt.date(2025, 1, 1))
    before = WeekWindow.from_partition_key("2024-12-09")

    first = yahoo.fetch(before)  # not planned: each week asks for its own days
    second = yahoo.fetch(WEEK)

    assert [dict(r.args).get("range") for r, _ in httpserver.log] == [None, "max", None]
    assert [r["params"].get("range") for r in first.responses] == [None, "max"]
    assert [r["params"].get("range") for r in second.responses] == [None, "max"]
    assert second.responses[1] == first.responses[1]
    assert first.cost["requests"] == 2
    assert second.cost["requests"] == 1  # the reused answer cost nothing this week


def test_the_split_history_request(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", NVDA, NVDA_HISTORY)

    feed(httpserver, "NVDA.O").fetch(WEEK)

    [_, (request, _)] = httpserver.log
    assert (
        dict(request.args)
        == SPLIT_HISTORY_PARAMS
        == {
            "range": "max",
            "interval": "1mo",
            "events": "split",
        }
    )


def test_no_split_history_is_asked_for_a_week_without_bars(httpserver: HTTPServer) -> None:
    holiday = chart("America/New_York", "USD", [], [], {})
    serve(httpserver, "NVDA", holiday, NVDA_HISTORY)

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    assert batch.rows == []
    assert len(httpserver.log) == 1


def test_the_period_is_the_window_in_the_exchange_time_zone(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", NVDA, NVDA_HISTORY)
    serve(httpserver, "688256.SS", CAMBRICON, CAMBRICON_HISTORY)

    feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    nvda, cambricon = week_requests(httpserver)
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
    serve(httpserver, "NVDA", late, history("America/New_York", "USD"))

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    assert batch.rows == [bar("NVDA.O", 18, 128.0, "USD")]
    assert batch.related["corporate_actions"] == []


def test_a_week_that_has_not_started_requests_nothing(httpserver: HTTPServer) -> None:
    batch = feed(httpserver, "NVDA.O", today=dt.date(2024, 12, 16)).fetch(WEEK)

    assert (batch.rows, batch.related) == ([], {"corporate_actions": []})
    assert batch.notes == ["week 2024-12-16 has not started yet: nothing to fetch"]
    assert (batch.responses, batch.cost) == ([], {"requests": 0, "retries": 0, "bytes": 0})
    assert httpserver.log == []


def test_an_unknown_symbol_fails_the_week_at_once(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", NOT_FOUND, status=404)
    serve(httpserver, "688256.SS", CAMBRICON, CAMBRICON_HISTORY)

    with pytest.raises(UnknownEntityError) as caught:
        feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    message = str(caught.value)
    assert message.startswith("yahoo: NVDA.O (Yahoo NVDA), 2024-12-16..2024-12-18: yahoo: GET ")
    assert message.endswith(
        "-> HTTP 404 NOT FOUND: unknown symbol: Yahoo answered Not Found (No data found, "
        "symbol may be delisted) for the week; check the listing's Yahoo symbol, or whether "
        "it was delisted; permanent, not retried"
    )
    assert caught.value.status == 404
    assert len(httpserver.log) == 1  # not retried, and the next listing is not asked


def test_an_unknown_symbol_in_the_split_history_fails_too(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", NVDA, NOT_FOUND, splits_status=404)

    with pytest.raises(UnknownEntityError, match="Not Found .* for the split history"):
        feed(httpserver, "NVDA.O").fetch(WEEK)


def test_data_doesnt_exist_is_an_empty_week_not_a_failure(httpserver: HTTPServer) -> None:
    answer = {"code": "Bad Request", "description": "Data doesn't exist for startDate = 1"}
    serve(httpserver, "NVDA", answer, status=400)

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    assert batch.rows == []
    assert batch.notes == [
        "NVDA.O: no data in the window (Data doesn't exist for startDate = 1)",
        "no bars in 2024-12-16..2024-12-19 for 1 listing(s): NVDA.O",
    ]
    assert len(httpserver.log) == 1  # no split history for a week without bars


def test_an_empty_result_is_an_empty_week(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", {"chart": {"result": [], "error": None}})

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    assert batch.rows == []
    assert batch.notes[0] == "NVDA.O: empty chart result"


def test_an_html_page_fails_the_week_and_is_never_parsed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_data(
        "<html><body>Will be right back</body></html>", content_type="text/html"
    )

    with pytest.raises(ProviderBodyError, match="not JSON .*: HTML: Will be right back"):
        feed(httpserver, "NVDA.O").fetch(WEEK)


def test_a_chart_error_inside_a_200_fails_the_week(httpserver: HTTPServer) -> None:
    answer = {"chart": {"result": None, "error": {"code": "Internal", "description": "boom"}}}
    serve(httpserver, "NVDA", answer)

    with pytest.raises(YahooChartError, match="NVDA.O: Yahoo chart error: boom"):
        feed(httpserver, "NVDA.O").fetch(WEEK)


def test_a_5xx_that_outlasts_the_retries_fails_the_week(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v8/finance/chart/NVDA").respond_with_data("down", status=503)

    with pytest.raises(ProviderHTTPError) as caught:
        feed(httpserver, "NVDA.O", "688256.SH").fetch(WEEK)

    assert caught.value.status == 503
    assert str(caught.value).startswith("yahoo: NVDA.O (Yahoo NVDA), 2024-12-16..2024-12-18: ")
    assert len(httpserver.log) == 5  # 1 + 4 retries, and no request for the next listing


def test_the_responses_and_cost_of_a_pull(httpserver: HTTPServer) -> None:
    serve(httpserver, "NVDA", NVDA, NVDA_HISTORY)

    batch = feed(httpserver, "NVDA.O").fetch(WEEK)

    week, splits = batch.responses
    assert week == {
        "provider": "yahoo",
        "method": "GET",
        "path": "/v8/finance/chart/NVDA",
        "params": {
            "period1": "1734325200",
            "period2": "1734584400",
            "interval": "1d",
            "events": "div,splits",
        },
        "status": 200,
        "content_type": "application/json",
        "body": json.dumps(NVDA),
    }
    assert json.loads(splits["body"]) == NVDA_HISTORY
    assert batch.cost == {
        "requests": 2,
        "retries": 0,
        "bytes": len(json.dumps(NVDA)) + len(json.dumps(NVDA_HISTORY)),
    }


# --- a run's whole span in one request per listing ---------------------------------------

FIRST_DAY = dt.date(2024, 12, 2)
SPAN_TODAY = dt.date(2024, 12, 19)  # the span is 2024-12-02 .. 2024-12-18
PLANNED = [WeekWindow.from_partition_key(key) for key in ("2024-12-02", "2024-12-09", "2024-12-16")]
# Float32 noise as Yahoo serves it: 243.6999969482422 is a close of 243.70.
NOISY = [243.6999969482422, 245.1100006103516, 239.8800048828125, 241.0, 250.3300018310547]


def serve_by_period(server: HTTPServer, symbol: str, zone: str, currency: str) -> None:
    """Answer any period with the weekday bars inside it (closes cycling through NOISY)
    and no splits: what Yahoo does for a range."""
    tz = ZoneInfo(zone)
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(21)]
    days = [day for day in days if day.weekday() < 5]

    def handler(request: Request) -> Response:
        if request.args.get("range") == "max":
            body = history(zone, currency)
        else:
            start, end = int(request.args["period1"]), int(request.args["period2"])
            stamps = [
                int(dt.datetime.combine(day, dt.time(9, 30), tzinfo=tz).timestamp()) for day in days
            ]
            inside = [(s, NOISY[i % len(NOISY)]) for i, s in enumerate(stamps) if start <= s < end]
            body = chart(zone, currency, [s for s, _ in inside], [c for _, c in inside], {})
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request(f"/v8/finance/chart/{symbol}").respond_with_handler(handler)


def planned_feed(server: HTTPServer) -> YahooMarketFeed:
    yahoo = feed(server, "NVDA.O", "688256.SH", today=SPAN_TODAY)
    yahoo.plan(PLANNED)
    return yahoo


def test_a_planned_run_asks_once_per_listing_for_its_whole_span(httpserver: HTTPServer) -> None:
    serve_by_period(httpserver, "NVDA", "America/New_York", "USD")
    serve_by_period(httpserver, "688256.SS", "Asia/Shanghai", "CNY")
    yahoo = planned_feed(httpserver)

    batches = [yahoo.fetch(week) for week in PLANNED]

    charts = week_requests(httpserver)
    assert len(httpserver.log) == 4  # a chart and a split history per listing, for 3 weeks
    span = DateWindow(FIRST_DAY, SPAN_TODAY)
    assert [(r.args["period1"], r.args["period2"]) for r in charts] == [
        tuple(str(t) for t in chart_period(span, "America/New_York")),
        tuple(str(t) for t in chart_period(span, "Asia/Shanghai")),
    ]
    assert [b.cost["requests"] for b in batches] == [4, 0, 0]
    assert [len(b.rows) for b in batches] == [10, 10, 6]
    for week, batch in zip(PLANNED, batches, strict=True):
        assert {row["date"] for row in batch.rows} <= set(week.days())
        assert len(batch.responses) == 4  # every answer the week was parsed from
        assert {r["span"] for r in batch.responses} == {"2024-12-02/2024-12-19"}
        assert all(r["shared"] for r in batch.responses)


def test_a_planned_run_lands_the_rows_a_week_by_week_run_lands(httpserver: HTTPServer) -> None:
    serve_by_period(httpserver, "NVDA", "America/New_York", "USD")
    serve_by_period(httpserver, "688256.SS", "Asia/Shanghai", "CNY")
    yahoo = planned_feed(httpserver)
    unplanned = feed(httpserver, "NVDA.O", "688256.SH", today=SPAN_TODAY)

    for week in PLANNED:
        assert yahoo.fetch(week).rows == unplanned.fetch(week).rows


def test_prices_land_rounded_to_the_tick_whether_or_not_a_split_was_restored(
    httpserver: HTTPServer,
) -> None:
    serve_by_period(httpserver, "NVDA", "America/New_York", "USD")

    batch = feed(httpserver, "NVDA.O", today=SPAN_TODAY).fetch(PLANNED[0])

    assert [row["close"] for row in batch.rows] == [243.7, 245.11, 239.88, 241.0, 250.33]
    assert [row["open"] for row in batch.rows] == [242.7, 244.11, 238.88, 240.0, 249.33]
    assert batch.rows[0]["adj_close"] == 243.6999969482422 / 2  # adjusted, not a traded price


def test_a_replay_of_one_planned_week_asks_for_the_span_and_gives_its_rows(
    httpserver: HTTPServer,
) -> None:
    serve_by_period(httpserver, "NVDA", "America/New_York", "USD")
    serve_by_period(httpserver, "688256.SS", "Asia/Shanghai", "CNY")
    yahoo = planned_feed(httpserver)
    batches = [yahoo.fetch(week) for week in PLANNED]
    factory = functools.partial(
        YahooMarketFeed, REPLAY_BASE_URL, listings=[LISTINGS["NVDA.O"], LISTINGS["688256.SH"]]
    )

    replayed = replay(factory, batches[1].responses, PLANNED[1])

    assert replayed.rows == batches[1].rows
    assert replayed.notes == batches[1].notes


def test_an_unknown_symbol_fails_a_planned_run_at_its_first_week_naming_the_span(
    httpserver: HTTPServer,
) -> None:
    serve_by_period(httpserver, "688256.SS", "Asia/Shanghai", "CNY")
    serve(httpserver, "NVDA", NOT_FOUND, status=404)
    yahoo = planned_feed(httpserver)

    with pytest.raises(UnknownEntityError) as caught:
        yahoo.fetch(PLANNED[0])

    assert str(caught.value).startswith("yahoo: NVDA.O (Yahoo NVDA), 2024-12-02..2024-12-18: ")
    assert len(httpserver.log) == 1
