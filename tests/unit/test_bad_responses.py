"""Bad provider responses, across providers: each ends in its documented behaviour.

Every case is one provider answer a live client can get (an empty body, a truncated JSON
body, a 200 with an HTML page, missing or mistyped fields, arrays of unequal length, a
provider's "unknown entity" or "no data" answer), served by a local server to the real
client. Each either fails the pull with the documented `FeedDataError` subclass, whose
message names the provider, the entity and the days and says what was wrong (a failed
pull returns no batch: none of its rows can land), or, where the provider says there is
no data for the window, gives an empty week with a note. No secret (an API key, a token,
or for the keyless providers a password in the base URL, as for a proxy) appears in the
error or in any log record, even where the bad body echoes it.

Run them with `pytest tests/unit/test_bad_responses.py` (`-k yahoo`, `-k similarweb`,
`-k qimai`, `-k frankfurter` for one provider). Duplicate dates and negative values are
not here: the data-quality checks catch those downstream.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.downloads.qimai import QimaiError
from orchestration.feeds.downloads.qimai_client import (
    DOWNLOAD_PATH,
    QimaiDownloadsFeed,
    QimaiSessionError,
    QimaiThrottledError,
    QimaiUnknownAppError,
)
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.http import ProviderBodyError, ProviderHTTPError, UnknownEntityError
from orchestration.feeds.lib.live import LiveFeed
from orchestration.feeds.market.yahoo import YahooMarketFeed
from orchestration.feeds.market.yahoo_chart import YahooChartError
from orchestration.feeds.traffic.similarweb_client import (
    CAPABILITIES_PATH,
    TRAFFIC_PATH,
    SimilarwebBudgetError,
    SimilarwebTrafficFeed,
)
from orchestration.partitions import WeekWindow
from tests.unit.http_fakes import SECRET, FakeClock, pipeline_log_text

# --- answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    body: Any  # str or bytes as sent; anything else is sent as JSON
    status: int = 200
    content_type: str = "application/json"

    def response(self) -> Response:
        body = self.body if isinstance(self.body, str | bytes) else json.dumps(self.body)
        return Response(body, self.status, content_type=self.content_type)


def html(text: str, status: int = 200) -> Answer:
    page = f"<!DOCTYPE html><html><head><title>x</title></head><body>{text}</body></html>"
    return Answer(page, status, "text/html; charset=utf-8")


EMPTY = Answer("")


def truncated(good: Any) -> Answer:
    text = json.dumps(good)
    return Answer(text[: len(text) // 2])


def changed(good: Any, change: Callable[[Any], None]) -> Answer:
    payload = copy.deepcopy(good)
    change(payload)
    return Answer(payload)


# --- good answers, which the cases break ------------------------------------------------

NY_0930 = {16: 1734359400, 17: 1734445800}
YAHOO = {
    "chart": {
        "result": [
            {
                "meta": {"currency": "USD", "exchangeTimezoneName": "America/New_York"},
                "timestamp": [NY_0930[16], NY_0930[17]],
                "events": {"dividends": {}, "splits": {}},
                "indicators": {
                    "quote": [
                        {
                            "open": [131.0, 129.0],
                            "high": [133.0, 131.0],
                            "low": [130.0, 128.0],
                            "close": [132.0, 130.0],
                            "volume": [1000, 1200],
                        }
                    ],
                    "adjclose": [{"adjclose": [132.0, 130.0]}],
                },
            }
        ],
        "error": None,
    }
}
YAHOO_SPLITS = {
    "chart": {
        "result": [
            {
                "meta": {"currency": "USD", "exchangeTimezoneName": "America/New_York"},
                "timestamp": [],
                "events": {"splits": {}},
                "indicators": {"quote": [{}]},
            }
        ],
        "error": None,
    }
}
SIMILARWEB = {
    "meta": {"request": {"granularity": "daily"}, "status": "Success"},
    "data": [{"date": "2024-12-10", "visits": 1.5e8}],
}
CAPABILITIES = {"allowance": 10000, "user_remaining": 4989}
QIMAI = {"code": 10000, "msg": "成功", "data": {"list": [[1733760000000, 152340]]}}
FRANKFURTER = [{"date": "2024-12-16", "base": "USD", "quote": "CNY", "rate": 7.28}]


def result(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["chart"]["result"][0]


def quote(payload: dict[str, Any]) -> dict[str, Any]:
    return result(payload)["indicators"]["quote"][0]


# --- the feeds under test ----------------------------------------------------------------

NVDA = next(listing for listing in seeds.watchlist() if listing.symbol == "NVDA.O")
CHATGPT = next(domain for domain in seeds.site_domains() if domain.domain == "chatgpt.com")
DOUBAO = seeds.App("doubao", "豆包", "ios", "1000000001", dt.date(2023, 8, 17))


def with_password(url: str) -> str:
    """The server's URL with a password, as a proxy's: a secret for the keyless providers."""
    return url.replace("http://", f"http://user:{SECRET}@", 1)


def build(provider: str, url: str) -> LiveFeed:
    clock = FakeClock()
    if provider == "yahoo":
        return YahooMarketFeed(
            with_password(url), listings=[NVDA], clock=clock, today=dt.date(2024, 12, 19)
        )
    if provider == "similarweb":
        return SimilarwebTrafficFeed(
            url, SECRET, domains=[CHATGPT], clock=clock, today=dt.date(2024, 12, 31)
        )
    if provider == "qimai":
        return QimaiDownloadsFeed(
            url, SECRET, apps=[DOUBAO], clock=clock, today=dt.date(2025, 1, 1)
        )
    return FrankfurterFxFeed(with_password(url), clock=clock, today=dt.date(2024, 12, 18))


WEEKS = {
    "yahoo": WeekWindow.from_partition_key("2024-12-16"),
    "similarweb": WeekWindow.from_partition_key("2024-12-09"),
    "qimai": WeekWindow.from_partition_key("2024-12-09"),
    "frankfurter": WeekWindow.from_partition_key("2024-12-16"),
}
# What every failure's message starts with: the provider, the entity and the days asked.
PREFIXES = {
    "yahoo": "yahoo: NVDA.O (Yahoo NVDA), 2024-12-16..2024-12-18: ",
    "similarweb": "similarweb: chatgpt.com (site chatgpt), 2024-12-09..2024-12-15: ",
    "qimai": "qimai: doubao (appid 1000000001), 2024-12-09..2024-12-15: ",
    "frankfurter": "frankfurter: USD rates of CNY,HKD,KRW,TWD, 2024-12-16..2024-12-17: ",
}
BUDGET_PREFIX = (
    "similarweb: budget check before the pull of 2024-12-09..2024-12-15 failed, so nothing "
    "is pulled (never without a budget check): "
)


def serve(server: HTTPServer, provider: str, answer: Answer, side: Answer | None) -> None:
    """The provider's data endpoint answers `answer`; its other endpoint (Yahoo's split
    history, Similarweb's /user-capabilities) answers `side`, else a good answer."""
    if provider == "yahoo":

        def chart(request: Request) -> Response:
            if request.args.get("range") == "max":
                return (side or Answer(YAHOO_SPLITS)).response()
            return answer.response()

        server.expect_request("/v8/finance/chart/NVDA").respond_with_handler(chart)
    elif provider == "similarweb":
        capabilities = side or Answer(CAPABILITIES)
        server.expect_request(CAPABILITIES_PATH).respond_with_handler(
            lambda request: capabilities.response()
        )
        server.expect_request(TRAFFIC_PATH).respond_with_handler(lambda r: answer.response())
    elif provider == "qimai":
        server.expect_request(DOWNLOAD_PATH).respond_with_handler(lambda r: answer.response())
    else:
        server.expect_request("/v2/rates").respond_with_handler(lambda r: answer.response())


