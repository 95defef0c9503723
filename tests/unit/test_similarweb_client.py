"""SimilarwebTrafficFeed against a local server speaking API v5: requests, the budget check
around a pull and the credits it reports, and the error mapping."""

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
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import ProviderError, ProviderHTTPError, UnknownEntityError
from orchestration.feeds.traffic.similarweb_client import (
    CAPABILITIES_PATH,
    DEFAULT_POLICY,
    TRAFFIC_PATH,
    SimilarwebBudgetError,
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


def capabilities(server: HTTPServer, *remaining: float, allowance: float = 10000) -> None:
    """Answer /user-capabilities with `remaining` credits, one value per call in turn
    (the last repeats)."""
    left = list(remaining or (5000,))

    def handler(request: Request) -> Response:
        value = left.pop(0) if len(left) > 1 else left[0]
        body = {"allowance": allowance, "user_remaining": value}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request(CAPABILITIES_PATH).respond_with_handler(handler)


def serve(server: HTTPServer, answers: dict[str, tuple[int, Any]]) -> None:
    """Answer each domain with its (status, JSON body), and the budget checks."""

    def handler(request: Request) -> Response:
        status, body = answers[request.args["domain"]]
        return Response(json.dumps(body), status=status, content_type="application/json")

    capabilities(server)
    server.expect_request(TRAFFIC_PATH).respond_with_handler(handler)


def traffic_requests(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log if request.path == TRAFFIC_PATH]


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
    server: HTTPServer | str,
    domains: list[seeds.SiteDomain],
    clock: FakeClock | None = None,
    **options: Any,
) -> SimilarwebTrafficFeed:
    url = server if isinstance(server, str) else server.url_for("/")
    return SimilarwebTrafficFeed(
        url,
        SECRET,
        domains=domains,
        policy=NO_JITTER,
        clock=clock or FakeClock(),
        today=TODAY,
        **options,
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
    old, new = traffic_requests(httpserver)
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


def test_401_data_not_found_fails_the_pull_naming_the_domain(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        {
            "chatgpt.com": (401, {"meta": {"status": "Error", "error_message": "Data not found"}}),
            "claude.ai": (200, answer("claude.ai", ["2024-05-20"], 3.0)),
        },
    )
    later = WeekWindow.from_partition_key("2024-05-20")

    with pytest.raises(UnknownEntityError) as caught:
        feed(httpserver, CHATGPT[1:] + CLAUDE).fetch(later)

    message = str(caught.value)
    assert message.startswith(
        "similarweb: chatgpt.com (site chatgpt), 2024-05-20..2024-05-26: similarweb: GET "
        f"{TRAFFIC_PATH}?domain=chatgpt.com&"
    )
    assert message.endswith(
        '-> HTTP 401 UNAUTHORIZED: unknown domain: Similarweb answered Data not found ({"meta": '
        '{"status": "Error", "error_message": "Data not found"}}); check the domain in the '
        "site_domains seed (lowercase, no scheme, www. or path); permanent, not retried"
    )
    assert len(traffic_requests(httpserver)) == 1  # not retried, claude.ai not asked


def test_a_site_before_its_tracked_from_date_is_not_asked(httpserver: HTTPServer) -> None:
    ideogram = [domain for domain in seeds.site_domains() if domain.site_id == "ideogram"]
    assert ideogram[0].valid_from == dt.date(2024, 7, 11)

    batch = feed(httpserver, ideogram).fetch(WeekWindow.from_partition_key("2024-07-01"))

    assert (batch.rows, batch.notes) == ([], [])
    assert httpserver.log == []  # no data call, so no budget check either


def test_an_empty_answer_is_an_empty_week(httpserver: HTTPServer) -> None:
    serve(httpserver, {"chatgpt.com": (200, answer("chatgpt.com", [], 0))})

    batch = feed(httpserver, CHATGPT[1:]).fetch(WEEK)

    assert (batch.rows, batch.notes) == ([], [])


def test_401_invalid_key_stops_the_whole_fetch(httpserver: HTTPServer) -> None:
    capabilities(httpserver)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_data("invalid API key", status=401)

    with pytest.raises(ProviderHTTPError, match=r"invalid API key \(invalid API key\); stopping"):
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert len(traffic_requests(httpserver)) == 1  # not retried, no other domain asked


def test_401_naming_neither_key_nor_data_stops_the_fetch(httpserver: HTTPServer) -> None:
    capabilities(httpserver)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_data("Unauthorized", status=401)

    with pytest.raises(ProviderHTTPError, match="naming neither the key nor missing data"):
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert len(traffic_requests(httpserver)) == 1


def test_403_invalid_key_or_no_credits_stops_the_fetch(httpserver: HTTPServer) -> None:
    capabilities(httpserver)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_data("Forbidden", status=403)

    with pytest.raises(ProviderHTTPError, match="invalid API key or out of data credits") as caught:
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert caught.value.status == 403
    assert len(traffic_requests(httpserver)) == 1


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
    assert len(traffic_requests(httpserver)) == 1


def test_application_codes_are_read_from_the_status_too() -> None:
    assert application_error(102, None) == 102
    assert application_error(400, {"error_code": 401}) is None
    assert application_error(200, {"meta": {"status": "Success"}}) is None


def test_429_is_retried_after_a_backoff(httpserver: HTTPServer) -> None:
    capabilities(httpserver)
    httpserver.expect_oneshot_request(TRAFFIC_PATH).respond_with_data("slow down", status=429)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(
        answer("chatgpt.com", ["2024-05-16"], 2.25)
    )
    clock = FakeClock()

    batch = feed(httpserver, CHATGPT[1:], clock).fetch(WEEK)

    assert batch.rows == [row("chatgpt.com", "2024-05-16", 2.25)]
    assert len(traffic_requests(httpserver)) == 2
    assert clock.sleeps == pytest.approx(
        [0.2, 1.0, 0.2]
    )  # pace after the budget check, backoff, pace
    assert (batch.cost["requests"], batch.cost["retries"]) == (4, 1)


def test_requests_are_paced_at_five_a_second(httpserver: HTTPServer) -> None:
    capabilities(httpserver)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(answer("x", [], 0))
    clock = FakeClock()

    feed(httpserver, CHATGPT + CLAUDE, clock).fetch(WEEK)

    assert len(httpserver.log) == 5  # budget check, 3 domains, budget check
    assert clock.sleeps == pytest.approx([0.2, 0.2, 0.2, 0.2])


# --- the budget ------------------------------------------------------------------------


def test_the_pull_reports_the_credits_it_spent(httpserver: HTTPServer) -> None:
    capabilities(httpserver, 4989, 4975)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(
        answer("chatgpt.com", ["2024-05-16"], 2.25)
    )

    batch = feed(httpserver, CHATGPT[1:]).fetch(WEEK)

    paths = [request.path for request, _ in httpserver.log]
    assert paths == [CAPABILITIES_PATH, TRAFFIC_PATH, CAPABILITIES_PATH]
    first = httpserver.log[0][0]
    assert first.headers["api-key"] == SECRET  # the key as for data calls, not in the URL
    assert dict(first.args) == {}
    assert batch.cost["credits"] == 14
    assert batch.cost["requests"] == 3
    assert [record["path"] for record in batch.responses] == paths
    assert batch.notes == []


def test_too_few_credits_left_stops_before_any_data_call(httpserver: HTTPServer) -> None:
    capabilities(httpserver, 199)

    with pytest.raises(SimilarwebBudgetError) as caught:
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert str(caught.value) == (
        "similarweb: budget check before the pull of 2024-05-13..2024-05-19: 199 data credits "
        "left of 10000, below the minimum of 200 this feed keeps (min_remaining); nothing is "
        "pulled"
    )
    assert traffic_requests(httpserver) == []


def test_the_minimum_is_configurable(httpserver: HTTPServer) -> None:
    capabilities(httpserver, 99)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(answer("x", [], 0))

    batch = feed(httpserver, CHATGPT[1:], min_remaining=50).fetch(WEEK)

    assert batch.cost["credits"] == 0
    with pytest.raises(SimilarwebBudgetError, match="below the minimum of 500 "):
        feed(httpserver, CHATGPT[1:], min_remaining=500).fetch(WEEK)


@pytest.mark.parametrize(
    ("answer_kind", "reason"),
    [
        ("500", "HTTP 500 INTERNAL SERVER ERROR (after 5 attempts in 15.0 s): down"),
        ("html", "not JSON (an error or anti-bot page?): HTML: sign in"),
        ("no remaining", "not a /user-capabilities answer (user_remaining is None, not a number)"),
        ("text remaining", "not a /user-capabilities answer (user_remaining is '4989', not a"),
        ("401", "HTTP 401 UNAUTHORIZED (after 1 attempt in 0.0 s): invalid API key"),
    ],
)
def test_a_failed_budget_check_stops_the_pull(
    httpserver: HTTPServer, answer_kind: str, reason: str
) -> None:
    handler = httpserver.expect_request(CAPABILITIES_PATH)
    if answer_kind == "500":
        handler.respond_with_data("down", status=500)
    elif answer_kind == "html":
        handler.respond_with_data("<html><body>sign in</body></html>", content_type="text/html")
    elif answer_kind == "no remaining":
        handler.respond_with_json({"allowance": 10000})
    elif answer_kind == "text remaining":
        handler.respond_with_json({"allowance": 10000, "user_remaining": "4989"})
    else:
        handler.respond_with_data("invalid API key", status=401)

    with pytest.raises(SimilarwebBudgetError) as caught:
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert str(caught.value).startswith(
        "similarweb: budget check before the pull of 2024-05-13..2024-05-19 failed, so nothing "
        "is pulled (never without a budget check): similarweb: GET /user-capabilities -> HTTP "
    )
    assert reason in str(caught.value)
    assert traffic_requests(httpserver) == []


def test_a_failed_check_after_the_pull_keeps_the_rows_and_says_so(httpserver: HTTPServer) -> None:
    answers = iter([{"allowance": 10000, "user_remaining": 4989}, {"allowance": 10000}])
    httpserver.expect_request(CAPABILITIES_PATH).respond_with_handler(
        lambda request: Response(json.dumps(next(answers)), content_type="application/json")
    )
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(
        answer("chatgpt.com", ["2024-05-16"], 2.25)
    )

    batch = feed(httpserver, CHATGPT[1:]).fetch(WEEK)

    assert batch.rows == [row("chatgpt.com", "2024-05-16", 2.25)]
    assert "credits" not in batch.cost
    [note] = batch.notes
    assert note.startswith(
        "the budget check after the pull of 2024-05-13..2024-05-19 failed, so the credits it "
        "spent are unknown (similarweb: GET /user-capabilities -> HTTP 200: not a "
        "/user-capabilities answer (user_remaining is None, not a number)"
    )


def test_credits_that_went_up_are_reported_with_a_note(httpserver: HTTPServer) -> None:
    capabilities(httpserver, 20, 10000)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(answer("x", [], 0))

    batch = feed(httpserver, CHATGPT[1:], min_remaining=10).fetch(WEEK)

    assert batch.cost["credits"] == -9980
    assert batch.notes == [
        "credits left went up during the pull of 2024-05-13..2024-05-19 (20 -> 10000): the "
        "allowance was renewed, or credits were added"
    ]


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
    capabilities(httpserver)
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
