"""Recording and replay: a live feed's pull, recorded against a local server, replays from
its records alone (the server gone: no handlers, and asked nothing) to the same rows; the
replay CLI prints them."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from benchmarks.provider_servers import LocalProviders
from orchestration import seeds
from orchestration.feeds.downloads.qimai_client import DOWNLOAD_PATH, QimaiDownloadsFeed
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
from orchestration.feeds.lib.base import FeedBatch, FeedDataError
from orchestration.feeds.lib.http import ReplayMismatchError
from orchestration.feeds.lib.live import REPLAY_BASE_URL, LiveFeed
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo import YahooMarketFeed
from orchestration.feeds.replay import (
    main,
    read_records,
    replay,
    replay_factories,
    write_records,
)
from orchestration.feeds.traffic.similarweb_client import (
    CAPABILITIES_PATH,
    TRAFFIC_PATH,
    SimilarwebTrafficFeed,
)
from orchestration.ingest import ingest
from orchestration.landing import ResponseStore
from orchestration.partitions import WeekWindow
from tests.unit.http_fakes import SECRET, FakeClock

WEEK = WeekWindow.from_partition_key("2024-12-09")
LATER = WeekWindow.from_partition_key("2024-12-16")
TODAY = dt.date(2024, 12, 19)  # the later week is pulled on a Thursday: 3 days of it
LISTINGS = {wind_to_yahoo(listing.symbol): listing for listing in seeds.watchlist()}


@pytest.fixture
def provider(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """The provider: gone (`gone`) before each replay, and never asked after it."""
    yield httpserver
    assert httpserver.log == [], "a replay called the provider"


def gone(server: HTTPServer) -> None:
    """The provider stops answering (every request would fail) and forgets its log."""
    server.clear()


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, content_type="application/json")


def demo_yahoo(server: HTTPServer, as_of: dt.date) -> None:
    """Yahoo's chart API for every watchlist listing, answering the demo's payloads."""
    LocalProviders(server, as_of)


def same(replayed: FeedBatch, pulled: FeedBatch) -> None:
    assert replayed.rows == pulled.rows
    assert replayed.related == pulled.related
    assert replayed.notes == pulled.notes


def recorded(tmp_path: Path, batch: FeedBatch) -> list[dict[str, Any]]:
    """The batch's records through the file format the landing keeps them in."""
    return read_records(write_records(tmp_path / "responses.jsonl.gz", batch.responses))


# --- each provider ---------------------------------------------------------------------


def test_a_yahoo_week_replays_to_the_same_rows(provider: HTTPServer, tmp_path: Path) -> None:
    demo_yahoo(provider, as_of=dt.date(2026, 1, 1))
    yahoo = YahooMarketFeed(provider.url_for("/"), clock=FakeClock(), today=dt.date(2026, 1, 1))
    yahoo.fetch(WEEK)  # reads every split history: the later week reuses them
    pulled = yahoo.fetch(LATER)
    records = recorded(tmp_path, pulled)
    gone(provider)

    replayed = replay(replay_factories()["yahoo"], records, LATER)

    same(replayed, pulled)
    assert len(replayed.rows) == len(pulled.rows) > 0
    assert len(records) == 2 * len(seeds.watchlist())  # each week's records replay alone


def test_the_live_yahoo_feed_lands_the_demo_feeds_rows_from_the_same_payloads(
    httpserver: HTTPServer,
) -> None:
    demo_yahoo(httpserver, as_of=dt.date(2026, 1, 1))
    week = WeekWindow.from_partition_key("2024-06-03")  # NVIDIA split the Monday after

    live = YahooMarketFeed(httpserver.url_for("/"), clock=FakeClock(), today=dt.date(2026, 1, 1))
    demo = DemoMarketFeed(today=dt.date(2026, 1, 1))

    same(live.fetch(week), demo.fetch(week))


def test_a_frankfurter_pull_with_a_refusal_replays(provider: HTTPServer, tmp_path: Path) -> None:
    def handler(request: Request) -> Response:
        quotes = request.args["quotes"].split(",")
        if "twd" in quotes:
            return json_response({"message": "invalid quote: twd"}, 422)
        return json_response(
            [
                {"date": day, "base": "USD", "quote": quote.upper(), "rate": 7.0 + i}
                for i, quote in enumerate(quotes)
                for day in ("2024-12-09", "2024-12-10")
            ]
        )

    provider.expect_request("/v2/rates").respond_with_handler(handler)
    pulled = FrankfurterFxFeed(provider.url_for("/"), clock=FakeClock(), today=TODAY).fetch(WEEK)
    records = recorded(tmp_path, pulled)
    gone(provider)

    replayed = replay(replay_factories()["frankfurter"], records, WEEK)

    same(replayed, pulled)
    assert [record["status"] for record in records] == [422, 200]
    assert len(replayed.rows) == 6


