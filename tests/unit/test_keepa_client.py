"""KeepaGpuFeed against a local server speaking Keepa's `product` API: the request, one
answer per listing and run (shared by the weeks of a planned range), the tokens it costs,
and the failures every client handles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from orchestration import seeds
from orchestration.feeds.gpu.keepa import keepa_minutes
from orchestration.feeds.gpu.keepa_client import DEFAULT_POLICY, PRODUCT_PATH, KeepaGpuFeed
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import (
    ProviderBodyError,
    ProviderError,
    ProviderHTTPError,
    ReplayTransport,
    UnknownEntityError,
)
from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.replay import replay
from orchestration.partitions import WeekWindow
from tests.unit.http_fakes import SECRET, FakeClock, closed_port, pipeline_log_text

WEEK = WeekWindow.from_partition_key("2024-12-09")
NEXT_WEEK = WeekWindow.from_partition_key("2024-12-16")
TODAY = dt.date(2025, 1, 6)
LA = ZoneInfo("America/Los_Angeles")
H100 = seeds.GpuListing("h100_pcie_80gb", "amazon.com", "B0TESTH100", dt.date(2023, 1, 2))
A100 = seeds.GpuListing("a100_pcie_80gb", "amazon.com", "B0TESTA100", dt.date(2023, 1, 2))
UNPINNED = seeds.GpuListing("h100_sxm_80gb", "amazon.com", None, dt.date(2023, 9, 1))
LATE = seeds.GpuListing("a100_pcie_40gb", "amazon.com", "B0TESTLATE", dt.date(2025, 3, 1))
NO_JITTER = dataclasses.replace(DEFAULT_POLICY, backoff_jitter=0.0)


def km(text: str) -> int:
    return keepa_minutes(dt.datetime.fromisoformat(text).replace(tzinfo=LA))


def answer(asin: str = "B0TESTH100", **fields: Any) -> dict[str, Any]:
    return {
        "timestamp": 1735689600000,
        "tokensLeft": 1199,
        "refillIn": 42000,
        "refillRate": 20,
        "tokensConsumed": 1,
        "products": [
            {
                "asin": asin,
                "domainId": 1,
                "productType": 0,
                "lastUpdate": km("2025-01-05 09:00"),
                "csv": [
                    None,
                    [km("2024-12-12 10:30"), 2849999],
                    [km("2024-12-01 08:00"), 2399999, km("2024-12-14 16:00"), -1],
                ],
                **fields,
            }
        ],
    }


def feed(server: HTTPServer | str, *listings: seeds.GpuListing, **options: Any) -> KeepaGpuFeed:
    url = server if isinstance(server, str) else server.url_for("/")
    options.setdefault("clock", FakeClock())
    options.setdefault("policy", NO_JITTER)
    return KeepaGpuFeed(url, SECRET, listings=listings, today=TODAY, **options)


def requests_made(server: HTTPServer) -> int:
    return sum(1 for request, _ in server.log if request.path == PRODUCT_PATH)


def test_one_request_per_listing_with_the_key_domain_asin_and_history(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer())

    batch = feed(httpserver, H100).fetch(WEEK)

    [(request, _)] = httpserver.log
    assert dict(request.args) == {
        "key": SECRET,
        "domain": "1",
        "asin": "B0TESTH100",
        "history": "1",
    }
    assert [(r["date"].isoformat(), r["condition"], r["price"], r["is_carried_forward"])
            for r in batch.rows] == [
        ("2024-12-12", "new", 28499.99, False),
        ("2024-12-13", "new", 28499.99, True),
        ("2024-12-14", "new", 28499.99, True),
        ("2024-12-15", "new", 28499.99, True),
        ("2024-12-09", "used", 23999.99, True),
        ("2024-12-10", "used", 23999.99, True),
        ("2024-12-11", "used", 23999.99, True),
        ("2024-12-12", "used", 23999.99, True),
        ("2024-12-13", "used", 23999.99, True),
        ("2024-12-14", "used", 23999.99, True),  # the offer went that afternoon
    ]  # fmt: skip
    assert batch.source_ref == "keepa:/product"
    assert batch.notes == []
    assert batch.cost["tokens"] == 1


def test_a_listing_without_an_asin_is_a_note_and_never_asked(httpserver: HTTPServer):
    batch = feed(httpserver, UNPINNED, LATE).fetch(WEEK)

    assert batch.rows == []
    assert batch.notes == [
        "no ASIN pinned in the gpu_listings seed for 1 listing(s), not fetched (look each up "
        "once on its marketplace and pin it): h100_sxm_80gb (amazon.com)"
    ]
    assert requests_made(httpserver) == 0  # LATE is not tracked yet in that week


def test_each_listing_is_asked_once_per_run_and_recorded_in_every_week(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer())
    keepa = feed(httpserver, H100)

    first = keepa.fetch(WEEK)
    second = keepa.fetch(NEXT_WEEK)

    assert requests_made(httpserver) == 1
    assert len(first.responses) == len(second.responses) == 1
    assert second.responses == first.responses
    assert first.responses[0]["params"]["key"] == "***"
    assert (first.cost["tokens"], second.cost["tokens"]) == (1, 0)
    assert (first.cost["requests"], second.cost["requests"]) == (1, 0)
    assert {row["date"] for row in second.rows} <= set(NEXT_WEEK.days())


def test_a_recorded_pull_replays_to_the_same_rows(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer())
    live = feed(httpserver, H100).fetch(WEEK)

    replayed = KeepaGpuFeed(
        "http://replay.invalid",
        "replay",
        listings=[H100],
        today=TODAY,
        transport=ReplayTransport(live.responses),
    ).fetch(WEEK)

    assert replayed.rows == live.rows


def test_an_html_body_fails_the_pull(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_data(
        "<html><body>Please enable cookies</body></html>", content_type="text/html"
    )

    with pytest.raises(ProviderBodyError, match="not JSON .*HTML: Please enable cookies") as e:
        feed(httpserver, H100).fetch(WEEK)

    assert str(e.value).startswith(
        "keepa: h100_pcie_80gb (ASIN B0TESTH100 on amazon.com), 2024-12-09..2024-12-15: "
    )


def test_an_error_inside_a_200_fails_the_pull_and_is_not_retried(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(
        {"tokensLeft": 12, "error": {"type": "invalidParameter", "message": "asin is invalid"}}
    )

    with pytest.raises(ProviderHTTPError, match="Keepa error in the answer: invalidParameter: "
                       "asin is invalid; not retried") as caught:  # fmt: skip
        feed(httpserver, H100, A100).fetch(WEEK)

    assert caught.value.status == 200
    assert requests_made(httpserver) == 1  # the next listing is not asked either


def test_429_is_retried_until_tokens_are_back(httpserver: HTTPServer):
    httpserver.expect_oneshot_request(PRODUCT_PATH).respond_with_json(
        {"tokensLeft": -3, "refillIn": 20000}, status=429
    )
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer())
    clock = FakeClock()

    batch = feed(httpserver, H100, clock=clock).fetch(WEEK)

    assert requests_made(httpserver) == 2
    assert clock.sleeps == pytest.approx([4.0])  # the backoff (longer than the pace)
    assert (batch.cost["requests"], batch.cost["retries"]) == (2, 1)
    assert len(batch.rows) == 10


def test_a_5xx_that_outlasts_the_retries_fails_the_pull(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_data("down", status=503)

    with pytest.raises(ProviderHTTPError, match="HTTP 503"):
        feed(httpserver, H100).fetch(WEEK)

    assert requests_made(httpserver) == 1 + DEFAULT_POLICY.retries


@pytest.mark.parametrize(
    ("status", "meaning"),
    [(400, "REQUEST_REJECTED: a bad API key or parameter; check KEEPA_API_KEY"),
     (402, "PAYMENT_REQUIRED: the key has no active Keepa plan; check KEEPA_API_KEY")],
)  # fmt: skip
def test_a_bad_key_stops_the_pull_at_once(httpserver: HTTPServer, status: int, meaning: str):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(
        {"error": {"type": "REQUEST_REJECTED", "message": "invalid key"}}, status=status
    )

    with pytest.raises(ProviderHTTPError) as caught:
        feed(httpserver, H100, A100).fetch(WEEK)

    assert caught.value.status == status
    assert str(caught.value).endswith(f"{meaning} (REQUEST_REJECTED: invalid key); not retried")
    assert requests_made(httpserver) == 1


def test_an_asin_missing_from_the_answer_is_an_unknown_product(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer(asin="B0SOMEOTHR"))

    with pytest.raises(UnknownEntityError, match="ASIN B0TESTH100 is not in Keepa's answer"):
        feed(httpserver, H100).fetch(WEEK)


@pytest.mark.parametrize(("product_type", "name"), [(4, "INVALID"), (5, "VARIATION_PARENT")])
def test_an_asin_keepa_cannot_price_is_an_unknown_product(
    httpserver: HTTPServer, product_type: int, name: str
):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer(productType=product_type))

    with pytest.raises(UnknownEntityError, match=f"productType {product_type} \\({name}"):
        feed(httpserver, H100).fetch(WEEK)


def test_prices_hidden_are_a_note_not_a_failure(httpserver: HTTPServer):
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(answer(productType=3, csv=None))

    batch = feed(httpserver, H100).fetch(WEEK)

    assert batch.rows == []
    assert "productType 3 (UNACCESSIBLE" in batch.notes[0]


def test_a_week_that_has_not_started_asks_nothing(httpserver: HTTPServer):
    batch = feed(httpserver, H100).fetch(WeekWindow.from_partition_key("2025-01-13"))

    assert batch.rows == [] and requests_made(httpserver) == 0
    assert batch.notes == ["week 2025-01-13 has not started yet: nothing to fetch"]


def test_the_key_and_marketplaces_are_checked_when_the_feed_is_built():
    with pytest.raises(FeedConfigError, match="KEEPA_API_KEY"):
        KeepaGpuFeed("", "")
    ebay = seeds.GpuListing("h100_pcie_80gb", "ebay.com", "B0TESTH100", dt.date(2023, 1, 2))
    with pytest.raises(FeedConfigError, match="'ebay.com' is not an Amazon marketplace"):
        KeepaGpuFeed("", SECRET, listings=[ebay])


def test_the_feed_repr_shows_no_key():
    assert repr(KeepaGpuFeed("", SECRET)) == (
        "KeepaGpuFeed(HttpClient('keepa', 'https://api.keepa.com'))"
    )


@pytest.mark.parametrize(
    "failure", ["400 echoed", "error in a 200", "500 every time", "not JSON", "refused"]
)
def test_the_key_never_shows_in_errors_or_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    caplog.set_level(logging.DEBUG)
    handler = httpserver.expect_request(PRODUCT_PATH)
    if failure == "400 echoed":
        handler.respond_with_data(f"bad key {SECRET}", status=400)
    elif failure == "error in a 200":
        handler.respond_with_json({"error": {"type": "x", "message": f"key {SECRET} expired"}})
    elif failure == "500 every time":
        handler.respond_with_data(f"oops {SECRET}", status=500)
    elif failure == "not JSON":
        handler.respond_with_data(f"<html>{SECRET}</html>", content_type="text/html")
    url = f"http://127.0.0.1:{closed_port()}" if failure == "refused" else httpserver

    with pytest.raises(FeedDataError) as caught:
        feed(url, H100).fetch(WEEK)

    error = caught.value
    assert isinstance(error, ProviderError)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert SECRET not in repr(vars(error))
    assert (error.__cause__, error.__context__) == (None, None)
    assert SECRET not in pipeline_log_text(caplog)


def test_the_key_never_shows_in_the_recorded_responses(httpserver: HTTPServer):
    body = answer()
    body["products"][0]["title"] = f"echo {SECRET}"
    httpserver.expect_request(PRODUCT_PATH).respond_with_json(body)

    batch = feed(httpserver, H100).fetch(WEEK)

    assert SECRET not in json.dumps(batch.responses)


# --- a run's range: one request per listing and run, marked shared ---------------------

# 52 weeks up to the week before TODAY (a Monday): 2024-01-08..2025-01-05.
YEAR = [WeekWindow.from_partition_key("2024-01-08")]
YEAR += [WeekWindow(YEAR[0].start + dt.timedelta(weeks=i), YEAR[0].end + dt.timedelta(weeks=i))
         for i in range(1, 52)]  # fmt: skip
SPAN = "2024-01-08/2025-01-06"


def serve_by_asin(server: HTTPServer, unknown: str = "") -> None:
    """Each ASIN's product (ASIN `unknown` missing from its answer)."""
    server.expect_request(PRODUCT_PATH).respond_with_handler(
        lambda request: Response(
            json.dumps(answer(request.args["asin"] if request.args["asin"] != unknown else "B0X")),
            content_type="application/json",
        )
    )


