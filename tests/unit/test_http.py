"""The HTTP layer: retries, backoff, Retry-After, the time bound, pacing, connection
reuse, errors, secret redaction, recording and replay, against local servers and a fake
clock."""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import time

import pytest
from pytest_httpserver import HTTPServer

from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import (
    HttpClient,
    HttpPolicy,
    ProviderBodyError,
    ProviderConnectionError,
    ProviderHTTPError,
    ProviderTimeBoundError,
    RateLimiter,
    Redactor,
    ReplayMismatchError,
    ReplayTransport,
)
from tests.unit.http_fakes import (
    DROP,
    HANG,
    RESET,
    SECRET,
    FakeClock,
    closed_port,
    ok,
    pipeline_log_text,
    raw_server,
)

# Exact waits: backoff 1, 2, 4, ... s, no jitter; no pacing wait between first attempts.
POLICY = HttpPolicy(rate_per_second=1000.0, retries=4, backoff_factor=1.0, backoff_jitter=0.0)


def client(url: str, clock: FakeClock, **policy: float) -> HttpClient:
    return HttpClient(
        "acme", url, policy=dataclasses.replace(POLICY, **policy), secrets=[SECRET], clock=clock
    )


# --- answers ---------------------------------------------------------------------------


def test_a_2xx_answer_is_returned_and_its_json_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/x", query_string="a=1").respond_with_json({"n": 1})
    http = client(httpserver.url_for("/"), FakeClock())

    response = http.get("/v1/x", params={"a": 1})

    assert http.json(response) == {"n": 1}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_never_retried(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/x").respond_with_json({"message": "no"}, status=status)
    clock = FakeClock()

    with pytest.raises(ProviderHTTPError) as caught:
        client(httpserver.url_for("/"), clock).get("/x")

    assert caught.value.status == status
    assert (caught.value.provider, caught.value.target) == ("acme", "/x")
    assert len(httpserver.log) == 1
    assert clock.sleeps == []


def test_a_status_the_caller_handles_is_returned(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({"chart": None}, status=404)

    response = client(httpserver.url_for("/"), FakeClock()).get("/x", handled=(404,))

    assert response.status_code == 404


def test_an_http_error_names_provider_target_status_and_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("nope", status=404)

    with pytest.raises(ProviderHTTPError) as caught:
        client(httpserver.url_for("/"), FakeClock()).get("/x", params={"q": "a b"})

    assert str(caught.value) == (
        "acme: GET /x?q=a+b -> HTTP 404 NOT FOUND (after 1 attempt in 0.0 s): nope"
    )
    assert isinstance(caught.value, FeedDataError)


def test_a_redirect_is_not_followed(httpserver: HTTPServer) -> None:
    # A key header must never travel to wherever a redirect points.
    httpserver.expect_request("/x").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.invalid/"}
    )

    with pytest.raises(ProviderHTTPError) as caught:
        client(httpserver.url_for("/"), FakeClock()).get("/x")

    assert caught.value.status == 302


def test_an_html_page_in_a_200_is_a_body_error_not_data(httpserver: HTTPServer) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Yahoo</title><style>p {color: red}</style>"
        "</head><body><p>Will be right back...</p></body></html>"
    )
    httpserver.expect_request("/x").respond_with_data(page, content_type="text/html")
    http = client(httpserver.url_for("/"), FakeClock())
    response = http.get("/x")

    with pytest.raises(ProviderBodyError) as caught:
        http.json(response)

    assert str(caught.value) == (
        "acme: GET /x -> HTTP 200 answered text/html, not JSON (an error or "
        "anti-bot page?): HTML: Yahoo Will be right back..."
    )


# --- retries ---------------------------------------------------------------------------