def test_a_similarweb_pull_replays_with_its_budget_checks(
    provider: HTTPServer, tmp_path: Path
) -> None:
    left = iter([4989, 4975])
    provider.expect_request(CAPABILITIES_PATH).respond_with_handler(
        lambda request: json_response({"allowance": 10000, "user_remaining": next(left)})
    )
    provider.expect_request(TRAFFIC_PATH).respond_with_handler(
        lambda request: json_response(
            {
                "meta": {"status": "Success", "request": {"granularity": "daily"}},
                "data": [{"date": "2024-12-10", "visits": 1.5 * len(request.args["domain"])}],
            }
        )
    )
    domains = [d for d in seeds.site_domains() if d.site_id in ("chatgpt", "claude")]
    sw = SimilarwebTrafficFeed(
        provider.url_for("/"), SECRET, domains=domains, clock=FakeClock(), today=TODAY
    )
    pulled = sw.fetch(WEEK)
    records = recorded(tmp_path, pulled)
    gone(provider)

    factory = functools.partial(SimilarwebTrafficFeed, REPLAY_BASE_URL, "replay", domains=domains)
    replayed = replay(factory, records, WEEK)

    same(replayed, pulled)
    assert replayed.cost["credits"] == pulled.cost["credits"] == 14
    assert SECRET not in json.dumps(records)


def test_a_qimai_pull_replays(provider: HTTPServer, tmp_path: Path) -> None:
    provider.expect_request(DOWNLOAD_PATH).respond_with_handler(
        lambda request: json_response(
            {
                "code": 10000,
                "msg": "成功",
                "data": {"list": [[1733673600000, int(request.args["appid"][-1]) * 1000]]},
            }
        )
    )
    apps = [
        seeds.App("doubao", "豆包", "ios", "1000000001", dt.date(2023, 8, 17)),
        seeds.App("kimi", "Kimi", "ios", "1000000002", dt.date(2023, 10, 9)),
    ]
    factory = functools.partial(QimaiDownloadsFeed, apps=apps)
    pulled = factory(provider.url_for("/"), SECRET, clock=FakeClock(), today=TODAY).fetch(WEEK)
    records = recorded(tmp_path, pulled)
    gone(provider)

    replayed = replay(functools.partial(factory, REPLAY_BASE_URL, "x"), records, WEEK)

    same(replayed, pulled)
    assert [row["downloads"] for row in replayed.rows] == [1000.0, 2000.0]


# --- how replay finds the pull ---------------------------------------------------------


def nvda_feed(server_url: str, **options: Any) -> LiveFeed:
    return YahooMarketFeed(server_url, listings=[LISTINGS["NVDA"]], **options)


def test_the_day_a_pull_ran_is_found_from_the_records(provider: HTTPServer, tmp_path: Path) -> None:
    demo_yahoo(provider, as_of=TODAY)
    pulled = nvda_feed(provider.url_for("/"), clock=FakeClock(), today=TODAY).fetch(LATER)
    records = recorded(tmp_path, pulled)
    gone(provider)
    factory = functools.partial(nvda_feed, REPLAY_BASE_URL)

    assert [row["date"] for row in replay(factory, records, LATER).rows] == [
        dt.date(2024, 12, 16),
        dt.date(2024, 12, 17),
        dt.date(2024, 12, 18),
    ]
    same(replay(factory, records, LATER, today=TODAY), pulled)
    with pytest.raises(ReplayMismatchError) as caught:
        replay(factory, records, LATER, today=dt.date(2024, 12, 23))
    assert str(caught.value).startswith(
        "yahoo: NVDA.O (Yahoo NVDA), 2024-12-16..2024-12-22: replay: no recorded answer for "
        "GET /v8/finance/chart/NVDA?period1=1734325200&period2=1734930000&interval=1d&"
        "events=div%2Csplits (2 recorded for this path with other params, e.g. "
    )


def test_records_of_another_provider_are_refused() -> None:
    records = [{"provider": "qimai", "method": "GET", "path": "/x", "params": {}}]

    with pytest.raises(FeedDataError, match="the records are from qimai, not yahoo"):
        replay(replay_factories()["yahoo"], records, WEEK)


def test_a_malformed_records_file_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    path.write_text('{"provider": "yahoo"}\n{"provider": \n')

    with pytest.raises(FeedDataError, match=r"responses.jsonl:2: not a JSON record"):
        read_records(path)


# --- the CLI ---------------------------------------------------------------------------


