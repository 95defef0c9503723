"""The dbt project as Dagster assets: seeds, staging, intermediate models and marts.

Asset keys follow the dbt folder: `staging/stg_market_bars`, `marts/stock_performance`,
`seeds/watchlist`; dbt sources map to the raw assets (`raw/market_bars`). dbt tests load as
asset checks on the models they test, source tests as checks on the raw assets.

One assets definition, weekly-partitioned, one `dbt build` per run however many weeks it
covers: seeds, views and small tables are rebuilt whole (their tables do not depend on
the window); the marts that grow with time are incremental, built for the run's
half-open window `[start, end)`, which dbt reads from two environment variables
(`partition_window_env`). A single build keeps dbt's own ordering and skipping within one
run, and costs one dbt start-up, not two. It takes the `warehouse` pool, so only one
process writes DuckDB at a time.

Isolation of bad data: if a raw week failed an ERROR check earlier in the same run (it
was not published), the build leaves out everything built on that source, and dbt skips
what is built on a model whose test fails; those marts keep their previous rows while
the others are rebuilt, then the step fails, naming the checks. A failed dbt test shows a
sample of its failing rows (its compiled query, run again once dbt is done): their keys
(the tested model's one-row-per columns) and the values tested, so the problem is visible,
and which rows have it, without running SQL. dbt's not_null and relationships return the
whole failing rows for this (`dbt_project/macros/not_null_rows.sql`,
`dbt_project/tests/generic/relationships.sql`).

dbt builds in a private file; once it is done, the build is published over the file
analysts read (`orchestration.warehouse`), so a reader never waits and never sees a mix.
"""

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration import object_store, published_builds
from orchestration.dbt_check_names import readable_manifest
from orchestration.dbt_targets import (
    file_log_args,
    invocation_target,
    keep_parse_state,
    prune_invocations,
)
from orchestration.dead_runs import RunStart
from orchestration.partitions import TIMEZONE, weekly_partitions
from orchestration.project import dbt_project
from orchestration.quality.audit import SAMPLE_ROWS, sample_table
from orchestration.settings import (
    WINDOW_END_ENV,
    WINDOW_START_ENV,
    build_warehouse_path,
    raw_dir,
    storage_version,
    warehouse_on_s3,
)
from orchestration.warehouse import dbt_environment, publish


class ComputeWeeklyTranslator(DagsterDbtTranslator):
    """Keys and groups from the dbt folder a node lives in."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        if resource_type == "seed":
            return dg.AssetKey(["seeds", dbt_resource_props["name"]])
        return dg.AssetKey([self._folder(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return self._folder(dbt_resource_props)

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: Any,
    ) -> dg.AssetCheckSpec | None:
        """dbt tests as checks, not blocking: a blocking check stops every later step of the
        run, while `build` stops only what is built on the failed model (dbt itself skips
        the models after a failed test within one build). Named and described as the
        manifest `readable_manifest` gives says (`dbt_check_names`)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return dg.AssetCheckSpec(
            spec.name,
            asset=spec.asset_key,
            description=spec.description or manifest["nodes"][unique_id].get("description"),
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            automation_condition=spec.automation_condition,
            blocking=False,
        )

    @staticmethod
    def _folder(dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props["fqn"]  # [project, folder, ..., name]
        return fqn[1] if len(fqn) > 2 else "models"


translator = ComputeWeeklyTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True
    )
)


def failed_error_checks(context: dg.AssetExecutionContext) -> dict[dg.AssetKey, list[str]]:
    """Assets whose ERROR checks failed earlier in this run, with the checks' names."""
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed: dict[dg.AssetKey, list[str]] = defaultdict(list)
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed[evaluation.asset_key].append(evaluation.check_name)
    return dict(failed)


def built_on(key: dg.AssetKey) -> str:
    """The dbt selector of everything built on an asset: a raw source or a dbt model."""
    if key.path[0] == "raw":
        return f"source:raw.{key.path[-1]}+"
    return f"{key.path[-1]}+"


def _tested_node(test: Mapping[str, Any]) -> str | None:
    """The model, seed or source a dbt test tests."""
    parents = test.get("depends_on", {}).get("nodes") or []
    return test.get("attached_node") or (parents[0] if len(parents) == 1 else None)


