"""FrankfurterFxFeed against a local server speaking the v2 rates API, with a csv fallback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from orchestration.feeds.fx.csv_files import CsvFxFeed
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed, named_currencies
from orchestration.feeds.lib.base import Feed, FeedDataError
from orchestration.feeds.lib.http import ProviderHTTPError
from orchestration.partitions import WeekWindow
from tests.unit.http_fakes import FakeClock

WEEK = WeekWindow.from_partition_key("2024-12-16")
TODAY = dt.date(2024, 12, 18)  # the window is 2024-12-16 .. 2024-12-18
DAYS = ("2024-12-16", "2024-12-17")
RATES = {"CNY": 7.28, "HKD": 7.77, "KRW": 1435.0, "TWD": 32.5}
ASKED = {"base": "usd", "from": "2024-12-16", "to": "2024-12-17"}


def answer(*currencies: str) -> list[dict[str, Any]]:
    return [
        {"date": day, "base": "USD", "quote": c, "rate": RATES[c]}
        for c in currencies
        for day in DAYS
    ]


def rows(*currencies: str, source_ref: str | None = None) -> list[dict[str, Any]]:
    out = []
    for currency in currencies:
        for day in DAYS:
            row = {
                "date": dt.date.fromisoformat(day),
                "currency": currency,
                "units_per_usd": RATES[currency],
            }
            if source_ref:
                row["source_ref"] = source_ref
            out.append(row)
    return out


def feed(server: HTTPServer, fallback: Feed | None = None) -> FrankfurterFxFeed:
    return FrankfurterFxFeed(server.url_for("/"), fallback=fallback, clock=FakeClock(), today=TODAY)


def twd_folder(tmp_path: Path) -> CsvFxFeed:
    (tmp_path / "USDTWD.csv").write_text(
        "date,twd_per_usd\n2024-12-13,32.4\n2024-12-16,32.5\n2024-12-17,32.5\n2024-12-18,32.6\n"
    )
    return CsvFxFeed(tmp_path, currencies=["TWD"])


def test_rates_of_every_watchlist_currency(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v2/rates", query_string={**ASKED, "quotes": "cny,hkd,krw,twd"}
    ).respond_with_json(answer("CNY", "HKD", "KRW", "TWD"))

    batch = feed(httpserver).fetch(WEEK)

    assert batch.rows == rows("CNY", "HKD", "KRW", "TWD")
    assert batch.notes == []
    assert batch.source_ref == "frankfurter:/v2/rates"


def test_a_422_for_twd_asks_again_without_it_and_fills_it_from_the_fallback(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(
        "/v2/rates", query_string={**ASKED, "quotes": "cny,hkd,krw,twd"}
    ).respond_with_json({"message": "invalid quote: twd"}, status=422)
    httpserver.expect_request(
        "/v2/rates", query_string={**ASKED, "quotes": "cny,hkd,krw"}
    ).respond_with_json(answer("CNY", "HKD", "KRW"))

    batch = feed(httpserver, fallback=twd_folder(tmp_path)).fetch(WEEK)

    assert batch.rows == rows("CNY", "HKD", "KRW") + rows("TWD", source_ref="csv:USDTWD.csv")
    assert batch.notes == [
        "TWD in 2024-12-16..2024-12-18: refused by Frankfurter (HTTP 422: invalid quote: twd); "
        "2 rate(s) from the fallback csv feed"
    ]
    assert len(httpserver.log) == 2


def test_a_currency_absent_from_the_answer_comes_from_the_fallback(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/v2/rates").respond_with_json(answer("CNY", "HKD", "KRW"))

    batch = feed(httpserver, fallback=twd_folder(tmp_path)).fetch(WEEK)

    assert batch.rows[-2:] == rows("TWD", source_ref="csv:USDTWD.csv")
    assert batch.notes == [
        "TWD in 2024-12-16..2024-12-18: not in Frankfurter's answer; "
        "2 rate(s) from the fallback csv feed"
    ]


def test_without_a_fallback_a_missing_currency_is_a_note_naming_it(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/v2/rates").respond_with_json(answer("CNY", "HKD", "KRW"))

    batch = feed(httpserver).fetch(WEEK)

    assert batch.rows == rows("CNY", "HKD", "KRW")
    assert batch.notes == [
        "TWD in 2024-12-16..2024-12-18: not in Frankfurter's answer; no fallback feed is "
        "configured, so it has no rates"
    ]


def test_a_fallback_without_the_currency_says_so(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/v2/rates").respond_with_json(answer("CNY", "HKD", "KRW"))

    batch = feed(httpserver, fallback=CsvFxFeed(tmp_path, currencies=["TWD"])).fetch(WEEK)

    assert batch.notes == [
        "TWD in 2024-12-16..2024-12-18: not in Frankfurter's answer; the fallback csv feed "
        "has none either"
    ]


def test_a_422_naming_no_requested_currency_fails(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v2/rates").respond_with_json(
        {"message": "invalid date range"}, status=422
    )

    with pytest.raises(ProviderHTTPError, match="invalid date range") as caught:
        feed(httpserver).fetch(WEEK)

    assert caught.value.status == 422
    assert len(httpserver.log) == 1


def test_a_422_is_read_for_whole_currency_codes_in_any_case() -> None:
    assert named_currencies("Invalid quote currency: 'twd'", ["CNY", "TWD"]) == ["TWD"]
    assert named_currencies("TWDX is not a currency", ["TWD"]) == []


def test_the_responses_and_cost_of_a_pull_include_the_refusal(httpserver: HTTPServer) -> None:
    refusal = {"message": "invalid quote: twd"}
    httpserver.expect_request(
        "/v2/rates", query_string={**ASKED, "quotes": "cny,hkd,krw,twd"}
    ).respond_with_data(json.dumps(refusal), status=422, content_type="application/json")
    httpserver.expect_request(
        "/v2/rates", query_string={**ASKED, "quotes": "cny,hkd,krw"}
    ).respond_with_data(json.dumps(answer("CNY")), content_type="application/json")

    batch = feed(httpserver).fetch(WEEK)

    assert batch.responses == [
        {
            "provider": "frankfurter",
            "method": "GET",
            "path": "/v2/rates",
            "params": {**ASKED, "quotes": quotes},
            "status": status,
            "content_type": "application/json",
            "body": body,
        }
        for quotes, status, body in [
            ("cny,hkd,krw,twd", 422, json.dumps(refusal)),
            ("cny,hkd,krw", 200, json.dumps(answer("CNY"))),
        ]
    ]
    assert batch.cost == {
        "requests": 2,
        "retries": 0,
        "bytes": len(json.dumps(refusal)) + len(json.dumps(answer("CNY"))),
    }


def test_an_error_names_the_provider_the_currencies_and_the_days(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v2/rates").respond_with_json([{"date": "2024-12-16"}])

    with pytest.raises(FeedDataError) as caught:
        feed(httpserver).fetch(WEEK)

    assert str(caught.value) == (
        "frankfurter: USD rates of CNY,HKD,KRW,TWD, 2024-12-16..2024-12-17: Frankfurter v2 "
        "row 0: expected date, base, quote, rate: {'date': '2024-12-16'}"
    )
