"""What the Dagster UI shows of a week, read from the instance's records after one real run
of two weeks (as the UI reads them): each week's partition of a raw dataset has one
materialization, with that week's own facts, which the run's checks attach to; and a
failed dbt test's sample names the failing rows by their keys.

The run lands 2024-12-09 and 2024-12-16 with two crafted faults: the traffic week of
12-09 has a negative visit count (an ERROR rule rejects it), and one Taipei bar of
12-17 says its currency is "XXX", which passes the raw rules but not dbt's tests (no FX
rate converts it, and it is not the listing's currency).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.feeds.traffic.demo import DemoTrafficFeed
from orchestration.landing import partition_file
from tests.conftest import Tampered, Workspace, materialize_range, pipeline_env, project_instance

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ui_week_records")]

WEEKS = ("2024-12-09", "2024-12-16")
BAD_BAR = ("2382.TW", dt.date(2024, 12, 17))
LISTING_BARS = dg.AssetKey(["intermediate", "int_listing_bars"])


def negative_visits_in_the_first_week(batch: FeedBatch) -> None:
    if batch.rows and batch.rows[0]["date"] < dt.date(2024, 12, 16):
        batch.rows[0]["visits"] = -5.0


def a_bar_in_an_unknown_currency(batch: FeedBatch) -> None:
    for row in batch.rows:
        if (row["symbol"], row["date"]) == BAD_BAR:
            row["currency"] = "XXX"


class Run:
    def __init__(self, instance: dg.DagsterInstance, run_id: str, workspace: Workspace):
        self.instance, self.run_id, self.workspace = instance, run_id, workspace

    def week(self, dataset: str, week: str) -> list[dg.EventLogRecord]:
        """The run's materializations of one week of a raw dataset."""
        return [
            record
            for record in self.instance.fetch_materializations(
                dg.AssetRecordsFilter(
                    asset_key=dg.AssetKey(["raw", dataset]), asset_partitions=[week]
                ),
                limit=10,
            ).records
            if record.run_id == self.run_id
        ]

    def check(self, asset: dg.AssetKey, name: str) -> dg.AssetCheckEvaluation:
        record = self.instance.get_latest_asset_check_evaluation_record(
            dg.AssetCheckKey(asset, name)
        )
        assert record is not None and record.event is not None, f"no check {name} on {asset}"
        return record.event.dagster_event.event_specific_data


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("ui_week_records")
    (root / "home").mkdir()
    workspace = Workspace(root / "workspace")
    resources = {
        "market_feed": Tampered(DemoMarketFeed(), a_bar_in_an_unknown_currency),
        "traffic_feed": Tampered(DemoTrafficFeed(), negative_visits_in_the_first_week),
    }
    with project_instance(root / "home") as instance, pipeline_env(workspace):
        result = materialize_range(*WEEKS, instance=instance, resources=resources)
        assert not result.success  # the ERROR checks fail it, after building the rest
        yield Run(instance, result.run_id, workspace)


def values(record: dg.EventLogRecord) -> dict:
    metadata = record.asset_materialization.metadata
    return {name: value.value for name, value in metadata.items()}


def test_each_weeks_partition_has_one_materialization_with_that_weeks_facts(run: Run):
    for week in WEEKS:
        [market] = run.week("market_bars", week)  # one per week, not one per week per run
        facts = values(market)
        file = partition_file(run.workspace.raw, "market_bars", dt.date.fromisoformat(week))
        assert facts["dagster/row_count"] == pq.read_metadata(file).num_rows == 165
        assert facts["location"] == str(file)
        assert facts["outcome"] == "published" and facts["feed"] == "demo"
        assert "| positive_prices | ERROR | passed |" in facts["checks"]
        assert "windows published" not in facts  # the run's totals are in its log

    [rejected] = run.week("web_traffic", "2024-12-09")
    facts = values(rejected)
    assert facts["outcome"] == "rejected, the previous partition stays: web_traffic.non_negative"
    assert "dagster/row_count" not in facts and facts["rows rejected"] > 0
    kept = Path(facts["rejected pull kept at"])
    assert kept.exists() and "_rejected" in kept.parts
    assert "| non_negative | ERROR | 1 failing row(s) |" in facts["checks"]
    assert facts["checks failed"] == "non_negative"
    [published] = run.week("web_traffic", "2024-12-16")
    assert values(published)["outcome"] == "published"

    # The run's totals are in its log, each feed's windows in one table.
    log = [entry.user_message for entry in run.instance.all_logs(run.run_id)]
    [traffic] = [message for message in log if message.startswith("raw_traffic, the run's")]
    assert traffic.endswith("1 window(s) published, 1 rejected; rows published: web_traffic 182")

    # A run's check covers its weeks, on the run's newest materialization of the asset.
    evaluation = run.check(dg.AssetKey(["raw", "market_bars"]), "positive_prices")
    [last_week] = run.week("market_bars", WEEKS[-1])
    assert evaluation.target_materialization_data.storage_id == last_week.storage_id


def test_a_failed_dbt_tests_sample_shows_the_rows_keys_and_the_values_tested(run: Run):
    missing = run.check(LISTING_BARS, "market_cap_100m_not_null")
    assert not missing.passed and missing.severity == dg.AssetCheckSeverity.WARN
    sample = missing.metadata["failing rows sample"].value.splitlines()
    assert sample[0] == "| symbol | trade_date | market_cap_100m |"  # not 30 columns
    assert sample[2] == "| 2382.TW | 2024-12-17 | None |"

    other = run.check(LISTING_BARS, "holds_currency_eq_listing_currency")
    assert not other.passed and other.severity == dg.AssetCheckSeverity.ERROR
    sample = other.metadata["failing rows sample"].value.splitlines()
    assert sample[0] == "| symbol | trade_date | currency | listing_currency |"
    assert sample[2] == "| 2382.TW | 2024-12-17 | XXX | TWD |"
