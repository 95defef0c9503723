"""SimilarwebTrafficFeed against a local server speaking API v5: requests, the budget check
around a pull and the credits it reports, the error mapping, and a run's range fetched
once per domain (in chunks of `max_days`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import math
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import (
    ProviderError,
    ProviderHTTPError,
    ReplayMismatchError,
    UnknownEntityError,
)
from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.replay import replay, replay_factories
from orchestration.feeds.traffic import FEED
from orchestration.feeds.traffic.similarweb_client import (
    CAPABILITIES_PATH,
    DEFAULT_POLICY,
    TRAFFIC_PATH,
    SimilarwebBudgetError,
    SimilarwebTrafficFeed,
    application_error,
    chunks,
)
from orchestration.partitions import DateWindow, WeekWindow
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
    capabilities(httpserver, 213)  # the pull needs 14: one short of keeping 200

    with pytest.raises(SimilarwebBudgetError) as caught:
        feed(httpserver, CHATGPT + CLAUDE).fetch(WEEK)

    assert str(caught.value) == (
        "similarweb: budget check before the pull of 2024-05-13..2024-05-19: 213 data credits "
        "left of 10000; the pull needs about 14 (one per domain and day) and this feed keeps "
        "200 (min_remaining); nothing is pulled"
    )
    assert traffic_requests(httpserver) == []


def test_the_minimum_is_configurable(httpserver: HTTPServer) -> None:
    capabilities(httpserver, 99)
    httpserver.expect_request(TRAFFIC_PATH).respond_with_json(answer("x", [], 0))

    batch = feed(httpserver, CHATGPT[1:], min_remaining=50).fetch(WEEK)

    assert batch.cost["credits"] == 0
    with pytest.raises(SimilarwebBudgetError, match="the pull needs about 4 .* keeps 500 "):
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


# --- a run's range: one request per domain (in chunks of max_days), two budget checks ----

# 52 weeks, the last one up to TODAY (a Sunday): 2023-12-04..2024-11-30 are asked for.
YEAR = [WeekWindow.from_partition_key("2023-12-04")]
YEAR += [WeekWindow(YEAR[0].start + dt.timedelta(weeks=i), YEAR[0].end + dt.timedelta(weeks=i))
         for i in range(1, 52)]  # fmt: skip
SPAN = "2023-12-04/2024-12-01"
# The days of the span each domain is valid: ChatGPT moved on 2024-05-16.
DAYS_VALID = {"chat.openai.com": 164, "chatgpt.com": 199, "claude.ai": 363}


def visits(domain: str, day: dt.date) -> float:
    return len(domain) * 1000 + day.toordinal() % 97 + 0.25


def serve_by_range(server: HTTPServer, failing: dict[str, tuple[int, Any]] | None = None) -> None:
    """Answer every domain with a row for each day asked (visits by domain and day), a
    domain in `failing` with its (status, body), and the budget checks (5000 credits left,
    then 4000)."""

    def handler(request: Request) -> Response:
        domain = request.args["domain"]
        if domain in (failing or {}):
            status, body = (failing or {})[domain]
            return Response(json.dumps(body), status=status, content_type="application/json")
        first = dt.date.fromisoformat(request.args["start_date"])
        last = dt.date.fromisoformat(request.args["end_date"])
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        body = answer(domain, [], 0)
        body["data"] = [{"date": day.isoformat(), "visits": visits(domain, day)} for day in days]
        return Response(json.dumps(body), content_type="application/json")

    capabilities(server, 15000, 14000)  # enough for a year of 26 domains' days
    server.expect_request(TRAFFIC_PATH).respond_with_handler(handler)


def asked(server: HTTPServer) -> dict[str, list[tuple[str, str]]]:
    """The days each domain was asked for, request by request (first and last day)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for request in traffic_requests(server):
        found.setdefault(request.args["domain"], []).append(
            (request.args["start_date"], request.args["end_date"])
        )
    return found


def budget_checks(server: HTTPServer) -> int:
    return sum(1 for request, _ in server.log if request.path == CAPABILITIES_PATH)


def planned(server: HTTPServer, weeks: list[WeekWindow], **options: Any) -> SimilarwebTrafficFeed:
    similarweb = feed(server, CHATGPT + CLAUDE, **options)
    similarweb.plan(weeks)
    return similarweb