def _test_parts(test: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any], str | None]:
    """A test's kind (`not_null`, ...), arguments and column (None for a model's test)."""
    metadata = test.get("test_metadata") or {}
    kwargs = metadata.get("kwargs") or {}
    return metadata.get("name"), kwargs, kwargs.get("column_name") or test.get("column_name")


def model_keys(manifest: Mapping[str, Any], node_id: str) -> list[str]:
    """The columns that identify a row of a model, seed or source: those of its one-row-
    per test (`unique_combination_of_columns`), else its `unique` column; [] if neither."""
    unique: list[str] = []
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test" or _tested_node(test) != node_id:
            continue
        kind, kwargs, column = _test_parts(test)
        if kind == "unique_combination_of_columns":
            return list(kwargs.get("combination") or [])
        if kind == "unique" and column and not unique:
            unique = [column]
    return unique


def sample_columns(manifest: Mapping[str, Any], test_id: str, returned: list[str]) -> list[str]:
    """The columns of a failed test's sample, out of those it returned: the keys of the
    tested model's rows and the values tested, so a row is named, not a wall of columns;
    all of them, keys first, when it returned no tested column (a row-level expression
    naming none) or no row of the model (a count per duplicated key, a lag)."""
    test = manifest["nodes"][test_id]
    kind, kwargs, column = _test_parts(test)
    node = _tested_node(test)
    keys = [c for c in (model_keys(manifest, node) if node else []) if c in returned]
    if column:
        tested = [column]
    elif kind == "expression_is_true":
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(kwargs.get("expression", ""))))
        tested = [c for c in returned if c in words]
    else:
        tested = []
    tested = [c for c in tested if c in returned]
    if keys and tested:
        return keys + [c for c in tested if c not in keys]
    return keys + [c for c in returned if c not in keys]


def _failing_sample(test_sql: str, test_id: str) -> str | None:
    """The first rows a failed dbt test returns, as a markdown table of their keys and
    the values tested (`sample_columns`)."""
    try:
        with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
            if not isinstance(raw_dir(), Path):  # a source's test reads the landing zone
                object_store.register_with_duckdb(con)
            result = con.execute(f"select * from ({test_sql}) as failing limit {SAMPLE_ROWS}")
            names = [column[0] for column in result.description]
            rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    except duckdb.Error:
        return None
    shown = sample_columns(MANIFEST, test_id, names)
    return sample_table([{c: row[c] for c in shown} for row in rows]) if rows else None


def test_id(result: dg.AssetCheckResult) -> str:
    """The dbt test a check result of dagster-dbt reports (its `unique_id` metadata)."""
    value = result.metadata.get("unique_id")
    return str(getattr(value, "value", value) or "")


def _with_failing_rows(
    results: list[dg.AssetCheckResult], invocation: Any
) -> Iterator[dg.AssetCheckResult]:
    """Failed dbt test results with a sample of their failing rows, from the compiled SQL
    of the test as it ran (dbt's run_results), queried once dbt has released DuckDB."""
    compiled = {
        item["unique_id"]: item.get("compiled_code")
        for item in invocation.get_artifact("run_results.json").get("results", [])
        if item["unique_id"].startswith("test.")
    }
    for result in results:
        sql = compiled.get(test_id(result))
        sample = _failing_sample(sql, test_id(result)) if sql else None
        if sample:
            result = result.with_metadata(
                {**result.metadata, "failing rows sample": dg.MetadataValue.md(sample)}
            )
        yield result


def start_from_published() -> None:
    """Before dbt runs: with the landing zone on object storage, check its bucket answers
    (a clear error now, not deep in dbt's log); with the warehouse there, start the build
    from the latest published build (`published_builds.prepare_build`)."""
    raw = raw_dir()
    if not isinstance(raw, Path):
        object_store.check_bucket(raw, "landing zone")
    if warehouse_on_s3():
        published_builds.prepare_build(build_warehouse_path())


WINDOW_MODELS = "config.materialized:incremental"
WAREHOUSE_POOL = "warehouse"  # one writer at a time: DuckDB allows one (make sets it to 1)


class DbtRunConfig(dg.Config):
    """Run config of the dbt steps."""

    full_refresh: bool = False  # rebuild the window-by-window marts from all history