def test_429_then_success_waits_the_retry_after_seconds(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/x").respond_with_json(
        {}, status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_request("/x").respond_with_json({"n": 2})
    clock = FakeClock()

    response = client(httpserver.url_for("/"), clock).get("/x")

    assert response.json() == {"n": 2}
    assert len(httpserver.log) == 2
    assert clock.sleeps == [7.0]


def test_retry_after_as_an_http_date_is_waited_until(httpserver: HTTPServer) -> None:
    clock = FakeClock()  # urllib3 reads the date against the wall clock
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    httpserver.expect_oneshot_request("/x").respond_with_json(
        {}, status=503, headers={"Retry-After": when}
    )
    httpserver.expect_request("/x").respond_with_json({})

    client(httpserver.url_for("/"), clock).get("/x")

    (wait,) = clock.sleeps
    assert 28.0 < wait <= 30.0  # the date has whole seconds; a moment has passed


def test_a_retry_after_that_is_neither_seconds_nor_a_date_is_ignored(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request("/x").respond_with_json(
        {}, status=503, headers={"Retry-After": "soon"}
    )
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()

    with caplog.at_level(logging.WARNING):
        client(httpserver.url_for("/"), clock).get("/x")

    assert clock.sleeps == [1.0]  # the backoff's
    assert "ignoring a Retry-After that is neither seconds nor a date" in caplog.text


def test_retry_after_shorter_than_the_backoff_waits_the_backoff(httpserver: HTTPServer) -> None:
    for _ in range(2):
        httpserver.expect_oneshot_request("/x").respond_with_json(
            {}, status=429, headers={"Retry-After": "1"}
        )
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()

    client(httpserver.url_for("/"), clock).get("/x")

    assert clock.sleeps == [1.0, 2.0]  # never sooner than the provider asks, nor the backoff


def test_backoff_doubles_from_the_first_retry(httpserver: HTTPServer) -> None:
    for _ in range(3):
        httpserver.expect_oneshot_request("/x").respond_with_json({}, status=429)
    httpserver.expect_request("/x").respond_with_json({"n": 4})
    clock = FakeClock()

    response = client(httpserver.url_for("/"), clock).get("/x")

    assert response.json() == {"n": 4}
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_jitter_adds_at_most_backoff_jitter(httpserver: HTTPServer) -> None:
    for _ in range(3):
        httpserver.expect_oneshot_request("/x").respond_with_json({}, status=502)
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()

    client(httpserver.url_for("/"), clock, backoff_jitter=0.5).get("/x")

    assert [int(wait) for wait in clock.sleeps] == [1, 2, 4]
    assert all(0 <= wait - base <= 0.5 for wait, base in zip(clock.sleeps, [1, 2, 4], strict=True))


def test_backoff_is_capped_at_backoff_max(httpserver: HTTPServer) -> None:
    for _ in range(4):
        httpserver.expect_oneshot_request("/x").respond_with_json({}, status=500)
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()

    client(httpserver.url_for("/"), clock, backoff_max=3.0).get("/x")

    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]


def test_500_every_time_fails_after_the_retry_budget(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("down", status=500)
    clock = FakeClock()

    with pytest.raises(ProviderHTTPError) as caught:
        client(httpserver.url_for("/"), clock, retries=3).get("/x")

    assert len(httpserver.log) == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert caught.value.status == 500
    assert str(caught.value) == (
        "acme: GET /x -> HTTP 500 INTERNAL SERVER ERROR (after 4 attempts in 7.0 s): down"
    )


def test_a_provider_that_stays_down_fails_within_the_time_bound(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({}, status=503)
    clock = FakeClock()

    with pytest.raises(ProviderTimeBoundError) as caught:
        client(httpserver.url_for("/"), clock, retries=50, time_bound=10.0).get("/x")

    assert clock.sleeps == [1.0, 2.0, 4.0]  # the next wait, 8 s, would end at 15 s
    assert clock.now <= 10.0
    assert len(httpserver.log) == 4
    assert str(caught.value) == (
        "acme: GET /x: gave up after 4 attempts in 7.0 s: HTTP 503; waiting 8.0 s more "
        "would pass the 10 s time bound"
    )


def test_a_retry_after_longer_than_the_cap_fails_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json(
        {}, status=429, headers={"Retry-After": "3600"}
    )
    clock = FakeClock()

    with pytest.raises(ProviderTimeBoundError) as caught:
        client(httpserver.url_for("/"), clock, max_retry_after=60.0).get("/x")

    assert len(httpserver.log) == 1
    assert clock.sleeps == []
    assert str(caught.value) == (
        "acme: GET /x: gave up after 1 attempt in 0.0 s: HTTP 429 asks to retry after "
        "3600 s, longer than the 60 s this client waits"
    )


# --- connections -----------------------------------------------------------------------


@pytest.mark.parametrize("failure", [RESET, DROP])
def test_a_reset_or_dropped_connection_is_retried(failure: str) -> None:
    clock = FakeClock()
    with raw_server([failure, ok(b'{"n": 2}')]) as server:
        response = client(server.url, clock).get("/x")

    assert response.json() == {"n": 2}
    assert (server.requests, server.connections) == (2, 2)
    assert clock.sleeps == [1.0]


def test_a_connection_that_keeps_dropping_fails_naming_the_cause() -> None:
    clock = FakeClock()
    with raw_server([DROP]) as server, pytest.raises(ProviderConnectionError) as caught:
        client(server.url, clock, retries=2).get("/x")

    assert server.requests == 3
    assert str(caught.value).startswith("acme: GET /x: no answer after 3 attempts in 3.0 s: ")
    assert "RemoteDisconnected" in str(caught.value)


def test_a_refused_connection_is_retried_then_fails() -> None:
    clock = FakeClock()

    with pytest.raises(ProviderConnectionError) as caught:
        client(f"http://127.0.0.1:{closed_port()}", clock, retries=2).get("/x")

    assert clock.sleeps == [1.0, 2.0]
    assert "after 3 attempts" in str(caught.value)
    assert "Connection refused" in str(caught.value)


def test_a_read_timeout_is_retried_then_fails() -> None:
    with raw_server([HANG]) as server, pytest.raises(ProviderConnectionError) as caught:
        client(server.url, FakeClock(), retries=1, read_timeout=0.05).get("/x")

    assert server.requests == 2
    assert "ReadTimeoutError" in str(caught.value)


def test_requests_reuse_one_connection() -> None:
    with raw_server([ok()]) as server:
        http = client(server.url, FakeClock())
        for _ in range(3):
            http.get("/x")

    assert (server.requests, server.connections) == (3, 1)


# --- pacing ----------------------------------------------------------------------------


def test_requests_to_a_host_are_spaced_by_the_rate_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()
    http = client(httpserver.url_for("/"), clock, rate_per_second=2.0)

    for _ in range(3):
        http.get("/x")

    assert clock.sleeps == [0.5, 0.5]


def test_retries_are_paced_too(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/x").respond_with_json({}, status=429)
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()

    client(httpserver.url_for("/"), clock, rate_per_second=1.0, backoff_factor=0.25).get("/x")

    assert clock.sleeps == [0.25, 0.75]  # backoff, then the rest of the 1 s interval


def test_rate_limiter_waits_only_for_the_same_host() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock)

    limiter.wait("a")
    limiter.wait("b")
    clock.sleep(0.1)
    limiter.wait("a")

    assert clock.sleeps == [0.1, 0.15]


def test_a_base_url_that_is_not_http_is_a_config_error() -> None:
    with pytest.raises(FeedConfigError, match="'ftp://x' is not an http"):
        HttpClient("acme", "ftp://x")


# --- secrets ---------------------------------------------------------------------------


def test_redactor_hides_secret_values_and_secret_parameters() -> None:
    redact = Redactor([SECRET, "p@ss word"])

    assert redact(f"key {SECRET} and p%40ss%20word and p%40ss+word") == ("key *** and *** and ***")
    assert redact("/x?domain=a.com&api_key=other&token=t1;x&apikey=z#f") == (
        "/x?domain=a.com&api_key=***&token=***;x&apikey=***#f"
    )


def test_a_key_in_the_query_is_redacted_from_error_and_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/x").respond_with_data(f"bad key {SECRET}", status=403)

    with pytest.raises(ProviderHTTPError) as caught:
        client(httpserver.url_for("/"), FakeClock()).get("/x", params={"api_key": SECRET})

    error = caught.value
    assert str(error) == (
        "acme: GET /x?api_key=*** -> HTTP 403 FORBIDDEN (after 1 attempt in 0.0 s): bad key ***"
    )
    assert error.target == "/x?api_key=***"
    assert SECRET not in repr(error)
    assert "api_key=***" in pipeline_log_text(caplog)  # urllib3's debug line, redacted
    assert SECRET not in pipeline_log_text(caplog)


def test_a_key_is_redacted_from_retry_warnings_and_time_bound_errors(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/x").respond_with_json({}, status=503)

    with pytest.raises(ProviderTimeBoundError) as caught:
        client(httpserver.url_for("/"), FakeClock(), time_bound=5.0).get(
            "/x", params={"key": SECRET}
        )

    assert SECRET not in str(caught.value) + repr(caught.value)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "acme: GET /x?key=***: HTTP 503; attempt 2 of 5 in 1.0 s",
        "acme: GET /x?key=***: HTTP 503; attempt 3 of 5 in 2.0 s",
    ]
    assert SECRET not in pipeline_log_text(caplog)


def test_a_key_is_redacted_from_connection_errors_which_chain_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(ProviderConnectionError) as caught:
        client(url, FakeClock(), retries=1).get("/x", params={"api_key": SECRET})

    error = caught.value
    assert SECRET not in str(error) + repr(error)
    # No urllib3 exception (its text holds the full URL) is stored with the error.
    assert (error.__cause__, error.__context__) == (None, None)
    assert SECRET not in pipeline_log_text(caplog)


def test_the_client_repr_shows_no_password() -> None:
    http = HttpClient("acme", f"https://user:{SECRET}@api.example.com/base")

    assert repr(http) == "HttpClient('acme', 'https://user:***@api.example.com/base')"


# --- bodies that are not JSON --------------------------------------------------------


def test_an_empty_body_is_a_body_error_saying_so(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("", content_type="application/json")
    http = client(httpserver.url_for("/"), FakeClock())

    with pytest.raises(ProviderBodyError) as caught:
        http.json(http.get("/x"))

    assert str(caught.value) == (
        "acme: GET /x -> HTTP 200 answered an empty body (application/json), not JSON"
    )


def test_a_truncated_json_body_is_a_body_error_saying_where(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data(
        '{"a": [1, 2', content_type="application/json"
    )
    http = client(httpserver.url_for("/"), FakeClock())

    with pytest.raises(ProviderBodyError) as caught:
        http.json(http.get("/x"))

    assert str(caught.value) == (
        "acme: GET /x -> HTTP 200 answered application/json that is not valid JSON (cut "
        "short?): Expecting ',' delimiter: line 1 column 12 (char 11): {\"a\": [1, 2"
    )


# --- recording -------------------------------------------------------------------------


def test_each_answer_is_recorded_with_secrets_redacted(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/x").respond_with_data(
        f'{{"echo": "{SECRET}", "名": 1}}'.encode(), content_type="application/json"
    )
    http = client(httpserver.url_for("/"), FakeClock())

    http.get("/v1/x", params={"q": "a b", "n": 2, "api_key": "other", "user": SECRET})

    assert http.log.records == [
        {
            "provider": "acme",
            "method": "GET",
            "path": "/v1/x",
            "params": {"q": "a b", "n": "2", "api_key": "***", "user": "***"},
            "status": 200,
            "content_type": "application/json",
            "body": '{"echo": "***", "名": 1}',
        }
    ]
    assert http.last_record is http.log.records[0]


def test_handled_answers_are_recorded_and_failed_ones_are_not(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/handled").respond_with_json({"n": 1}, status=404)
    httpserver.expect_request("/failed").respond_with_data("no", status=403)
    http = client(httpserver.url_for("/"), FakeClock())

    http.get("/handled", handled=(404,))
    with pytest.raises(ProviderHTTPError):
        http.get("/failed")

    assert [(r["path"], r["status"]) for r in http.log.records] == [("/handled", 404)]


def test_the_log_counts_attempts_retries_and_bytes(httpserver: HTTPServer) -> None:
    for _ in range(2):
        httpserver.expect_oneshot_request("/x").respond_with_data("busy!", status=429)
    httpserver.expect_request("/x").respond_with_data("[1, 2]", content_type="application/json")
    httpserver.expect_request("/y").respond_with_data("{}", content_type="application/json")
    http = client(httpserver.url_for("/"), FakeClock())

    http.get("/x")
    http.get("/y")

    assert http.log.cost() == {"requests": 4, "retries": 2, "bytes": 5 + 5 + 6 + 2}


def test_failed_requests_count_their_attempts_too() -> None:
    http = client(f"http://127.0.0.1:{closed_port()}", FakeClock(), retries=2)

    with pytest.raises(ProviderConnectionError):
        http.get("/x")

    assert http.log.cost() == {"requests": 3, "retries": 2, "bytes": 0}
    assert http.log.records == []


def test_start_log_begins_a_new_pull(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({})
    http = client(httpserver.url_for("/"), FakeClock())
    http.get("/x")
    first = http.log

    second = http.start_log()
    http.get("/x")
    second.reuse(first.records[0])

    assert (first.requests, len(first.records)) == (1, 1)
    assert (second.requests, len(second.records)) == (1, 2)
    assert second.records[1] == first.records[0]
    assert second.records[1] is not first.records[0]


# --- replay ----------------------------------------------------------------------------


def record(path: str, body: str, *, status: int = 200, **params: str) -> dict[str, object]:
    return {
        "provider": "acme",
        "method": "GET",
        "path": path,
        "params": params,
        "status": status,
        "content_type": "application/json",
        "body": body,
    }


def test_a_replay_transport_serves_recorded_answers_without_the_network() -> None:
    clock = FakeClock()
    transport = ReplayTransport(
        [record("/x", '{"n": 1}', q="1"), record("/x", '{"n": 2}', status=404, q="2")]
    )
    http = HttpClient(
        "acme",
        f"http://127.0.0.1:{closed_port()}/base",  # nothing listens: nothing may be sent
        policy=dataclasses.replace(POLICY, rate_per_second=1.0),
        clock=clock,
        transport=transport,
    )

    second = http.get("/x", params={"q": 2}, handled=(404,))
    first = http.get("/x", params={"q": "1"})

    assert (first.json(), second.json()) == ({"n": 1}, {"n": 2})
    assert (second.status_code, second.reason) == (404, "Not Found")
    assert clock.sleeps == []  # no pacing when nothing is called
    assert transport.unused == []
    assert [r["params"] for r in http.log.records] == [{"q": "2"}, {"q": "1"}]


def test_the_same_request_twice_gets_its_answers_in_recorded_order() -> None:
    transport = ReplayTransport([record("/c", '{"left": 10}'), record("/c", '{"left": 7}')])
    http = HttpClient("acme", "http://replay.invalid", transport=transport)

    assert [http.get("/c").json() for _ in range(2)] == [{"left": 10}, {"left": 7}]
    with pytest.raises(ReplayMismatchError, match=r"GET /c \(its recorded answers were all used"):
        http.get("/c")


def test_an_unmatched_request_is_a_clear_error_naming_it() -> None:
    transport = ReplayTransport([record("/x", "{}", q="1", api_key="***")])
    http = HttpClient("acme", "http://replay.invalid", secrets=[SECRET], transport=transport)

    assert http.get("/x", params={"q": "1", "api_key": SECRET}).json() == {}  # *** matches
    with pytest.raises(ReplayMismatchError) as caught:
        http.get("/x", params={"q": "2"})
    assert str(caught.value) == (
        "replay: no recorded answer for GET /x?q=2 (1 recorded for this path with other "
        "params, e.g. q=1&api_key=%2A%2A%2A)"
    )
    with pytest.raises(ReplayMismatchError, match="nothing was recorded for this path"):
        http.get("/y")


def test_a_replayed_body_decodes_as_it_was_recorded() -> None:
    html = record("/p", "<html>Zürich</html>")
    html["content_type"] = "text/html"  # no charset: requests reads it as ISO-8859-1
    http = HttpClient("acme", "http://replay.invalid", transport=ReplayTransport([html]))

    response = http.get("/p")

    assert response.text == "<html>Zürich</html>"
    assert http.log.records[0]["body"] == "<html>Zürich</html>"
    with pytest.raises(ProviderBodyError, match="HTML: Zürich"):
        http.json(response)


@pytest.mark.parametrize("broken", [{"path": 3}, {"status": "200"}, {"params": None}, {}])
def test_a_malformed_record_is_refused(broken: dict[str, object]) -> None:
    bad = {**record("/x", "{}"), **broken} if broken else "not a record"

    with pytest.raises(FeedDataError, match="replay: record 0"):
        ReplayTransport([bad])  # type: ignore[list-item]
