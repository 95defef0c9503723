"""QimaiDownloadsFeed against a local server speaking the Qimai envelope."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from orchestration import seeds
from orchestration.feeds.downloads.qimai import QimaiError
from orchestration.feeds.downloads.qimai_client import (
    DOWNLOAD_PATH,
    QimaiDownloadsFeed,
    QimaiSessionError,
    QimaiThrottledError,
    QimaiUnknownAppError,
)
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import ProviderBodyError, ProviderHTTPError, UnknownEntityError
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
