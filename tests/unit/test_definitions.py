"""The Dagster definitions: every asset, its partitions, backfill policy, checks and feeds."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg
import pytest

from orchestration.assets.raw import raw_assets
from orchestration.feeds import feed_spec, feed_specs, raw_datasets
from orchestration.feeds.lib.base import FeedConfigError
from orchestration.feeds.market.csv_files import CsvMarketFeed
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.partitions import weekly_partitions
from orchestration.resources import feed_resources_from_env

# Every dataset a feed declares is a raw asset; those landed whole are not partitioned.
RAW_KEYS = {dg.AssetKey(["raw", dataset.name]) for dataset in raw_datasets()}
LANDED_WHOLE = {dg.AssetKey(["raw", d.name]) for d in raw_datasets() if not d.partitioned}
MARTS = {
    dg.AssetKey(["marts", name])
    for name in (
        "stock_performance",
        "sector_performance_daily",
        "sector_performance_weekly",
        "web_traffic_weekly",
        "app_downloads_weekly",
        "app_downloads_monthly",
        "gpu_prices_weekly",
        "release_events",
    )
}


@pytest.fixture(scope="module")
def asset_graph():
    from orchestration.definitions import build_definitions

    return build_definitions().resolve_asset_graph()


def test_the_feeds_declare_the_datasets_the_marts_are_built_from():
    assert {key.path[1] for key in RAW_KEYS} >= {
        "market_bars", "corporate_actions", "fx_rates", "web_traffic", "app_downloads",
        "exchange_sessions", "gpu_prices", "release_events",
    }  # fmt: skip
    assert {key.path[1] for key in LANDED_WHOLE} == {"exchange_sessions", "release_events"}


def test_every_raw_dataset_and_mart_is_an_asset(asset_graph):
    keys = set(asset_graph.get_all_asset_keys())
    assert keys >= RAW_KEYS | MARTS
    assert dg.AssetKey(["seeds", "watchlist"]) in keys
    assert dg.AssetKey(["staging", "stg_market_bars"]) in keys


def test_raw_feeds_are_weekly_and_everything_backfills_in_a_single_run(asset_graph):
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if not node.is_materializable:
            continue
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    for key in RAW_KEYS - LANDED_WHOLE:
        assert asset_graph.get(key).partitions_def == weekly_partitions, key
    for key in LANDED_WHOLE:
        assert asset_graph.get(key).partitions_def is None, key


def test_dbt_sources_are_the_raw_assets(asset_graph):
    parents = asset_graph.get(dg.AssetKey(["staging", "stg_market_bars"])).parent_keys
    assert dg.AssetKey(["raw", "market_bars"]) in parents
    sessions = asset_graph.get(dg.AssetKey(["staging", "stg_exchange_sessions"])).parent_keys
    assert dg.AssetKey(["raw", "exchange_sessions"]) in sessions
    gpu = asset_graph.get(dg.AssetKey(["staging", "stg_gpu_prices"])).parent_keys
    assert dg.AssetKey(["raw", "gpu_prices"]) in gpu
    events = asset_graph.get(dg.AssetKey(["staging", "stg_release_events"])).parent_keys
    assert dg.AssetKey(["raw", "release_events"]) in events


def test_dbt_tests_are_asset_checks_on_the_marts(asset_graph):
    checks = {(key.asset_key, key.name) for key in asset_graph.asset_check_keys}
    on_stock = {
        name for asset, name in checks if asset == dg.AssetKey(["marts", "stock_performance"])
    }
    assert {"one_row_per_symbol_as_of_date", "market_cap_unit_accepted_values"} <= on_stock
    for mart in MARTS:
        assert any(asset == mart for asset, _ in checks), f"{mart} has no check"


def test_feeds_default_to_demo_and_follow_the_environment(monkeypatch, tmp_path):
    for name in ("MARKET_FEED", "MARKET_CSV_DIR", "TRAFFIC_FEED"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(feed_resources_from_env()["market_feed"].build(), DemoMarketFeed)
    monkeypatch.setenv("MARKET_FEED", "csv")
    monkeypatch.setenv("MARKET_CSV_DIR", str(tmp_path))
    resource = feed_resources_from_env()["market_feed"]
    assert isinstance(resource.kind, dg.EnvVar), "shown in the UI as coming from the environment"


def test_csv_market_feed_needs_a_folder():
    with pytest.raises(FeedConfigError, match="MARKET_FEED=csv needs MARKET_CSV_DIR"):
        feed_spec("market").resource("csv").build()
    with pytest.raises(FeedConfigError, match="is not a directory"):
        feed_spec("market").resource("csv", MARKET_CSV_DIR="/nonexistent/folder").build()


def test_csv_market_feed_builds_from_a_folder(tmp_path):
    market = feed_spec("market").resource("csv", MARKET_CSV_DIR=str(tmp_path))
    assert isinstance(market.build(), CsvMarketFeed)


def test_an_unknown_feed_names_the_variable_and_the_choices():
    with pytest.raises(
        FeedConfigError,
        match=r"TRAFFIC_FEED='similarweb ' is not a feed .*choose one of: csv, demo, similarweb",
    ):
        feed_spec("traffic").resource("similarweb ").build()


def test_raw_assets_land_through_one_factory():
    assert {key for asset in raw_assets() for key in asset.keys} == RAW_KEYS


def test_every_data_quality_rule_is_a_check_on_its_raw_asset(asset_graph):
    from orchestration.quality.rules import rules_by_dataset

    checks = {(key.asset_key, key.name) for key in asset_graph.asset_check_keys}
    for dataset, rules in rules_by_dataset().items():
        for rule in rules:
            assert (dg.AssetKey(["raw", dataset]), rule.name) in checks


@pytest.mark.parametrize(
    ("variable", "kind", "settings", "built"),
    [
        ("MARKET_FEED", "yahoo", {}, "YahooMarketFeed"),
        ("FX_FEED", "frankfurter", {}, "FrankfurterFxFeed"),
        ("FX_FEED", "csv", {"FX_CSV_DIR": "{tmp}"}, "CsvFxFeed"),
        ("TRAFFIC_FEED", "similarweb", {"SIMILARWEB_API_KEY": "k-123"}, "SimilarwebTrafficFeed"),
        ("TRAFFIC_FEED", "csv", {"TRAFFIC_CSV_DIR": "{tmp}"}, "CsvTrafficFeed"),
        (
            "DOWNLOADS_FEED",
            "qimai",
            {"QIMAI_BASE_URL": "https://qimai.example", "QIMAI_TOKEN": "t-456"},
            "QimaiDownloadsFeed",
        ),
        ("DOWNLOADS_FEED", "csv", {"DOWNLOADS_CSV_DIR": "{tmp}"}, "CsvDownloadsFeed"),
        ("GPU_FEED", "demo", {}, "DemoGpuFeed"),
        ("GPU_FEED", "csv", {"GPU_CSV_DIR": "{tmp}"}, "CsvGpuFeed"),
        ("GPU_FEED", "keepa", {"KEEPA_API_KEY": "k-789"}, "KeepaGpuFeed"),
    ],
)
def test_every_feed_is_chosen_by_its_variable(
    monkeypatch, tmp_path, variable, kind, settings, built
):
    monkeypatch.setenv(variable, kind)
    for name, value in settings.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    resource_key = next(s.resource_key for s in feed_specs() if s.choice == variable)
    resolved = feed_resources_from_env()[resource_key]  # EnvVar settings read as it builds
    assert type(resolved.build()).__name__ == built


def test_keys_reach_the_resources_as_env_vars_never_as_values(monkeypatch):
    monkeypatch.setenv("SIMILARWEB_API_KEY", "k-123")
    monkeypatch.setenv("QIMAI_TOKEN", "t-456")
    monkeypatch.setenv("KEEPA_API_KEY", "k-789")
    resources = feed_resources_from_env()
    assert resources["traffic_feed"].settings["SIMILARWEB_API_KEY"] == dg.EnvVar(
        "SIMILARWEB_API_KEY"
    )
    assert resources["downloads_feed"].settings["QIMAI_TOKEN"] == dg.EnvVar("QIMAI_TOKEN")
    assert resources["gpu_feed"].settings["KEEPA_API_KEY"] == dg.EnvVar("KEEPA_API_KEY")
    for key in ("k-123", "t-456", "k-789"):
        assert key not in repr(resources)


def test_a_partition_range_becomes_the_half_open_dbt_window():
    from orchestration.assets.dbt import partition_window_env

    first = weekly_partitions.time_window_for_partition_key("2024-12-09")
    last = weekly_partitions.time_window_for_partition_key("2024-12-16")
    assert partition_window_env(dg.TimeWindow(first.start, last.end)) == {
        "COMPUTE_WEEKLY_WINDOW_START": "2024-12-09",
        "COMPUTE_WEEKLY_WINDOW_END": "2024-12-23",
    }
    # Read in Beijing, whatever zone the datetimes carry: 2024-12-15T16:00Z is Monday there.
    utc = dg.TimeWindow(first.start.astimezone(dt.UTC), last.end.astimezone(dt.UTC))
    assert partition_window_env(utc)["COMPUTE_WEEKLY_WINDOW_START"] == "2024-12-09"


def test_the_dbt_environment_sets_the_window_and_a_full_build_unsets_it(monkeypatch, tmp_path):
    from orchestration.warehouse import dbt_environment

    # Its build folder is made here, not in the project's warehouse/.
    monkeypatch.setenv("COMPUTE_WEEKLY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("COMPUTE_WEEKLY_WINDOW_START", "2020-01-06")  # left over elsewhere
    window = {
        "COMPUTE_WEEKLY_WINDOW_START": "2024-12-09",
        "COMPUTE_WEEKLY_WINDOW_END": "2024-12-16",
    }
    with dbt_environment(window):
        assert os.environ["COMPUTE_WEEKLY_WINDOW_START"] == "2024-12-09"
        assert os.environ["COMPUTE_WEEKLY_WINDOW_END"] == "2024-12-16"
    with dbt_environment(None):
        assert "COMPUTE_WEEKLY_WINDOW_START" not in os.environ
        assert "COMPUTE_WEEKLY_WINDOW_END" not in os.environ
    assert os.environ["COMPUTE_WEEKLY_WINDOW_START"] == "2020-01-06"
    assert "COMPUTE_WEEKLY_WINDOW_END" not in os.environ


def test_every_dbt_model_is_built_by_one_weekly_partitioned_step(asset_graph):
    dbt_keys = [k for k in asset_graph.get_all_asset_keys() if k.path[0] not in ("raw", "reports")]
    assert {asset_graph.get(k).partitions_def for k in dbt_keys} == {weekly_partitions}
    assert len({asset_graph.get(k).assets_def.node_def.name for k in dbt_keys}) == 1


def test_everything_that_writes_the_warehouse_shares_one_pool(asset_graph):
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if not node.is_materializable:
            continue
        # Raw assets write Parquet and the report only reads the published warehouse.
        expected = set() if key.path[0] in ("raw", "reports") else {"warehouse"}
        assert node.pools == expected, key


def test_release_events_come_from_the_analysts_file(monkeypatch, tmp_path):
    from orchestration.feeds.releases.events_file import DEFAULT_FILE, ReleaseEventsFeed

    monkeypatch.delenv("RELEASE_EVENTS_FILE", raising=False)
    feed = feed_resources_from_env()["releases_feed"].build()
    assert isinstance(feed, ReleaseEventsFeed) and feed.path == DEFAULT_FILE
    with pytest.raises(FeedConfigError, match="RELEASE_EVENTS_FILE=.* is not a file"):
        ReleaseEventsFeed(tmp_path / "nowhere.csv")


def test_keepa_needs_a_key():
    with pytest.raises(FeedConfigError, match="KEEPA_API_KEY"):
        feed_spec("gpu").resource("keepa").build()
    with pytest.raises(FeedConfigError, match="GPU_FEED=csv needs GPU_CSV_DIR"):
        feed_spec("gpu").resource("csv").build()


def test_a_dbt_invocation_starts_dbt_once_without_asking_its_version(tmp_path):
    from dbt.version import __version__

    from orchestration.project import dbt_executable, dbt_project, dbt_resource

    calls = tmp_path / "calls"
    wrapper = tmp_path / "dbt"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {dbt_executable()} "$@"\n')
    wrapper.chmod(0o755)
    resource = dbt_resource().model_copy(update={"dbt_executable": str(wrapper)})
    assert resource.project_dir == str(dbt_project.project_dir)
    resource.cli(["parse", "--quiet"], target_path=tmp_path / "target").wait()
    (call,) = calls.read_text().splitlines()  # dagster-dbt would run `dbt --version` first
    assert call.startswith("parse --quiet")
    assert (tmp_path / "target" / "manifest.json").exists()
    assert __version__.startswith("1.11.")


def test_each_workspace_starts_dbt_from_the_parse_state_its_last_invocation_left(
    monkeypatch, tmp_path
):
    from orchestration.dbt_targets import invocation_target, keep_parse_state, parse_state_file

    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("COMPUTE_WEEKLY_BUILD_WAREHOUSE", str(tmp_path / "a" / "warehouse.duckdb"))
    assert parse_state_file() == tmp_path / "a" / "partial_parse.msgpack"

    # No state yet: an empty name, for dagster-dbt to copy the prepared state into.
    first = invocation_target("dbt_models-abc1234")
    assert first.parent == tmp_path / "target" and first.name.startswith("dbt_models-abc1234-")
    assert not first.exists()
    keep_parse_state(first)  # dbt wrote none (it failed before parsing): nothing kept
    assert not parse_state_file().exists()

    first.mkdir(parents=True)
    (first / "partial_parse.msgpack").write_bytes(b"parsed for a")
    keep_parse_state(first)
    second = invocation_target("dbt_models-def5678")
    assert second != first
    assert (second / "partial_parse.msgpack").read_bytes() == b"parsed for a"

    # Another workspace keeps its own.
    monkeypatch.setenv("COMPUTE_WEEKLY_BUILD_WAREHOUSE", str(tmp_path / "b" / "warehouse.duckdb"))
    assert not invocation_target("dbt_models-0000000").exists()


def test_dbt_writes_no_log_file_in_a_run_unless_the_environment_asks_for_one(monkeypatch):
    from orchestration.dbt_targets import file_log_args

    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert file_log_args() == ["--log-level-file", "none"]
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert file_log_args() == []  # dbt reads the variable itself


def test_old_dbt_target_folders_go_but_recent_and_newest_ones_stay(monkeypatch, tmp_path):
    import time

    from orchestration.dbt_targets import prune_invocations

    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    now = time.time()
    ages_in_days = {"a": 9, "b": 8, "c": 7, "d": 3, "e": 0.5}  # a, b, c, d: a day or older
    for name, days in ages_in_days.items():
        folder = tmp_path / f"dbt_models-run{name}-0000000"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (now - days * 86400, now - days * 86400))
    (tmp_path / "partial_parse.msgpack").write_bytes(b"")  # not an invocation: stays
    (tmp_path / "other_op-runa-0000000").mkdir()  # another op's folders: not this one's
    old = tmp_path / "other_op-runa-0000000"
    os.utime(old, (now - 30 * 86400, now - 30 * 86400))

    removed = prune_invocations("dbt_models", keep=2, keep_seconds=86400)
    assert sorted(path.name for path in removed) == [
        "dbt_models-runa-0000000",
        "dbt_models-runb-0000000",
        "dbt_models-runc-0000000",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "dbt_models-rund-0000000",  # among the two newest
        "dbt_models-rune-0000000",
        "other_op-runa-0000000",
        "partial_parse.msgpack",
    ]
    # Young folders stay even beyond the newest `keep`: another workspace may be using one.
    assert prune_invocations("dbt_models", keep=0, keep_seconds=30 * 86400) == []


def test_loading_the_code_location_takes_its_startup_objects_out_of_the_collectors_sight():
    import gc

    import orchestration

    gc.unfreeze()
    try:
        loaded = orchestration.defs()
        assert isinstance(loaded, dg.Definitions)
        assert gc.get_freeze_count() > 100_000  # Dagster, dbt's manifest, the definitions
    finally:
        gc.unfreeze()


def test_dbt_checks_have_readable_distinct_names_and_say_what_they_check(asset_graph):
    """Not dbt's generated names (`accepted_range_stock_performance_market_cap_100m__False__0`,
    which the UI cuts until two tests of a model look alike), but the column and what is
    checked, described in a sentence."""
    specs = {key: asset_graph.get_check_spec(key) for key in asset_graph.asset_check_keys}
    stock = {
        key.name: spec.description
        for key, spec in specs.items()
        if key.asset_key == dg.AssetKey(["marts", "stock_performance"])
    }
    assert (
        stock["market_cap_100m_in_range"]
        == "`market_cap_100m` is > 0 (NULLs pass). Severity ERROR."
    )
    assert stock["return_wtd_in_range"] == "`return_wtd` is > -1 (NULLs pass). Severity ERROR."
    assert stock["symbol_in_watchlist"].startswith("Every `symbol` is a `symbol` of `watchlist`.")
    for key in specs:
        assert "__" not in key.name and len(key.name) <= 64, key
