"""Write-audit-publish: a pull is published whole only if no ERROR rule fails; else kept aside."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
import pytest

from orchestration import calendars, seeds
from orchestration.datasets import RawDataset
from orchestration.feeds.downloads.datasets import APP_DOWNLOADS
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.ingest import ingest
from orchestration.landing import partition_file
from orchestration.partitions import DateWindow, WeekWindow
from orchestration.quality.audit import audit, report
from orchestration.quality.policy import QualityPolicy
from orchestration.quality.rules import AuditContext, rules_by_dataset
from orchestration.validation import build_partition_table

D = dt.date
ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN
PREV = WeekWindow.from_partition_key("2024-12-09")
WEEK = WeekWindow.from_partition_key("2024-12-16")
GOOD_AT = dt.datetime(2024, 12, 23, 1, 0, tzinfo=dt.UTC)  # 09:00 on the 23rd in Shanghai
BAD_AT = dt.datetime(2024, 12, 23, 2, 30, 15, 123456, tzinfo=dt.UTC)
BAD_STAMP = "20241223T023015123456Z"
Rows = list[dict[str, Any]]


class StubFeed:
    """A feed that returns the rows (and related rows) it was given, whatever the window."""

    kind = "test"

    def __init__(self, rows: Rows, related: dict[str, Rows] | None = None) -> None:
        self.rows = rows
        self.related = related or {}

    def fetch(self, window: DateWindow) -> FeedBatch:
        return FeedBatch(
            rows=copy.deepcopy(self.rows),
            source_ref="stub",
            related=copy.deepcopy(self.related),
        )


# --- good weeks of each feed ------------------------------------------------------------


def market_bars(window: DateWindow) -> Rows:
    """A bar of every watchlist listing on every session of its exchange: flat at 100."""
    exchanges = seeds.exchanges()
    return [
        {
            "symbol": listing.symbol,
            "date": session.day,
            "open": 100.0,
            "high": 101.0,
            "low": 99.0,
            "close": 100.0,
            "adj_close": 100.0,
            "volume": 1000.0,
            "currency": listing.currency,
            "shares_outstanding": None,
        }
        for listing in seeds.watchlist()
        for session in calendars.sessions(
            exchanges[listing.exchange].calendar_code, window.start, window.end
        )
    ]


def corporate_actions(window: DateWindow) -> Rows:
    day = window.start + dt.timedelta(days=2)
    return [{"symbol": "NVDA.O", "date": day, "action": "dividend", "value": 0.01}]


def fx_rates(window: DateWindow) -> Rows:
    rates = {"CNY": 7.28, "HKD": 7.77, "KRW": 1435.6, "TWD": 32.5}
    return [
        {"date": day, "currency": currency, "units_per_usd": rate}
        for currency, rate in rates.items()
        for day in window.days()
        if day.weekday() < 5
    ]


def web_traffic(window: DateWindow) -> Rows:
    sites = [("chatgpt", "chatgpt.com", 5.0e7), ("claude", "claude.ai", 3.0e6)]
    return [
        {
            "site_id": site,
            "domain": domain,
            "category": "text",
            "date": day,
            "visits": count,
            "data_last_updated": None,
        }
        for site, domain, count in sites
        for day in window.days()
    ]


def app_downloads(window: DateWindow) -> Rows:
    apps = [("doubao", 120000.0), ("kimi", 30000.0)]
    return [
        {"app_id": app, "platform": "ios", "date": day, "downloads": count}
        for app, count in apps
        for day in window.days()
    ]


@dataclass(frozen=True)
class Pull:
    """What one feed lands: `datasets[0]` from the rows, the others from `related`."""

    datasets: tuple[RawDataset, ...]
    rows: Callable[[DateWindow], Rows]
    related: dict[str, Callable[[DateWindow], Rows]] = field(default_factory=dict)

    def good(self, window: DateWindow) -> tuple[Rows, dict[str, Rows]]:
        return self.rows(window), {name: make(window) for name, make in self.related.items()}

    def feed(self, window: DateWindow) -> StubFeed:
        return StubFeed(*self.good(window))


MARKET = Pull(
    (MARKET_BARS, CORPORATE_ACTIONS), market_bars, {"corporate_actions": corporate_actions}
)
PULLS = {
    "market": MARKET,
    "fx": Pull((FX_RATES,), fx_rates),
    "traffic": Pull((WEB_TRAFFIC,), web_traffic),
    "downloads": Pull((APP_DOWNLOADS,), app_downloads),
}
PULL_OF = {dataset.name: pull for pull in PULLS.values() for dataset in pull.datasets}


def land(pull: Pull, feed: StubFeed, root: Path, window=WEEK, at=BAD_AT, **options):
    return ingest(list(pull.datasets), feed, window, root, fetched_at=at, **options)


def land_good_weeks(pull: Pull, root: Path) -> None:
    for window in (PREV, WEEK):
        landed = land(pull, pull.feed(window), root, window=window, at=GOOD_AT)
        assert landed.published, [f for f in landed.findings if not f.passed]


def typed(dataset: RawDataset, rows: Rows, at=BAD_AT):
    return build_partition_table(
        dataset, rows, WEEK, source="test", source_ref="stub", fetched_at=at
    )


def files_under(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def failures(landed) -> list[tuple[str, str]]:
    return [(f.dataset, f.rule.name) for f in landed.findings if not f.passed]


def finding(landed, dataset: str, rule: str):
    (match,) = [f for f in landed.findings if f.dataset == dataset and f.rule.name == rule]
    return match


def without(rows: Rows, symbol: str, day: dt.date) -> Rows:
    return [row for row in rows if (row["symbol"], row["date"]) != (symbol, day)]


# --- (a) a good pull ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PULLS))
def test_a_good_pull_is_published_and_passes_every_rule(tmp_path, name):
    pull = PULLS[name]
    rows, related = pull.good(WEEK)
    landed = land(pull, StubFeed(rows, related), tmp_path)

    assert landed.published is True
    assert landed.rejected_by == []
    assert [(f.dataset, f.rule.name) for f in landed.findings] == [
        (dataset.name, rule.name)
        for dataset in pull.datasets
        for rule in rules_by_dataset()[dataset.name]
    ]
    assert failures(landed) == []
    assert landed.paths == {
        dataset.name: tmp_path / dataset.name / "week=2024-12-16" / "data.parquet"
        for dataset in pull.datasets
    }
    assert sorted(files_under(tmp_path)) == sorted(
        f"{dataset.name}/week=2024-12-16/data.parquet" for dataset in pull.datasets
    )
    inputs = {pull.datasets[0].name: rows, **related}
    for dataset in pull.datasets:
        written = pq.read_table(landed.paths[dataset.name])
        assert written.equals(typed(dataset, inputs[dataset.name]))
        assert landed.rows[dataset.name] == len(inputs[dataset.name])


def test_a_good_market_week_has_a_bar_per_listing_and_session():
    assert len(market_bars(WEEK)) == 33 * 5


def test_a_good_pull_replaces_the_published_week(tmp_path):
    pull = PULLS["fx"]
    land_good_weeks(pull, tmp_path)
    rows = [{**row, "units_per_usd": row["units_per_usd"] * 1.001} for row in fx_rates(WEEK)]

    landed = land(pull, StubFeed(rows), tmp_path)

    assert landed.published is True
    assert pq.read_table(partition_file(tmp_path, "fx_rates", WEEK.start)).equals(
        typed(FX_RATES, rows)
    )
    assert not (tmp_path / "_rejected").exists()


# --- (b) every ERROR rule keeps a bad pull out ------------------------------------------


def on_rows(change: Callable[[Rows], None]) -> Callable[[Rows, dict[str, Rows]], None]:
    return lambda rows, related: change(rows)


def on_actions(change: Callable[[Rows], None]) -> Callable[[Rows, dict[str, Rows]], None]:
    return lambda rows, related: change(related["corporate_actions"])


def first(**values) -> Callable[[Rows], None]:
    return lambda rows: rows[0].update(values)


def duplicate_first(rows: Rows) -> None:
    rows.append(dict(rows[0]))


def drop_krw(rows: Rows) -> None:
    rows[:] = [row for row in rows if row["currency"] != "KRW"]


BAD_PULLS = [
    ("market_bars", "contract", on_rows(first(close="100.0"))),
    ("market_bars", "unique_key", on_rows(duplicate_first)),
    ("market_bars", "positive_prices", on_rows(first(low=0.0))),
    ("market_bars", "consistent_range", on_rows(first(close=101.5, adj_close=101.5))),
    ("corporate_actions", "contract", on_actions(first(value=None))),
    ("corporate_actions", "unique_key", on_actions(duplicate_first)),
    ("corporate_actions", "known_actions", on_actions(first(action="spinoff"))),
    ("fx_rates", "contract", on_rows(first(units_per_usd="7.28"))),
    ("fx_rates", "unique_key", on_rows(duplicate_first)),
    ("fx_rates", "plausible_band", on_rows(first(units_per_usd=0.1287))),
    ("fx_rates", "coverage", on_rows(drop_krw)),
    ("web_traffic", "contract", on_rows(first(date=WEEK.end))),
    ("web_traffic", "unique_key", on_rows(duplicate_first)),
    ("web_traffic", "non_negative", on_rows(first(visits=-5.0))),
    ("app_downloads", "contract", on_rows(first(downloads="12"))),
    ("app_downloads", "unique_key", on_rows(duplicate_first)),
    ("app_downloads", "non_negative", on_rows(first(downloads=-3.0))),
]


def test_the_bad_pulls_cover_every_error_rule_of_the_weekly_datasets():
    error_rules = {
        (name, rule.name)
        for name in PULL_OF
        for rule in rules_by_dataset()[name]
        if rule.severity(QualityPolicy()) == ERROR
    }
    assert {(dataset, rule) for dataset, rule, _ in BAD_PULLS} == error_rules


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


@pytest.mark.parametrize(
    ("dataset", "rule", "spoil"), BAD_PULLS, ids=[f"{d}.{r}" for d, r, _ in BAD_PULLS]
)
def test_a_pull_failing_an_error_rule_is_kept_aside_and_the_good_week_stays(
    tmp_path, dataset, rule, spoil
):
    pull = PULL_OF[dataset]
    land_good_weeks(pull, tmp_path)
    published = partition_file(tmp_path, dataset, WEEK.start).read_bytes()
    before = {d.name: files_under(tmp_path / d.name) for d in pull.datasets}
    rows, related = pull.good(WEEK)
    spoil(rows, related)

    landed = land(pull, StubFeed(rows, related), tmp_path)

    assert landed.published is False
    assert [(f.dataset, f.rule.name) for f in landed.rejected_by] == [(dataset, rule)]
    assert not finding(landed, dataset, rule).passed
    assert landed.rows == {}
    assert partition_file(tmp_path, dataset, WEEK.start).read_bytes() == published
    assert {d.name: files_under(tmp_path / d.name) for d in pull.datasets} == before
    # Every dataset of the pull is kept aside: raw rows where the contract broke, else typed.
    inputs = {pull.datasets[0].name: rows, **related}
    expected_kept = {}
    for other in pull.datasets:
        suffix = ".jsonl" if (other.name, rule) == (dataset, "contract") else ".parquet"
        kept = tmp_path / "_rejected" / other.name / "week=2024-12-16" / f"pulled-{BAD_STAMP}"
        expected_kept[other.name] = kept.with_suffix(suffix)
    assert landed.paths == expected_kept
    assert sorted(files_under(tmp_path / "_rejected")) == sorted(
        str(path.relative_to(tmp_path / "_rejected")) for path in expected_kept.values()
    )
    for other in pull.datasets:
        path = expected_kept[other.name]
        if path.suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines()
            assert [json.loads(line) for line in lines] == [
                as_json(row) for row in inputs[other.name]
            ]
        else:
            assert pq.read_table(path).equals(typed(other, inputs[other.name]))


def test_a_broken_contract_is_reported_row_by_row(tmp_path):
    rows = app_downloads(WEEK)
    rows[3]["downloads"] = "12"
    landed = land(PULLS["downloads"], StubFeed(rows), tmp_path)
    assert finding(landed, "app_downloads", "contract").failing == (
        {"row": 3, "column": "downloads", "value": "'12'", "problem": "expected a number, got str"},
    )
    assert failures(landed) == [("app_downloads", "contract")]  # no other rule ran


def test_fx_coverage_failure_names_the_days_past_the_carry_limit(tmp_path):
    land_good_weeks(PULLS["fx"], tmp_path)
    rows = [row for row in fx_rates(WEEK) if row["currency"] != "KRW"]
    landed = land(PULLS["fx"], StubFeed(rows), tmp_path)
    assert finding(landed, "fx_rates", "coverage").failing == tuple(
        {
            "currency": "KRW",
            "date": D(2024, 12, day),
            "rate_date": D(2024, 12, 13),
            "problem": "rate older than 4 days",
        }
        for day in (18, 19, 20)
    )
    assert finding(landed, "fx_rates", "carried_forward").severity == WARN


# --- (c) WARN-only failures publish; (d) unless the policy makes them ERROR -------------


def test_a_daily_move_warning_still_publishes(tmp_path):
    land_good_weeks(MARKET, tmp_path)
    rows, related = MARKET.good(WEEK)
    for row in rows:
        if (row["symbol"], row["date"]) == ("NVDA.O", D(2024, 12, 18)):
            row.update(open=150.0, high=151.0, low=149.0, close=150.0, adj_close=150.0)

    landed = land(MARKET, StubFeed(rows, related), tmp_path)

    assert landed.published is True
    assert failures(landed) == [("market_bars", "daily_move")]
    move = finding(landed, "market_bars", "daily_move")
    assert move.severity == WARN
    assert move.failing == (
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 18),
            "previous_date": D(2024, 12, 17),
            "move": 0.5,
            "on": "adj_close",
        },
        {
            "symbol": "NVDA.O",
            "date": D(2024, 12, 19),
            "previous_date": D(2024, 12, 18),
            "move": -0.3333,
            "on": "adj_close",
        },
    )
    assert pq.read_table(partition_file(tmp_path, "market_bars", WEEK.start)).equals(
        typed(MARKET_BARS, rows)
    )
    assert not (tmp_path / "_rejected").exists()


def test_a_missing_session_warns_and_still_publishes_by_default(tmp_path):
    land_good_weeks(MARKET, tmp_path)
    rows, related = MARKET.good(WEEK)
    rows = without(rows, "2382.TW", D(2024, 12, 17))

    landed = land(MARKET, StubFeed(rows, related), tmp_path)

    assert landed.published is True
    assert failures(landed) == [("market_bars", "sessions_complete")]
    complete = finding(landed, "market_bars", "sessions_complete")
    assert complete.severity == WARN
    assert complete.failing == (
        {"symbol": "2382.TW", "date": D(2024, 12, 17), "problem": "no bar on a session"},
    )
    assert landed.rows == {"market_bars": 33 * 5 - 1, "corporate_actions": 1}


def test_a_missing_session_blocks_publication_when_completeness_is_an_error(tmp_path):
    land_good_weeks(MARKET, tmp_path)
    published = files_under(tmp_path / "market_bars")
    rows, related = MARKET.good(WEEK)
    rows = without(rows, "2382.TW", D(2024, 12, 17))
    policy = QualityPolicy(completeness_severity=ERROR)

    landed = land(MARKET, StubFeed(rows, related), tmp_path, policy=policy)

    assert landed.published is False
    assert [(f.dataset, f.rule.name) for f in landed.rejected_by] == [
        ("market_bars", "sessions_complete")
    ]
    assert files_under(tmp_path / "market_bars") == published
    assert sorted(files_under(tmp_path / "_rejected")) == [
        f"corporate_actions/week=2024-12-16/pulled-{BAD_STAMP}.parquet",
        f"market_bars/week=2024-12-16/pulled-{BAD_STAMP}.parquet",
    ]


# --- (e) a pull is published whole or not at all; (f) datasets the feed lacks -----------


def test_bars_are_not_published_when_the_same_pulls_corporate_actions_break_their_contract(
    tmp_path,
):
    land_good_weeks(MARKET, tmp_path)
    published = {name: files_under(tmp_path / name) for name in PULL_OF}
    rows, related = MARKET.good(WEEK)
    rows = [{**row, "close": 100.5, "adj_close": 100.5} for row in rows]  # good new bars
    related["corporate_actions"][0]["value"] = None

    landed = land(MARKET, StubFeed(rows, related), tmp_path)

    assert landed.published is False
    assert [(f.dataset, f.rule.name) for f in landed.rejected_by] == [
        ("corporate_actions", "contract")
    ]
    assert {name: files_under(tmp_path / name) for name in PULL_OF} == published
    kept = tmp_path / "_rejected" / "market_bars" / "week=2024-12-16" / f"pulled-{BAD_STAMP}"
    assert landed.paths["market_bars"] == kept.with_suffix(".parquet")
    assert pq.read_table(kept.with_suffix(".parquet")).equals(typed(MARKET_BARS, rows))


def test_a_related_dataset_the_feed_does_not_give_is_neither_published_nor_rejected(tmp_path):
    rows = market_bars(WEEK)
    rows[0].update(adj_close=50.0)  # a ratio jump: unchecked without corporate actions

    landed = land(MARKET, StubFeed(rows), tmp_path)

    assert landed.published is True
    assert {f.dataset for f in landed.findings} == {"market_bars"}
    assert finding(landed, "market_bars", "adjustment_jumps").passed
    assert landed.paths == {"market_bars": partition_file(tmp_path, "market_bars", WEEK.start)}
    assert landed.rows == {"market_bars": 33 * 5}
    assert sorted(files_under(tmp_path)) == ["market_bars/week=2024-12-16/data.parquet"]


def test_a_rejected_pull_keeps_only_the_datasets_the_feed_gave(tmp_path):
    rows = market_bars(WEEK)
    rows[0].update(low=-1.0)

    landed = land(MARKET, StubFeed(rows), tmp_path)

    assert landed.published is False
    assert sorted(files_under(tmp_path)) == [
        f"_rejected/market_bars/week=2024-12-16/pulled-{BAD_STAMP}.parquet"
    ]


# --- (g) reporting the findings of a run -----------------------------------------------


def market_findings(rule_name: str, *weeks: tuple[WeekWindow, Rows]) -> list:
    found = []
    for window, rows in weeks:
        table = build_partition_table(
            MARKET_BARS, rows, window, source="test", source_ref="stub", fetched_at=GOOD_AT
        )
        ctx = AuditContext(dataset=MARKET_BARS, window=window, today=D(2024, 12, 23))
        found += [f for f in audit(table, ctx) if f.rule.name == rule_name]
    return found


def rule_named(dataset: str, name: str):
    return next(rule for rule in rules_by_dataset()[dataset] if rule.name == name)


def test_report_folds_two_windows_into_one_failed_check_with_a_sample():
    bad = market_bars(WEEK)
    for row in bad:
        if (row["symbol"], row["date"]) == ("NVDA.O", D(2024, 12, 18)):
            row.update(low=0.0)
        if (row["symbol"], row["date"]) == ("AMD.O", D(2024, 12, 19)):
            row.update(open=-1.0)
    findings = market_findings("positive_prices", (PREV, market_bars(PREV)), (WEEK, bad))
    key = dg.AssetKey(["raw", "market_bars"])

    result = report(key, rule_named("market_bars", "positive_prices"), findings)

    assert result.asset_key == key
    assert result.check_name == "positive_prices"
    assert result.passed is False
    assert result.severity == ERROR
    metadata = {name: value.value for name, value in result.metadata.items()}
    assert metadata == {
        "failing rows": 2,
        "windows checked": 2,
        "windows failed": "2024-12-16",
        "sample": "\n".join(
            [
                "| week | symbol | date | column | value |",
                "|---|---|---|---|---|",
                "| 2024-12-16 | AMD.O | 2024-12-19 | open | -1 |",
                "| 2024-12-16 | NVDA.O | 2024-12-18 | low | 0 |",
            ]
        ),
        "not published": "2024-12-16",
    }
    assert metadata["sample"].splitlines()[2].startswith("| 2024-12-16 |")


def test_report_of_passing_windows_passes_without_a_sample():
    findings = market_findings(
        "positive_prices", (PREV, market_bars(PREV)), (WEEK, market_bars(WEEK))
    )
    result = report(
        dg.AssetKey(["raw", "market_bars"]), rule_named("market_bars", "positive_prices"), findings
    )
    assert result.passed is True
    assert {name: value.value for name, value in result.metadata.items()} == {
        "failing rows": 0,
        "windows checked": 2,
        "windows failed": "none",
    }


def test_report_of_a_warn_rule_fails_with_warn_severity_and_blocks_nothing():
    rows = without(market_bars(WEEK), "NVDA.O", D(2024, 12, 17))
    findings = market_findings("sessions_complete", (PREV, market_bars(PREV)), (WEEK, rows))
    result = report(
        dg.AssetKey(["raw", "market_bars"]),
        rule_named("market_bars", "sessions_complete"),
        findings,
    )
    assert result.passed is False
    assert result.severity == WARN
    metadata = {name: value.value for name, value in result.metadata.items()}
    assert metadata["failing rows"] == 1
    assert metadata["windows failed"] == "2024-12-16"
    assert "not published" not in metadata
    assert metadata["sample"].splitlines()[2] == (
        "| 2024-12-16 | NVDA.O | 2024-12-17 | no bar on a session |"
    )


def test_report_refuses_an_empty_list_of_findings():
    with pytest.raises(ValueError, match="raw/market_bars unique_key: no findings to report"):
        report(dg.AssetKey(["raw", "market_bars"]), rule_named("market_bars", "unique_key"), [])