def planned(
    server: HTTPServer, weeks: list[WeekWindow], *listings: seeds.GpuListing
) -> KeepaGpuFeed:
    keepa = feed(server, *listings)
    keepa.plan(weeks)
    return keepa


def test_a_52_week_plan_asks_each_listing_once_and_costs_its_tokens_once(
    httpserver: HTTPServer,
) -> None:
    serve_by_asin(httpserver)
    keepa = planned(httpserver, YEAR, H100, A100, UNPINNED, LATE)

    batches = [keepa.fetch(week) for week in YEAR]

    assert [request.args["asin"] for request, _ in httpserver.log] == ["B0TESTH100", "B0TESTA100"]
    assert [batch.cost["requests"] for batch in batches] == [2] + [0] * 51
    assert [batch.cost["tokens"] for batch in batches] == [2] + [0] * 51
    for week, batch in zip(YEAR, batches, strict=True):
        assert {row["date"] for row in batch.rows} <= set(week.days())
        assert [record["params"]["asin"] for record in batch.responses] == [
            "B0TESTH100",
            "B0TESTA100",
        ]
        assert {record["span"] for record in batch.responses} == {SPAN}
        assert all(record["shared"] for record in batch.responses)
        assert all(record["params"]["key"] == "***" for record in batch.responses)
    # new 2024-12-12..2025-01-05 (the last update), used 2024-12-01..14: each day once
    assert sum(len(batch.rows) for batch in batches) == 2 * (25 + 14)