# --- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    provider: str
    name: str
    answer: Answer
    expect: type[Exception] | None  # None: an empty week, not an error
    match: str  # a regex in the error's message, or in the notes of an empty week
    side: Answer | None = None
    prefix: str | None = None  # what the message starts with, if not PREFIXES[provider]

    @property
    def id(self) -> str:
        return f"{self.provider}-{self.name}"


CASES = [
    # --- Yahoo v8 chart ---
    Case("yahoo", "empty body", EMPTY, ProviderBodyError, r"answered an empty body"),
    Case(
        "yahoo",
        "truncated json",
        truncated(YAHOO),
        ProviderBodyError,
        r"application/json that is not valid JSON \(cut short\?\): Unterminated string",
    ),
    Case(
        "yahoo",
        "html in a 200",
        html(f"Will be right back {SECRET}"),
        ProviderBodyError,
        r"HTTP 200 answered text/html; charset=utf-8, not JSON \(an error or anti-bot page\?\)"
        r": HTML: x Will be right back \*\*\*",
    ),
    Case("yahoo", "json array", Answer([YAHOO]), YahooChartError, "is not a JSON object"),
    Case("yahoo", "no chart object", Answer({"finance": {}}), YahooChartError, "no 'chart'"),
    Case(
        "yahoo",
        "no time zone",
        changed(YAHOO, lambda p: result(p)["meta"].pop("exchangeTimezoneName")),
        YahooChartError,
        r"meta\.exchangeTimezoneName is missing",
    ),
    Case(
        "yahoo",
        "close shorter than timestamps",
        changed(YAHOO, lambda p: quote(p)["close"].pop()),
        YahooChartError,
        "close has 1 values for 2 timestamps",
    ),
    Case(
        "yahoo",
        "adjclose longer than timestamps",
        changed(YAHOO, lambda p: result(p)["indicators"]["adjclose"][0]["adjclose"].append(1.0)),
        YahooChartError,
        "adj_close has 3 values for 2 timestamps",
    ),
    Case(
        "yahoo",
        "close as text",
        changed(YAHOO, lambda p: quote(p).update(close=["132.0", "130.0"])),
        YahooChartError,
        r"close: expected a number or null, got '132\.0'",
    ),
    Case(
        "yahoo",
        "timestamp as float",
        changed(YAHOO, lambda p: result(p).update(timestamp=[1734359400.0, 1734445800.0])),
        YahooChartError,
        "timestamp 0 is not an integer: 1734359400.0",
    ),
    Case(
        "yahoo",
        "indicators as array",
        changed(YAHOO, lambda p: result(p).update(indicators=[])),
        YahooChartError,
        "indicators is not an object",
    ),
    Case(
        "yahoo",
        "split ratio as text",
        changed(
            YAHOO,
            lambda p: result(p)["events"]["splits"].update(
                x={"date": NY_0930[17], "numerator": "10", "denominator": 1}
            ),
        ),
        YahooChartError,
        "split on 2024-12-17: numerator: expected a number or null, got '10'",
    ),
    Case(
        "yahoo",
        "chart error in a 200",
        Answer({"chart": {"result": None, "error": {"code": "Internal", "description": "boom"}}}),
        YahooChartError,
        "Yahoo chart error: boom",
    ),
    Case(
        "yahoo",
        "unknown symbol",
        Answer(
            {
                "chart": {
                    "result": None,
                    "error": {
                        "code": "Not Found",
                        "description": "No data found, symbol may be delisted",
                    },  # fmt: skip
                }
            },
            404,
        ),
        UnknownEntityError,
        r"HTTP 404 NOT FOUND: unknown symbol: Yahoo answered Not Found \(No data found, symbol "
        r"may be delisted\) for the week; .*permanent, not retried$",
    ),
    Case(
        "yahoo",
        "html split history",
        Answer(YAHOO),
        ProviderBodyError,
        r"GET /v8/finance/chart/NVDA\?range=max&interval=1mo&events=split -> HTTP 200 answered "
        r"text/html.*HTML: x Are you a robot\?",
        side=html("Are you a robot?"),
    ),
    Case(
        "yahoo",
        "truncated split history",
        Answer(YAHOO),
        ProviderBodyError,
        r"range=max.*not valid JSON \(cut short\?\)",
        side=truncated(YAHOO_SPLITS),
    ),
    Case(
        "yahoo",
        "data doesn't exist",
        Answer({"code": "Bad Request", "description": "Data doesn't exist for startDate = 1"}, 400),
        None,
        r"^NVDA\.O: no data in the window \(Data doesn't exist for startDate = 1\)$",
    ),
    Case(
        "yahoo",
        "empty result",
        Answer({"chart": {"result": [], "error": None}}),
        None,
        r"^NVDA\.O: empty chart result$",
    ),
    Case(
        "yahoo",
        "holiday week",
        Answer(YAHOO_SPLITS),
        None,
        r"^no bars in 2024-12-16\.\.2024-12-19 for 1 listing\(s\): NVDA\.O$",
    ),
    Case(
        "yahoo",
        "no close at all",
        changed(YAHOO, lambda p: quote(p).update(close=[None, None])),
        None,
        r"^NVDA\.O: 2 bar\(s\) without a close skipped$",
    ),
    # --- Similarweb v5 ---
    Case("similarweb", "empty body", EMPTY, ProviderBodyError, "answered an empty body"),
    Case("similarweb", "truncated json", truncated(SIMILARWEB), ProviderBodyError, "cut short"),
    Case(
        "similarweb",
        "html in a 200",
        html(f"Sign in again ({SECRET})"),
        ProviderBodyError,
        r"not JSON \(an error or anti-bot page\?\): HTML: x Sign in again \(\*\*\*\)",
    ),
    Case(
        "similarweb",
        "json array",
        Answer([SIMILARWEB]),
        FeedDataError,
        "expected an object with 'meta' and 'data'",
    ),
    Case(
        "similarweb",
        "no meta",
        changed(SIMILARWEB, lambda p: p.pop("meta")),
        FeedDataError,
        "expected an object with 'meta' and 'data'",
    ),
    Case(
        "similarweb",
        "meta as array",
        changed(SIMILARWEB, lambda p: p.update(meta=["Success"])),
        FeedDataError,
        "'meta' is not an object",
    ),
    Case(
        "similarweb",
        "data as object",
        changed(SIMILARWEB, lambda p: p.update(data={"2024-12-10": 1.5e8})),
        FeedDataError,
        "'data' is not an array",
    ),
    Case(
        "similarweb",
        "visits as text",
        changed(SIMILARWEB, lambda p: p["data"][0].update(visits="150000000")),
        FeedDataError,
        "2024-12-10 visits: expected a number or null, got '150000000'",
    ),
    Case(
        "similarweb",
        "date not iso",
        changed(SIMILARWEB, lambda p: p["data"][0].update(date="10/12/2024")),
        FeedDataError,
        "row 0 date: '10/12/2024' is not a YYYY-MM-DD date",
    ),
    Case(
        "similarweb",
        "status error in a 200",
        changed(SIMILARWEB, lambda p: p["meta"].update(status="Error")),
        FeedDataError,
        "meta.status is 'Error', not 'Success'",
    ),
    Case(
        "similarweb",
        "weekly rows",
        changed(SIMILARWEB, lambda p: p["meta"]["request"].update(granularity="weekly")),
        FeedDataError,
        "granularity 'weekly'; only daily is landed",
    ),
    Case(
        "similarweb",
        "unknown domain",
        Answer({"meta": {"status": "Error", "error_message": f"Data not found {SECRET}"}}, 401),
        UnknownEntityError,
        r"HTTP 401 UNAUTHORIZED: unknown domain: Similarweb answered Data not found .*\*\*\*"
        r".*permanent, not retried$",
    ),
    Case(
        "similarweb",
        "empty capabilities",
        Answer(SIMILARWEB),
        SimilarwebBudgetError,
        r"GET /user-capabilities -> HTTP 200 answered an empty body",
        side=EMPTY,
        prefix=BUDGET_PREFIX,
    ),
    Case(
        "similarweb",
        "html capabilities",
        Answer(SIMILARWEB),
        SimilarwebBudgetError,
        r"GET /user-capabilities -> HTTP 200 answered text/html.*HTML: x maintenance",
        side=html("maintenance"),
        prefix=BUDGET_PREFIX,
    ),
    Case(
        "similarweb",
        "capabilities without remaining",
        Answer(SIMILARWEB),
        SimilarwebBudgetError,
        r"not a /user-capabilities answer \(user_remaining is None, not a number\)",
        side=Answer({"allowance": 10000}),
        prefix=BUDGET_PREFIX,
    ),
    Case(
        "similarweb",
        "capabilities remaining as text",
        Answer(SIMILARWEB),
        SimilarwebBudgetError,
        r"not a /user-capabilities answer \(user_remaining is '4989', not a number\)",
        side=Answer({"allowance": 10000, "user_remaining": "4989"}),
        prefix=BUDGET_PREFIX,
    ),
    Case(
        "similarweb",
        "capabilities as array",
        Answer(SIMILARWEB),
        SimilarwebBudgetError,
        r"not a /user-capabilities answer \(expected a JSON object, got list\)",
        side=Answer([CAPABILITIES]),
        prefix=BUDGET_PREFIX,
    ),
    Case(
        "similarweb",
        "no rows",
        changed(SIMILARWEB, lambda p: p.update(data=[])),
        None,
        "",
    ),
    # --- Qimai envelope ---
    Case("qimai", "empty body", EMPTY, ProviderBodyError, "answered an empty body"),
    Case("qimai", "truncated json", truncated(QIMAI), ProviderBodyError, "cut short"),
    Case(
        "qimai",
        "html login page",
        html(f"请登录 token={SECRET}"),
        ProviderBodyError,
        r"HTML: x 请登录 token=\*\*\*",
    ),
    Case(
        "qimai",
        "no code",
        changed(QIMAI, lambda p: p.pop("code")),
        FeedDataError,
        "Qimai doubao: expected an object with a 'code'",
    ),
    Case(
        "qimai",
        "success without a list",
        changed(QIMAI, lambda p: p.update(data=None)),
        FeedDataError,
        "data.list is missing or not an array",
    ),
    Case(
        "qimai",
        "point not a pair",
        changed(QIMAI, lambda p: p["data"]["list"][0].append(1)),
        FeedDataError,
        r"point 0: expected \[epoch_ms, value\]",
    ),
    Case(
        "qimai",
        "seconds for milliseconds",
        changed(QIMAI, lambda p: p["data"].update(list=[[1733760000, 152340]])),
        FeedDataError,
        "timestamp 1733760000 looks like seconds, not ms",
    ),
    Case(
        "qimai",
        "value as text",
        changed(QIMAI, lambda p: p["data"].update(list=[[1733760000000, "152340"]])),
        FeedDataError,
        "point 0 value: expected a number or null, got '152340'",
    ),
    Case(
        "qimai",
        "unknown app",
        Answer({"code": 10400, "msg": "应用不存在", "data": None}),
        QimaiUnknownAppError,
        r"HTTP 200 OK: code 10400 应用不存在 \(data null\): the endpoint does not know this app"
        r".*permanent, not retried$",
    ),
    Case(
        "qimai",
        "throttled",
        Answer({"code": 10605, "msg": "当前网络或账号异常，请半小时后重试", "is_logout": 0}),
        QimaiThrottledError,
        "code 10605 当前网络或账号异常，请半小时后重试: the IP or account is throttled",
    ),
    Case(
        "qimai",
        "session expired",
        Answer({"code": 10001, "msg": "请登录", "is_logout": 1}),
        QimaiSessionError,
        r"code 10001 请登录: the session expired \(is_logout\); renew the token",
    ),
    Case("qimai", "no rows", changed(QIMAI, lambda p: p["data"].update(list=[])), None, ""),
    # --- Frankfurter v2 ---
    Case("frankfurter", "empty body", EMPTY, ProviderBodyError, "answered an empty body"),
    Case("frankfurter", "truncated json", truncated(FRANKFURTER), ProviderBodyError, "cut short"),
    Case(
        "frankfurter",
        "html in a 200",
        html("Bad gateway"),
        ProviderBodyError,
        r"not JSON \(an error or anti-bot page\?\): HTML: x Bad gateway",
    ),
    Case(
        "frankfurter",
        "v1 object for the v2 array",
        Answer({"amount": 1.0, "base": "USD", "rates": {"2024-12-16": {"CNY": 7.28}}}),
        FeedDataError,
        "Frankfurter v2: expected a JSON array, got dict",
    ),
    Case(
        "frankfurter",
        "row without a rate",
        changed(FRANKFURTER, lambda p: p[0].pop("rate")),
        FeedDataError,
        "row 0: expected date, base, quote, rate",
    ),
    Case(
        "frankfurter",
        "rate as text",
        changed(FRANKFURTER, lambda p: p[0].update(rate="7.28")),
        FeedDataError,
        "row 0 rate: expected a number or null, got '7.28'",
    ),
    Case(
        "frankfurter",
        "rates per euro",
        changed(FRANKFURTER, lambda p: p[0].update(base="EUR")),
        FeedDataError,
        "row 0: base 'EUR' is not USD",
    ),
    Case(
        "frankfurter",
        "422 naming no currency",
        Answer({"message": "invalid date range"}, 422),
        ProviderHTTPError,
        r"HTTP 422 UNPROCESSABLE ENTITY: invalid date range \(names no requested currency\)$",
    ),
    Case(
        "frankfurter",
        "no rates",
        Answer([]),
        None,
        r"^CNY in 2024-12-16\.\.2024-12-18: not in Frankfurter's answer; no fallback feed",
    ),
]