def partition_window_env(window: dg.TimeWindow) -> dict[str, str]:
    """The window of a partition range as dbt reads it: its half-open dates [start, end)
    in the report's time zone (the partitions' own), as the environment variables
    `COMPUTE_WEEKLY_WINDOW_START` and `COMPUTE_WEEKLY_WINDOW_END`.

    Environment variables, not `--vars`: dbt re-parses the whole project when its vars
    change (every run, as the window moves). The marts read these when they run, not
    when dbt parses them (`dbt_project/macros/partition_window.sql`), so a new window
    costs no parse."""
    zone = ZoneInfo(TIMEZONE)
    return {
        WINDOW_START_ENV: window.start.astimezone(zone).date().isoformat(),
        WINDOW_END_ENV: window.end.astimezone(zone).date().isoformat(),
    }


def build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    args: list[str],
    window: dict[str, str] | None,
) -> Iterator[Any]:
    """One `dbt build` of `window` (None: all time), minus everything built on a raw asset
    that failed an ERROR check earlier in this run (a rejected week), so that bad data
    stops only what is built from it; dbt itself skips what is built on a model whose test
    fails. Failed checks carry a sample of their failing rows. After every good model was
    built, the step fails if a model could not be built or an ERROR check failed, so it
    does not go unseen.

    dbt's unit tests are left out: they test the models' SQL, not the data, on fixed
    inputs, so they belong to the test suite (tests/integration/test_dbt_project.py, as
    dbt advises), not to every weekly run (a large share of its dbt time:
    benchmarks/README.md)."""
    failed_before = failed_error_checks(context)
    args = ["build", *args, "--exclude-resource-type", "unit_test", *file_log_args()]
    for key in sorted(failed_before, key=lambda k: k.to_user_string()):
        args += ["--exclude", built_on(key)]
    op_name = context.op_execution_context.op.name
    start_from_published()
    target = invocation_target(f"{op_name}-{context.run.run_id[:7]}")
    with dbt_environment(window, run_id=context.run.run_id):
        invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=target)
    failed_here: list[dg.AssetCheckResult] = []
    for event in invocation.stream():
        if isinstance(event, dg.AssetCheckResult) and not event.passed:
            failed_here.append(event)  # sampled once dbt has released the warehouse
        else:
            yield event
    yield from _with_failing_rows(failed_here, invocation)
    keep_parse_state(invocation.target_path)
    prune_invocations(op_name)

    results = invocation.get_artifact("run_results.json").get("results", [])
    broken = [
        item["unique_id"].split(".")[-1]
        for item in results
        if item["unique_id"].split(".")[0] in ("model", "seed", "snapshot")
        and item["status"] == "error"
    ]
    if broken:
        raise dg.Failure(
            description=f"dbt could not build: {', '.join(broken)}; the warehouse was not published"
        )
    published = publish(run_id=context.run.run_id)
    context.log.info(f"published the warehouse at {published} ({storage_version()} storage)")
    failed = {key.to_user_string(): checks for key, checks in failed_before.items()}
    for result in failed_here:
        if result.severity == dg.AssetCheckSeverity.ERROR and result.asset_key is not None:
            failed.setdefault(result.asset_key.to_user_string(), []).append(result.check_name)
    if failed:
        summary = "; ".join(f"{asset} ({', '.join(checks)})" for asset, checks in failed.items())
        raise dg.Failure(
            description=(
                f"ERROR checks failed in this run: {summary}. What is built on them was left "
                "out and keeps its previous good data; everything else was rebuilt."
            )
        )


# dbt's manifest with readable test names (`dbt_check_names`), as the assets are built.
MANIFEST = readable_manifest(dbt_project.manifest_path)


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=translator,
    partitions_def=weekly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtRunConfig,
    run_start: RunStart,
):
    """One `dbt build` per run: seeds, views and small tables rebuilt whole, and the marts
    that grow with time rebuilt only for the run's weeks (or from all history with
    `full_refresh`). `run_start` did its work as the run started, before this step asked
    for the warehouse's slot (a dead run's slot is released by then)."""
    del run_start
    if config.full_refresh:
        yield from build(context, dbt, ["--full-refresh"], window=None)
    else:
        yield from build(context, dbt, [], partition_window_env(context.partition_time_window))
