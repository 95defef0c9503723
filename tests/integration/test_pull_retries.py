"""A raw pull that failed for a transient reason is retried within the run, resuming past
the weeks already published; a permanent failure is not retried."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.feeds.lib.http import ProviderConnectionError, UnknownEntityError
from orchestration.feeds.market.demo import DemoMarketFeed
from tests.conftest import materialize_range, pipeline_env

pytestmark = pytest.mark.integration

MARKET_RAW = "key:raw/market_bars or key:raw/corporate_actions"


class Failing:
    """The demo market feed, raising `error` the first `times` it is asked for `week`."""

    def __init__(self, week: str, error: Exception, times: int) -> None:
        self.feed, self.week, self.error, self.times = DemoMarketFeed(), week, error, times
        self.fetched: list[str] = []

    def build(self):
        return self

    @property
    def kind(self) -> str:
        return self.feed.kind

    def fetch(self, window):
        self.fetched.append(window.key)
        if window.key == self.week and self.times > 0:
            self.times -= 1
            raise self.error
        return self.feed.fetch(window)


def run(workspace, feed, monkeypatch) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv("COMPUTE_WEEKLY_RETRY_DELAY", "0")
    with pipeline_env(workspace):
        return materialize_range(
            "2024-12-09", "2024-12-16", selection=MARKET_RAW, resources={"market_feed": feed}
        )


def attempts(result: dg.ExecuteInProcessResult) -> int:
    retried = dg.DagsterEventType.STEP_UP_FOR_RETRY
    return 1 + sum(1 for e in result.all_events if e.event_type == retried)


def test_a_provider_that_did_not_answer_is_asked_again(workspace, monkeypatch):
    down = ProviderConnectionError("yahoo: GET /v8/finance/chart/NVDA: no answer after 4 tries")
    feed = Failing("2024-12-16", down, times=1)
    result = run(workspace, feed, monkeypatch)
    assert result.success
    assert attempts(result) == 2
    assert feed.fetched == ["2024-12-09", "2024-12-16", "2024-12-16"], "week 12-09 not again"


def test_an_unknown_symbol_is_not_retried(workspace, monkeypatch):
    unknown = UnknownEntityError("yahoo: NVDA.X: no such symbol", provider="yahoo", status=404)
    feed = Failing("2024-12-16", unknown, times=3)
    result = run(workspace, feed, monkeypatch)
    assert not result.success
    assert attempts(result) == 1
    assert feed.fetched == ["2024-12-09", "2024-12-16"]


def test_a_provider_down_for_good_fails_after_three_attempts(workspace, monkeypatch):
    down = ProviderConnectionError("yahoo: no answer after 4 tries")
    feed = Failing("2024-12-16", down, times=10)
    result = run(workspace, feed, monkeypatch)
    assert not result.success
    assert attempts(result) == 3