def test_a_planned_run_lands_the_rows_a_week_by_week_run_lands(httpserver: HTTPServer) -> None:
    serve_by_asin(httpserver)
    keepa = planned(httpserver, YEAR, H100, A100)
    unplanned = feed(httpserver, H100, A100)

    for week in YEAR:
        ranged, alone = keepa.fetch(week), unplanned.fetch(week)
        assert ranged.rows == alone.rows
        assert ranged.notes == alone.notes

    assert len(httpserver.log) == 2 + 2  # unplanned, the feed still asks once per instance


def test_a_replay_of_one_planned_week_gives_its_rows(httpserver: HTTPServer) -> None:
    serve_by_asin(httpserver)
    keepa = planned(httpserver, YEAR, H100, A100)
    batches = [keepa.fetch(week) for week in YEAR]
    httpserver.clear()  # the provider is gone: the replay asks it nothing
    factory = functools.partial(KeepaGpuFeed, REPLAY_BASE_URL, "replay", listings=[H100, A100])

    for index in (0, 48, 49, 51):
        replayed = replay(factory, batches[index].responses, YEAR[index])
        assert replayed.rows == batches[index].rows
        assert replayed.notes == batches[index].notes
    assert batches[49].rows != []
    assert httpserver.log == []


def test_a_week_of_another_span_of_the_plan_replays_too(httpserver: HTTPServer) -> None:
    serve_by_asin(httpserver)
    weeks = [YEAR[45], YEAR[46], YEAR[48], YEAR[49], YEAR[51]]  # three spans
    keepa = planned(httpserver, weeks, H100)
    batches = [keepa.fetch(week) for week in weeks]
    httpserver.clear()
    factory = functools.partial(KeepaGpuFeed, REPLAY_BASE_URL, "replay", listings=[H100])

    assert [batch.cost["requests"] for batch in batches] == [1, 0, 0, 0, 0]
    assert [[record.get("span") for record in batch.responses] for batch in batches] == [
        ["2024-11-18/2024-12-02"],
        ["2024-11-18/2024-12-02"],
        ["2024-12-09/2024-12-23"],  # the span of the week, not the one that asked
        ["2024-12-09/2024-12-23"],
        [None],  # a week alone: its own days
    ]
    for week, batch in zip(weeks, batches, strict=True):
        replayed = replay(factory, batch.responses, week)
        assert replayed.rows == batch.rows
    assert batches[3].rows != [] and httpserver.log == []


def test_an_unknown_asin_fails_a_planned_run_at_its_first_week_naming_the_span(
    httpserver: HTTPServer,
) -> None:
    serve_by_asin(httpserver, unknown="B0TESTA100")
    keepa = planned(httpserver, YEAR, H100, A100)

    with pytest.raises(UnknownEntityError) as caught:
        keepa.fetch(YEAR[0])

    assert str(caught.value).startswith(
        "keepa: a100_pcie_80gb (ASIN B0TESTA100 on amazon.com), 2024-01-08..2025-01-05: keepa: "
        "GET /product?key=***&domain=1&asin=B0TESTA100&history=1 -> HTTP 200 OK: ASIN "
        "B0TESTA100 is not in Keepa's answer"
    )
    assert requests_made(httpserver) == 2
