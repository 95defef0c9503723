"""SimilarwebTrafficFeed against a local server speaking API v5, and its error mapping."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.base import FeedConfigError, FeedDataError
from orchestration.feeds.http import ProviderError, ProviderHTTPError
from orchestration.feeds.traffic.similarweb_client import (
    DEFAULT_POLICY,
    TRAFFIC_PATH,
    SimilarwebTrafficFeed,
    application_error,
)
from orchestration.partitions import WeekWindow
from tests.unit.http_fakes import SECRET, FakeClock, closed_port, pipeline_log_text

# ChatGPT moved from chat.openai.com to chatgpt.com on 2024-05-16, a Thursday.
WEEK = WeekWindow.from_partition_key("2024-05-13")
TODAY = dt.date(2024, 12, 1)
CHATGPT = [domain for domain in seeds.site_domains() if domain.site_id == "chatgpt"]
CLAUDE = [domain for domain in seeds.site_domains() if domain.site_id == "claude"]
NO_JITTER = dataclasses.replace(DEFAULT_POLICY, backoff_jitter=0.0)


def answer(domain: str, days: list[str], visits: float) -> dict[str, Any]:
    return {
        "meta": {
            "request": {"domain": domain, "granularity": "daily", "country": "WW"},
            "status": "Success",
            "last_updated": "2024-05-25",
        },
        "data": [{"date": day, "visits": visits} for day in days],
    }


def serve(server: HTTPServer, answers: dict[str, tuple[int, Any]]) -> None:
    """Answer each domain with its (status, JSON body)."""

    def handler(request: Request) -> Response:
        status, body = answers[request.args["domain"]]
        return Response(json.dumps(body), status=status, content_type="application/json")

    server.expect_request(TRAFFIC_PATH).respond_with_handler(handler)


def row(domain: str, day: str, visits: float, site_id: str = "chatgpt") -> dict[str, Any]:
    return {
        "site_id": site_id,
        "domain": domain,
        "category": "text",
        "date": dt.date.fromisoformat(day),
        "visits": visits,
        "data_last_updated": dt.date(2024, 5, 25),
    }


def feed(
    server: HTTPServer | str, domains: list[seeds.SiteDomain], clock: FakeClock | None = None
) -> SimilarwebTrafficFeed:
    url = server if isinstance(server, str) else server.url_for("/")
    return SimilarwebTrafficFeed(
        url, SECRET, domains=domains, policy=NO_JITTER, clock=clock or FakeClock(), today=TODAY
    )


def test_each_domain_is_asked_for_the_days_it_was_valid(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        {
            "chat.openai.com": (200, answer("chat.openai.com", ["2024-05-14", "2024-05-15"], 1.5)),
            "chatgpt.com": (200, answer("chatgpt.com", ["2024-05-16"], 2.25)),
        },
    )

    batch = feed(httpserver, CHATGPT).fetch(WEEK)

    assert batch.rows == [
        row("chat.openai.com", "2024-05-14", 1.5),
        row("chat.openai.com", "2024-05-15", 1.5),
        row("chatgpt.com", "2024-05-16", 2.25),
    ]
    assert batch.notes == []
    old, new = (request for request, _ in httpserver.log)
    assert dict(old.args) == {
        "domain": "chat.openai.com",
        "metrics": "visits",
        "granularity": "daily",
        "start_date": "2024-05-13",
        "end_date": "2024-05-15",
        "country": "ww",
        "main_domain_only": "false",
        "format": "json",
    }
    assert (new.args["start_date"], new.args["end_date"]) == ("2024-05-16", "2024-05-19")
    assert old.headers["api-key"] == SECRET


def test_401_data_not_found_is_a_note_for_that_site(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        {
            "chatgpt.com": (401, {"meta": {"status": "Error", "error_message": "Data not found"}}),
            "claude.ai": (200, answer("claude.ai", ["2024-05-20"], 3.0)),
        },
    )
    later = WeekWindow.from_partition_key("2024-05-20")

    batch = feed(httpserver, CHATGPT[1:] + CLAUDE).fetch(later)

    assert batch.rows == [row("claude.ai", "2024-05-20", 3.0, site_id="claude")]
    assert batch.notes == [
        'chatgpt: Similarweb has no data for chatgpt.com ({"meta": {"status": "Error", '
        '"error_message": "Data not found"}}); check the domain (lowercase, no scheme, www. or '
        "path)"
    ]


def test_401_invalid_key_stops_the_whole_fetch(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TRAFFIC_PATH).respond_with_data("invalid API key", status=401)

    with pytest.raises(ProviderHTTPError, match=r"invalid API key \(invalid API key\); stopping"):
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert len(httpserver.log) == 1  # not retried, no other domain asked


def test_401_naming_neither_key_nor_data_stops_the_fetch(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TRAFFIC_PATH).respond_with_data("Unauthorized", status=401)

    with pytest.raises(ProviderHTTPError, match="naming neither the key nor missing data"):
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert len(httpserver.log) == 1


def test_403_invalid_key_or_no_credits_stops_the_fetch(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TRAFFIC_PATH).respond_with_data("Forbidden", status=403)

    with pytest.raises(ProviderHTTPError, match="invalid API key or out of data credits") as caught:
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert caught.value.status == 403
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {"error_code": 101, "error_message": "Dates available: 2023-06 to 2024-04"},
            "Similarweb error 101 (dates not in range): Dates available: 2023-06 to 2024-04",
        ),
        (
            200,
            {"meta": {"status": "Error", "error_code": "102", "message": "use monthly"}},
            "Similarweb error 102 (granularity not supported): use monthly",
        ),
        (
            400,
            {"meta": {"error_code": 103}},
            "Similarweb error 103 (country not available in the plan): "
            '{"meta": {"error_code": 103}}',
        ),
    ],
)
def test_application_codes_101_to_103_stop_with_the_provider_message(
    httpserver: HTTPServer, status: int, body: dict[str, Any], expected: str
) -> None:
    serve(httpserver, {"chat.openai.com": (status, body)})

    with pytest.raises(ProviderHTTPError) as caught:
        feed(httpserver, CHATGPT).fetch(WEEK)

    assert str(caught.value).endswith(f": {expected}; not retried")
    assert len(httpserver.log) == 1


def test_application_codes_are_read_from_the_status_too() -> None:
    assert application_error(102, None) == 102
    assert application_error(400, {"error_code": 401}) is None
    assert application_error(200, {"meta": {"status": "Success"}}) is None


def test_429_is_retried_after_a_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(TRAFFIC_PATH).respond_with_data("slow down", status=429)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(
        answer("chatgpt.com", ["2024-05-16"], 2.25)
    )
    clock = FakeClock()

    batch = feed(httpserver, CHATGPT[1:], clock).fetch(WEEK)

    assert batch.rows == [row("chatgpt.com", "2024-05-16", 2.25)]
    assert len(httpserver.log) == 2
    assert clock.sleeps == [1.0]


def test_requests_are_paced_at_five_a_second(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(answer("x", [], 0))
    clock = FakeClock()

    feed(httpserver, CHATGPT + CLAUDE, clock).fetch(WEEK)

    assert len(httpserver.log) == 3
    assert clock.sleeps == [0.2, 0.2]


def test_an_empty_key_is_a_config_error() -> None:
    with pytest.raises(FeedConfigError, match="SIMILARWEB_API_KEY"):
        SimilarwebTrafficFeed("", "")


def test_the_feed_repr_shows_no_key() -> None:
    assert repr(SimilarwebTrafficFeed("", SECRET)) == (
        "SimilarwebTrafficFeed(HttpClient('similarweb', 'https://api.similarweb.com'))"
    )


@pytest.mark.parametrize(
    "failure",
    ["bad key echoed", "403 echoed", "500 every time", "not JSON", "connection refused"],
)
def test_the_key_never_shows_in_errors_or_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    caplog.set_level(logging.DEBUG)
    handler = httpserver.expect_request(TRAFFIC_PATH)
    if failure == "bad key echoed":
        handler.respond_with_data(f"invalid API key {SECRET}", status=401)
    elif failure == "403 echoed":
        handler.respond_with_json({"message": f"no credits left for {SECRET}"}, status=403)
    elif failure == "500 every time":
        handler.respond_with_data(f"oops {SECRET}", status=500)
    elif failure == "not JSON":
        handler.respond_with_data(f"<html>{SECRET}</html>", content_type="text/html")
    url = f"http://127.0.0.1:{closed_port()}" if failure == "connection refused" else httpserver

    with pytest.raises(FeedDataError) as caught:
        feed(url, CHATGPT[1:]).fetch(WEEK)

    error = caught.value
    assert isinstance(error, ProviderError)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert SECRET not in repr(vars(error))
    assert (error.__cause__, error.__context__) == (None, None)
    assert SECRET not in pipeline_log_text(caplog)
