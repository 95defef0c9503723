"""FrankfurterFxFeed against a local server speaking the v2 rates API, with a csv fallback;
a run's range asked for once."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration.feeds.fx.csv_files import CsvFxFeed
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed, named_currencies
from orchestration.feeds.lib.base import Feed, FeedDataError
from orchestration.feeds.lib.http import ProviderHTTPError
from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.replay import replay, replay_factories
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


# --- a run's range: one request per run -----------------------------------------------

# 52 weeks up to the week of TODAY: 2023-12-25..2024-12-17 are asked for.
YEAR = [WeekWindow.from_partition_key("2023-12-25")]
YEAR += [WeekWindow(YEAR[0].start + dt.timedelta(weeks=i), YEAR[0].end + dt.timedelta(weeks=i))
         for i in range(1, 52)]  # fmt: skip
KRW_FROM = dt.date(2024, 3, 6)  # Frankfurter "has" KRW from a Wednesday on


def rate(currency: str, day: dt.date) -> float:
    return RATES[currency] + day.toordinal() % 17 / 100


def serve_by_range(server: HTTPServer, refuse: str = "twd") -> None:
    """Rates for every working day asked and every quote asked, KRW from KRW_FROM only;
    `refuse` (a quote) is answered with a 422 naming it."""

    def handler(request: Request) -> Response:
        quotes = request.args["quotes"].split(",")
        if refuse in quotes:
            body = json.dumps({"message": f"invalid quote: {refuse}"})
            return Response(body, status=422, content_type="application/json")
        first = dt.date.fromisoformat(request.args["from"])
        last = dt.date.fromisoformat(request.args["to"])
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        rows = [
            {
                "date": day.isoformat(),
                "base": "USD",
                "quote": q.upper(),
                "rate": rate(q.upper(), day),
            }
            for day in days
            if day.weekday() < 5
            for q in quotes
            if q != "krw" or day >= KRW_FROM
        ]
        return Response(json.dumps(rows), content_type="application/json")

    server.expect_request("/v2/rates").respond_with_handler(handler)


def twd_for_part_of_the_year(tmp_path: Path) -> CsvFxFeed:
    """A fallback with TWD from 2024-10-01 on only."""
    days = [dt.date(2024, 10, 1) + dt.timedelta(days=i) for i in range(80)]
    lines = [f"{day},{32 + day.day / 100}" for day in days if day.weekday() < 5]
    (tmp_path / "USDTWD.csv").write_text("date,twd_per_usd\n" + "\n".join(lines) + "\n")
    return CsvFxFeed(tmp_path, currencies=["TWD"])


def planned(
    server: HTTPServer, weeks: list[WeekWindow], fallback: Feed | None = None
) -> FrankfurterFxFeed:
    frankfurter = feed(server, fallback=fallback)
    frankfurter.plan(weeks)
    return frankfurter


def test_a_52_week_plan_asks_once_and_once_more_without_a_refused_currency(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_by_range(httpserver)
    frankfurter = planned(httpserver, YEAR, fallback=twd_for_part_of_the_year(tmp_path))

    batches = [frankfurter.fetch(week) for week in YEAR]

    assert [dict(request.args) for request, _ in httpserver.log] == [
        {"base": "usd", "quotes": quotes, "from": "2023-12-25", "to": "2024-12-17"}
        for quotes in ("cny,hkd,krw,twd", "cny,hkd,krw")
    ]
    assert [batch.cost["requests"] for batch in batches] == [2] + [0] * 51
    for week, batch in zip(YEAR, batches, strict=True):
        assert {row["date"] for row in batch.rows} <= set(week.days())
        assert [record["status"] for record in batch.responses] == [422, 200]
        assert {record["span"] for record in batch.responses} == {"2023-12-25/2024-12-18"}
        assert all(record["shared"] for record in batch.responses)
    days = [row["date"] for batch in batches for row in batch.rows if row["currency"] == "CNY"]
    assert len(days) == len(set(days)) == 257  # each working day of the span, once


def test_a_planned_run_lands_the_rows_and_notes_a_week_by_week_run_lands(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_by_range(httpserver)
    fallback = twd_for_part_of_the_year(tmp_path)
    frankfurter = planned(httpserver, YEAR, fallback=fallback)
    unplanned = feed(httpserver, fallback=fallback)

    for week in YEAR:
        ranged, alone = frankfurter.fetch(week), unplanned.fetch(week)
        assert ranged.rows == alone.rows
        assert ranged.notes == alone.notes

    assert len(httpserver.log) == 2 + 2 * 52


def test_each_week_of_a_range_notes_and_fills_its_own_missing_currencies(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_by_range(httpserver)
    frankfurter = planned(httpserver, YEAR, fallback=twd_for_part_of_the_year(tmp_path))

    batches = {week.key: frankfurter.fetch(week) for week in YEAR}

    refused = "refused by Frankfurter (HTTP 422: invalid quote: twd)"
    assert batches["2024-03-04"].notes == [  # KRW from its Wednesday on: not missing
        f"TWD in 2024-03-04..2024-03-11: {refused}; the fallback csv feed has none either"
    ]
    assert batches["2024-02-26"].notes == [
        "KRW in 2024-02-26..2024-03-04: not in Frankfurter's answer; the fallback csv feed "
        "has none either",
        f"TWD in 2024-02-26..2024-03-04: {refused}; the fallback csv feed has none either",
    ]
    assert batches["2024-12-16"].notes == [
        f"TWD in 2024-12-16..2024-12-18: {refused}; 2 rate(s) from the fallback csv feed"
    ]
    assert [row["currency"] for row in batches["2024-12-16"].rows] == ["CNY", "HKD", "KRW"] * 2 + [
        "TWD"
    ] * 2


def test_a_replay_of_one_planned_week_asks_for_the_span_and_gives_its_rows(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_by_range(httpserver)
    fallback = twd_for_part_of_the_year(tmp_path)
    frankfurter = planned(httpserver, YEAR, fallback=fallback)
    batches = [frankfurter.fetch(week) for week in YEAR]
    httpserver.clear()  # the provider is gone: the replay asks it nothing

    for index in (0, 9, 51):
        week = YEAR[index]
        with_fallback = functools.partial(FrankfurterFxFeed, REPLAY_BASE_URL, fallback=fallback)
        replayed = replay(with_fallback, batches[index].responses, week)
        assert replayed.rows == batches[index].rows != []
        assert replayed.notes == batches[index].notes
        # The registered replay has no fallback: the provider's rows only.
        alone = replay(replay_factories()["frankfurter"], batches[index].responses, week)
        assert alone.rows == [r for r in batches[index].rows if "source_ref" not in r]
    assert httpserver.log == []


def test_an_error_fails_a_planned_run_at_its_first_week_naming_the_span(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/v2/rates").respond_with_json(
        {"message": "invalid date range"}, status=422
    )
    frankfurter = planned(httpserver, YEAR)

    with pytest.raises(ProviderHTTPError) as caught:
        frankfurter.fetch(YEAR[0])

    assert str(caught.value).startswith(
        "frankfurter: USD rates of CNY,HKD,KRW,TWD, 2023-12-25..2024-12-17: frankfurter: GET "
        "/v2/rates?base=usd&quotes=cny%2Chkd%2Ckrw%2Ctwd&from=2023-12-25&to=2024-12-17 -> "
        "HTTP 422 "
    )
    assert str(caught.value).endswith("invalid date range (names no requested currency)")
    assert len(httpserver.log) == 1