def test_a_52_week_plan_asks_each_domain_once_between_two_budget_checks(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(httpserver)
    similarweb = planned(httpserver, YEAR)

    batches = [similarweb.fetch(week) for week in YEAR]

    assert asked(httpserver) == {
        "chat.openai.com": [("2023-12-04", "2024-05-15")],
        "chatgpt.com": [("2024-05-16", "2024-11-30")],
        "claude.ai": [("2023-12-04", "2024-11-30")],
    }
    assert budget_checks(httpserver) == 2
    paths = [request.path for request, _ in httpserver.log]
    assert paths == [CAPABILITIES_PATH] + [TRAFFIC_PATH] * 3 + [CAPABILITIES_PATH]
    assert [batch.cost["requests"] for batch in batches] == [5] + [0] * 51
    assert batches[0].cost["credits"] == 1000  # the run's: 15000 left before, 14000 after
    assert all("credits" not in batch.cost for batch in batches[1:])  # none spent there
    assert sum(len(batch.rows) for batch in batches) == sum(DAYS_VALID.values()) == 363 * 2
    for week, batch in zip(YEAR, batches, strict=True):
        assert {row["date"] for row in batch.rows} <= set(week.days())
        assert len(batch.responses) == 5  # every answer the week's rows came from
        assert {record["span"] for record in batch.responses} == {SPAN}
        assert all(record["shared"] for record in batch.responses)
        assert batch.notes == []


def test_a_span_longer_than_max_days_is_asked_in_consecutive_chunks(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(httpserver)
    similarweb = planned(httpserver, YEAR, max_days=30)

    batches = [similarweb.fetch(week) for week in YEAR]

    found = asked(httpserver)
    assert {domain: len(chunks) for domain, chunks in found.items()} == {
        domain: math.ceil(days / 30) for domain, days in DAYS_VALID.items()
    } == {"chat.openai.com": 6, "chatgpt.com": 7, "claude.ai": 13}  # fmt: skip
    assert found["claude.ai"][:2] == [("2023-12-04", "2024-01-02"), ("2024-01-03", "2024-02-01")]
    assert found["claude.ai"][-1] == ("2024-11-28", "2024-11-30")  # the rest: 3 days
    assert found["chatgpt.com"][0] == ("2024-05-16", "2024-06-14")  # from its first day
    assert budget_checks(httpserver) == 2
    assert [batch.cost["requests"] for batch in batches] == [26 + 2] + [0] * 51
    assert sum(len(batch.rows) for batch in batches) == 363 * 2  # each day once


def test_the_monday_repull_of_four_weeks_is_one_request_per_domain(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(httpserver)
    weeks = YEAR[-4:]
    similarweb = planned(httpserver, weeks)

    for week in weeks:
        similarweb.fetch(week)

    assert asked(httpserver) == {
        "chatgpt.com": [("2024-11-04", "2024-11-30")],
        "claude.ai": [("2024-11-04", "2024-11-30")],
    }  # chat.openai.com is no longer the site's domain: not asked
    assert budget_checks(httpserver) == 2


@pytest.mark.parametrize("max_days", [366, 30, 5])
def test_a_planned_run_lands_the_rows_a_week_by_week_run_lands(
    httpserver: HTTPServer, max_days: int
) -> None:
    serve_by_range(httpserver)
    similarweb = planned(httpserver, YEAR, max_days=max_days)
    unplanned = feed(httpserver, CHATGPT + CLAUDE)

    for week in YEAR:
        assert similarweb.fetch(week).rows == unplanned.fetch(week).rows

    assert budget_checks(httpserver) == 2 + 2 * 52  # the unplanned feed checks every week


@pytest.mark.parametrize("max_days", [366, 30])
def test_a_replay_of_one_planned_week_asks_for_the_span_and_gives_its_rows(
    httpserver: HTTPServer, max_days: int
) -> None:
    serve_by_range(httpserver)
    similarweb = planned(httpserver, YEAR, max_days=max_days)
    batches = [similarweb.fetch(week) for week in YEAR]
    httpserver.clear()  # the provider is gone: the replay asks it nothing
    factory = functools.partial(
        SimilarwebTrafficFeed,
        REPLAY_BASE_URL,
        "replay",
        domains=CHATGPT + CLAUDE,
        max_days=max_days,
        min_remaining=0,
    )

    for index in (0, 23, 51):  # a week of the old domain, the week of the move, the last
        replayed = replay(factory, batches[index].responses, YEAR[index])

        assert replayed.rows == batches[index].rows != []
        assert replayed.notes == batches[index].notes == []
        assert replayed.cost["credits"] == 1000  # the recorded budget checks
    assert httpserver.log == []


def test_the_registered_replay_chunks_as_similarweb_max_days_says(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_by_range(httpserver)
    similarweb = feed(httpserver, list(seeds.site_domains()), max_days=30)  # as the seed
    similarweb.plan(YEAR)
    batch = [similarweb.fetch(week) for week in YEAR][10]
    monkeypatch.setenv("SIMILARWEB_MAX_DAYS", "30")

    replayed = replay(replay_factories()["similarweb"], batch.responses, YEAR[10])

    assert replayed.rows == batch.rows
    assert len(replayed.rows) == 7 * 20  # 2024-02-12..18: 20 of the seed's domains
    monkeypatch.setenv("SIMILARWEB_MAX_DAYS", "366")
    with pytest.raises(ReplayMismatchError):  # other ranges than were recorded
        replay(replay_factories()["similarweb"], batch.responses, YEAR[10])


def test_an_unknown_domain_fails_a_planned_run_at_its_first_week_naming_the_span(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(
        httpserver,
        failing={
            "claude.ai": (401, {"meta": {"status": "Error", "error_message": "Data not found"}})
        },
    )
    similarweb = planned(httpserver, YEAR)

    with pytest.raises(UnknownEntityError) as caught:
        similarweb.fetch(YEAR[0])

    assert str(caught.value).startswith(
        "similarweb: claude.ai (site claude), 2023-12-04..2024-11-30: similarweb: GET "
        f"{TRAFFIC_PATH}?domain=claude.ai&metrics=visits&granularity=daily&"
        "start_date=2023-12-04&end_date=2024-11-30&"
    )
    assert "unknown domain: Similarweb answered Data not found" in str(caught.value)
    paths = [request.path for request, _ in httpserver.log]
    assert paths == [CAPABILITIES_PATH] + [TRAFFIC_PATH] * 3  # no check after a failed pull


def test_a_budget_too_low_fails_a_planned_run_at_its_first_week_naming_the_span(
    httpserver: HTTPServer,
) -> None:
    capabilities(httpserver, 150)

    with pytest.raises(SimilarwebBudgetError) as caught:
        planned(httpserver, YEAR).fetch(YEAR[0])

    assert str(caught.value).startswith(
        "similarweb: budget check before the pull of 2023-12-04..2024-11-30: 150 data credits"
    )
    assert traffic_requests(httpserver) == []


def test_chunks_are_consecutive_from_the_first_day() -> None:
    window = DateWindow(dt.date(2024, 1, 1), dt.date(2024, 3, 1))  # 60 days

    assert chunks(window, 25) == [
        DateWindow(dt.date(2024, 1, 1), dt.date(2024, 1, 26)),
        DateWindow(dt.date(2024, 1, 26), dt.date(2024, 2, 20)),
        DateWindow(dt.date(2024, 2, 20), dt.date(2024, 3, 1)),
    ]
    assert chunks(window, 60) == [window]
    assert chunks(window, 366) == [window]


def test_max_days_is_read_from_similarweb_max_days_and_checked() -> None:
    settings = {"SIMILARWEB_API_KEY": SECRET}

    assert FEED.build("similarweb", settings).max_days == 366  # type: ignore[attr-defined]
    built = FEED.build("similarweb", {**settings, "SIMILARWEB_MAX_DAYS": "30"})
    assert built.max_days == 30  # type: ignore[attr-defined]
    for bad in ("0", "-7", "a year", "30.5"):
        with pytest.raises(FeedConfigError, match="SIMILARWEB_MAX_DAYS"):
            FEED.build("similarweb", {**settings, "SIMILARWEB_MAX_DAYS": bad})
    with pytest.raises(FeedConfigError, match="SIMILARWEB_MAX_DAYS"):
        SimilarwebTrafficFeed("", SECRET, max_days=0)
