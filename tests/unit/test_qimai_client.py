"""QimaiDownloadsFeed against a local server speaking the Qimai envelope; a run's range
asked for once per app."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.downloads.qimai import CHINA, QimaiError
from orchestration.feeds.downloads.qimai_client import (
    DOWNLOAD_PATH,
    QimaiDownloadsFeed,
    QimaiSessionError,
    QimaiThrottledError,
    QimaiUnknownAppError,
)
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import ProviderBodyError, ProviderHTTPError, UnknownEntityError
from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.replay import replay
from orchestration.partitions import WeekWindow
from tests.unit.http_fakes import SECRET, FakeClock, pipeline_log_text

WEEK = WeekWindow.from_partition_key("2024-12-09")
TODAY = dt.date(2024, 12, 18)
MIDNIGHT_CN_MS = {9: 1733673600000, 10: 1733760000000}  # 2024-12-09/10 00:00 Asia/Shanghai
DOUBAO = seeds.App("doubao", "豆包", "ios", "1000000001", dt.date(2023, 8, 17))
KIMI = seeds.App("kimi", "Kimi", "ios", "1000000002", dt.date(2024, 12, 10))
UNPINNED = seeds.App("tongyi", "通义", "ios", None, dt.date(2023, 9, 13))
ANDROID = seeds.App("xinghuo", "星火", "android", "141", dt.date(2023, 9, 13))
THROTTLED = {
    "code": 10605,
    "msg": "当前网络或账号异常，请半小时后重试",
    "is_logout": 0,
    "banip": "1.2.3.4",
}


def envelope(points: list[list[int]]) -> dict[str, Any]:
    return {"code": 10000, "msg": "成功", "data": {"list": points, "avgList": []}}


def feed(server: HTTPServer, *apps: seeds.App, **options: Any) -> QimaiDownloadsFeed:
    options.setdefault("clock", FakeClock())
    return QimaiDownloadsFeed(server.url_for("/"), SECRET, apps=apps, today=TODAY, **options)


def test_daily_downloads_of_an_app_with_a_pinned_id(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(
        envelope([[MIDNIGHT_CN_MS[9], 152340], [MIDNIGHT_CN_MS[10], 160112]])
    )

    batch = feed(httpserver, DOUBAO).fetch(WEEK)

    assert batch.rows == [
        {
            "app_id": "doubao",
            "platform": "ios",
            "date": dt.date(2024, 12, 9),
            "downloads": 152340.0,
        },
        {
            "app_id": "doubao",
            "platform": "ios",
            "date": dt.date(2024, 12, 10),
            "downloads": 160112.0,
        },
    ]
    assert batch.notes == []
    assert batch.source_ref == "qimai:/pred/download"
    [(request, _)] = httpserver.log
    assert dict(request.args) == {
        "appid": "1000000001",
        "country": "cn",
        "sdate": "2024-12-09",
        "edate": "2024-12-15",
    }
    assert request.headers["Authorization"] == f"Bearer {SECRET}"


def test_an_app_is_asked_only_from_the_day_it_is_tracked(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(envelope([]))

    feed(httpserver, KIMI).fetch(WEEK)

    [(request, _)] = httpserver.log
    assert (request.args["sdate"], request.args["edate"]) == ("2024-12-10", "2024-12-15")


def test_the_token_header_is_configurable(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(envelope([]))

    feed(httpserver, DOUBAO, token_header="X-Token", token_scheme=None).fetch(WEEK)

    [(request, _)] = httpserver.log
    assert request.headers["X-Token"] == SECRET
    assert "Authorization" not in request.headers


def test_apps_without_a_pinned_id_or_on_android_are_notes(httpserver: HTTPServer) -> None:
    batch = feed(httpserver, UNPINNED, ANDROID).fetch(WEEK)

    assert batch.rows == []
    assert batch.notes == [
        "no store_app_id pinned in the apps seed for 1 app(s), not fetched (resolve each once "
        "through Qimai search and pin it): tongyi",
        "pred/download serves iOS apps only; not fetched: xinghuo (android)",
    ]
    assert httpserver.log == []


def test_code_10605_is_a_throttle_error_and_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(THROTTLED)

    with pytest.raises(QimaiThrottledError, match="code 10605 .*throttled; Qimai asks to wait"):
        feed(httpserver, DOUBAO, KIMI).fetch(WEEK)

    assert len(httpserver.log) == 1


def test_is_logout_is_a_session_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(
        {"code": 10001, "msg": "请登录", "is_logout": 1}
    )

    with pytest.raises(QimaiSessionError, match="the session expired .*renew the token"):
        feed(httpserver, DOUBAO).fetch(WEEK)


def test_an_app_the_endpoint_does_not_know_fails_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(
        {"code": 10500, "msg": "参数错误", "data": None}
    )

    with pytest.raises(QimaiUnknownAppError) as caught:
        feed(httpserver, DOUBAO, KIMI).fetch(WEEK)

    error = caught.value
    assert isinstance(error, QimaiError)
    assert isinstance(error, UnknownEntityError)
    assert str(error) == (
        "qimai: doubao (appid 1000000001), 2024-12-09..2024-12-15: qimai: GET /pred/download?"
        "appid=1000000001&country=cn&sdate=2024-12-09&edate=2024-12-15 -> HTTP 200 OK: code "
        "10500 参数错误 (data null): the endpoint does not know this app or refused it; check "
        "its pinned store_app_id in the apps seed; permanent, not retried"
    )
    assert len(httpserver.log) == 1  # not retried, the next app not asked


def test_code_10000_without_a_list_fails(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json({"code": 10000, "data": None})

    with pytest.raises(FeedDataError, match=r"^qimai: doubao \(appid 1000000001\), .*: Qimai "):
        feed(httpserver, DOUBAO).fetch(WEEK)


def test_an_empty_list_is_an_empty_week(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(envelope([]))

    batch = feed(httpserver, DOUBAO).fetch(WEEK)

    assert (batch.rows, batch.notes) == ([], [])


def test_the_responses_and_cost_of_a_pull(httpserver: HTTPServer) -> None:
    body = json.dumps(envelope([[MIDNIGHT_CN_MS[9], 152340]]), ensure_ascii=False)  # 成功
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_data(
        body.encode(), content_type="application/json"
    )

    batch = feed(httpserver, DOUBAO).fetch(WEEK)

    assert batch.responses == [
        {
            "provider": "qimai",
            "method": "GET",
            "path": "/pred/download",
            "params": {
                "appid": "1000000001",
                "country": "cn",
                "sdate": "2024-12-09",
                "edate": "2024-12-15",
            },
            "status": 200,
            "content_type": "application/json",
            "body": body,
        }
    ]
    assert batch.cost == {"requests": 1, "retries": 0, "bytes": len(body.encode())}


def test_an_html_answer_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_data(
        "<html><body>login</body></html>", content_type="text/html"
    )

    with pytest.raises(ProviderBodyError, match="HTML: login"):
        feed(httpserver, DOUBAO).fetch(WEEK)


def test_requests_are_paced_one_a_second(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(envelope([]))
    clock = FakeClock()

    feed(httpserver, DOUBAO, KIMI, clock=clock).fetch(WEEK)

    assert clock.sleeps == [1.0]


def test_a_5xx_is_retried_with_the_qimai_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(DOWNLOAD_PATH).respond_with_data("", status=502)
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_json(envelope([]))
    clock = FakeClock()
    policy = dataclasses.replace(QimaiDownloadsFeed.default_policy, backoff_jitter=0.0)

    feed(httpserver, DOUBAO, clock=clock, policy=policy).fetch(WEEK)

    assert clock.sleeps == [2.0]


def test_base_url_and_token_are_required() -> None:
    with pytest.raises(FeedConfigError, match="QIMAI_BASE_URL"):
        QimaiDownloadsFeed("", SECRET)
    with pytest.raises(FeedConfigError, match="QIMAI_TOKEN"):
        QimaiDownloadsFeed("https://qimai-proxy.example", "")


def test_the_token_never_shows_in_errors_logs_or_repr(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request(DOWNLOAD_PATH).respond_with_data(f"bad token {SECRET}", status=401)
    qimai = feed(httpserver, DOUBAO)

    with pytest.raises(ProviderHTTPError) as caught:
        qimai.fetch(WEEK)

    assert SECRET not in str(caught.value) + repr(caught.value) + repr(qimai)
    assert SECRET not in pipeline_log_text(caplog)


# --- a run's range: one request per app and run ---------------------------------------

# 52 weeks up to the week of TODAY: 2023-12-25..2024-12-17 are asked for.
YEAR = [WeekWindow.from_partition_key("2023-12-25")]
YEAR += [WeekWindow(YEAR[0].start + dt.timedelta(weeks=i), YEAR[0].end + dt.timedelta(weeks=i))
         for i in range(1, 52)]  # fmt: skip
SPAN = "2023-12-25/2024-12-18"


def midnight_cn_ms(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=CHINA).timestamp() * 1000)


def serve_by_range(server: HTTPServer, failing: dict[str, Any] | None = None) -> None:
    """A point for every day asked (downloads by app id and day); an appid in `failing`
    gets that envelope instead."""

    def handler(request: Request) -> Response:
        appid = request.args["appid"]
        if appid in (failing or {}):
            return Response(json.dumps((failing or {})[appid]), content_type="application/json")
        first = dt.date.fromisoformat(request.args["sdate"])
        last = dt.date.fromisoformat(request.args["edate"])
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        points = [
            [midnight_cn_ms(day), int(appid[-1]) * 1000 + day.toordinal() % 50] for day in days
        ]
        return Response(json.dumps(envelope(points)), content_type="application/json")

    server.expect_request(DOWNLOAD_PATH).respond_with_handler(handler)


def asked(server: HTTPServer) -> list[tuple[str, str, str]]:
    return [(r.args["appid"], r.args["sdate"], r.args["edate"]) for r, _ in server.log]


def planned(server: HTTPServer, weeks: list[WeekWindow], *apps: seeds.App) -> QimaiDownloadsFeed:
    qimai = feed(server, *apps)
    qimai.plan(weeks)
    return qimai


def test_a_52_week_plan_asks_each_app_once_from_the_day_it_is_tracked(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(httpserver)
    qimai = planned(httpserver, YEAR, DOUBAO, KIMI, UNPINNED, ANDROID)

    batches = [qimai.fetch(week) for week in YEAR]

    assert asked(httpserver) == [
        ("1000000001", "2023-12-25", "2024-12-17"),
        ("1000000002", "2024-12-10", "2024-12-17"),  # KIMI is tracked from 2024-12-10
    ]
    assert [batch.cost["requests"] for batch in batches] == [2] + [0] * 51
    assert sum(len(batch.rows) for batch in batches) == 359 + 8
    for week, batch in zip(YEAR, batches, strict=True):
        assert {row["date"] for row in batch.rows} <= set(week.days())
        assert len(batch.responses) == 2
        assert {record["span"] for record in batch.responses} == {SPAN}
        assert all(record["shared"] for record in batch.responses)
        assert len(batch.notes) == 2  # the unpinned and the Android app, every week
    assert [row["app_id"] for row in batches[-2].rows] == ["doubao"] * 7 + ["kimi"] * 6


def test_a_planned_run_lands_the_rows_a_week_by_week_run_lands(httpserver: HTTPServer) -> None:
    serve_by_range(httpserver)
    qimai = planned(httpserver, YEAR, DOUBAO, KIMI)
    unplanned = feed(httpserver, DOUBAO, KIMI)

    for week in YEAR:
        ranged, alone = qimai.fetch(week), unplanned.fetch(week)
        assert ranged.rows == alone.rows
        assert ranged.notes == alone.notes

    assert len(httpserver.log) == 2 + 52 + 2  # the unplanned feed asks doubao every week


def test_a_replay_of_one_planned_week_asks_for_the_span_and_gives_its_rows(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(httpserver)
    qimai = planned(httpserver, YEAR, DOUBAO, KIMI)
    batches = [qimai.fetch(week) for week in YEAR]
    httpserver.clear()  # the provider is gone: the replay asks it nothing
    factory = functools.partial(QimaiDownloadsFeed, REPLAY_BASE_URL, "replay", apps=[DOUBAO, KIMI])

    for index in (0, 50, 51):  # before KIMI is tracked, the week it starts, the last
        replayed = replay(factory, batches[index].responses, YEAR[index])
        assert replayed.rows == batches[index].rows != []
        assert replayed.notes == batches[index].notes
    assert httpserver.log == []


def test_an_unknown_app_fails_a_planned_run_at_its_first_week_naming_the_span(
    httpserver: HTTPServer,
) -> None:
    serve_by_range(
        httpserver, failing={"1000000002": {"code": 10500, "msg": "参数错误", "data": None}}
    )
    qimai = planned(httpserver, YEAR, DOUBAO, KIMI)

    with pytest.raises(QimaiUnknownAppError) as caught:
        qimai.fetch(YEAR[0])  # KIMI is not tracked yet that week, but in the span

    assert str(caught.value).startswith(
        "qimai: kimi (appid 1000000002), 2024-12-10..2024-12-17: qimai: GET /pred/download?"
        "appid=1000000002&country=cn&sdate=2024-12-10&edate=2024-12-17 -> HTTP 200 OK: code "
        "10500 参数错误 (data null): "
    )
    assert len(httpserver.log) == 2