def test_the_cli_prints_the_rows_of_a_replayed_week(
    provider: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_yahoo(provider, as_of=dt.date(2026, 1, 1))
    week = WeekWindow.from_partition_key("2024-06-10")
    yahoo = YahooMarketFeed(provider.url_for("/"), clock=FakeClock(), today=dt.date(2026, 1, 1))
    pulled = yahoo.fetch(week)
    path = write_records(tmp_path / "week=2024-06-10" / "responses.jsonl.gz", pulled.responses)
    gone(provider)

    assert main([str(path), "--feed", "yahoo", "--week", "2024-06-10"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert main([str(path), "--feed", "yahoo", "--week", "2024-06-10", "--related",
                 "corporate_actions"]) == 0  # fmt: skip
    actions = capsys.readouterr().out.splitlines()

    assert [json.loads(line) for line in rows] == [
        json.loads(json.dumps(row, default=str)) for row in pulled.rows
    ]
    assert {"symbol": "NVDA.O", "date": "2024-06-10", "action": "split", "value": 10.0} in [
        json.loads(line) for line in actions
    ]


def test_the_cli_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_records(tmp_path / "responses.jsonl.gz", [])

    assert main([str(path), "--feed", "qimai", "--week", "2024-12-09"]) == 0  # no app pinned
    assert main([str(tmp_path / "missing.gz"), "--feed", "yahoo", "--week", "2024-12-09"]) == 1
    assert "replay failed: " in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(path), "--feed", "yahoo", "--week", "2024-12-10"])  # not a Monday


def test_the_cli_says_a_week_the_demo_landed_has_nothing_to_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `make demo` lands has no recorded answers (the demo calls no provider): the
    CLI says so, naming the feed that landed the week, not just a missing file."""
    week = WeekWindow.from_partition_key("2024-12-16")
    ingest([MARKET_BARS, CORPORATE_ACTIONS], DemoMarketFeed(), week, tmp_path)
    records = tmp_path / "market_bars" / "week=2024-12-16" / "responses.jsonl.gz"

    assert main([str(records), "--feed", "yahoo", "--week", "2024-12-16"]) == 1
    err = capsys.readouterr().err
    assert "landed by the demo feed, which calls no provider" in err
    assert "weeks a live feed landed" in err and "yahoo" in err


# --- weeks of a range fetch: answers stored once, each week replays on its own ------------

RANGE = [WeekWindow.from_partition_key(key) for key in ("2024-12-02", "2024-12-09", "2024-12-16")]


def land_planned_range(server: HTTPServer, raw: Path) -> list[Any]:
    """Land RANGE from the live Yahoo feed in one plan, as a run's raw step does."""
    demo_yahoo(server, as_of=TODAY)
    yahoo = YahooMarketFeed(server.url_for("/"), clock=FakeClock(), today=TODAY)
    yahoo.plan(RANGE)
    store = ResponseStore(raw, MARKET_BARS.name)
    return [
        ingest([MARKET_BARS, CORPORATE_ACTIONS], yahoo, week, raw, responses=store)
        for week in RANGE
    ]


def test_a_range_fetch_keeps_each_answer_once_and_every_week_refers_to_it(
    provider: HTTPServer, tmp_path: Path
) -> None:
    landed = land_planned_range(provider, tmp_path)
    gone(provider)

    stored = sorted((tmp_path / "market_bars" / "_responses").iterdir())
    assert len(stored) == 2 * len(seeds.watchlist())  # a chart and a split history each
    assert all(item.published for item in landed)
    for item in landed:
        with gzip.open(item.paths["responses"], "rt") as handle:
            lines = [json.loads(line) for line in handle]
        assert len(lines) == len(stored)
        assert {line["stored"] for line in lines} == {f"../_responses/{p.name}" for p in stored}
        assert all(set(line) == {"provider", "stored", "sha256"} for line in lines)
    records = read_records(landed[0].paths["responses"])  # the answers, references followed
    assert {record["span"] for record in records} == {"2024-12-02/2024-12-19"}
    assert all(record["status"] == 200 and record["body"] for record in records)


def test_a_week_of_a_range_fetch_replays_from_its_landed_file_alone(
    provider: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landed = land_planned_range(provider, tmp_path)
    gone(provider)
    middle = landed[1].paths["responses"]

    assert main([str(middle), "--feed", "yahoo", "--week", "2024-12-09"]) == 0

    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    table = pq.read_table(landed[1].paths["market_bars"])
    assert len(printed) == table.num_rows == landed[1].rows["market_bars"] > 0
    assert sorted((r["symbol"], r["date"], r["close"]) for r in printed) == sorted(
        (r["symbol"], r["date"].isoformat(), r["close"]) for r in table.to_pylist()
    )


def test_a_stored_answer_changed_after_landing_is_refused(
    provider: HTTPServer, tmp_path: Path
) -> None:
    landed = land_planned_range(provider, tmp_path)
    gone(provider)
    victim = sorted((tmp_path / "market_bars" / "_responses").iterdir())[0]
    record = json.loads(gzip.decompress(victim.read_bytes()))
    record["body"] = record["body"].replace("1", "2", 1)
    victim.write_bytes(gzip.compress(json.dumps(record, sort_keys=True).encode()))

    with pytest.raises(FeedDataError, match=rf"{victim.name} has SHA-256 [0-9a-f]{{64}}, not "):
        read_records(landed[2].paths["responses"])