def test_there_are_at_least_25_distinct_cases() -> None:
    assert len({case.id for case in CASES}) == len(CASES) >= 25
    assert {case.provider for case in CASES} == set(WEEKS)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_response(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, case: Case) -> None:
    caplog.set_level(logging.DEBUG)
    serve(httpserver, case.provider, case.answer, case.side)
    feed = build(case.provider, httpserver.url_for("/"))

    if case.expect is None:
        batch = feed.fetch(WEEKS[case.provider])
        assert batch.rows == []
        if case.match:
            assert any(re.search(case.match, note) for note in batch.notes), batch.notes
        else:
            assert batch.notes == []
    else:
        with pytest.raises(FeedDataError) as caught:
            feed.fetch(WEEKS[case.provider])
        error = caught.value
        assert type(error) is case.expect
        message = str(error)
        assert message.startswith(case.prefix or PREFIXES[case.provider]), message
        assert re.search(case.match, message), message
        assert SECRET not in message + repr(error)
    assert SECRET not in pipeline_log_text(caplog)


def test_errors_of_the_same_kind_are_of_one_family() -> None:
    # What callers may catch: every failure above is a FeedDataError; Qimai's are
    # QimaiErrors too, and an unknown app is an UnknownEntityError like Yahoo's and
    # Similarweb's.
    assert issubclass(QimaiUnknownAppError, QimaiError)
    assert issubclass(QimaiUnknownAppError, UnknownEntityError)
    for case in CASES:
        if case.expect is not None:
            assert issubclass(case.expect, FeedDataError), case.id
