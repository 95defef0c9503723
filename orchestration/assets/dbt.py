"""The dbt project as Dagster assets: seeds, staging, intermediate models and marts.

Asset keys follow the dbt folder: `staging/stg_market_bars`, `marts/stock_performance`,
`seeds/watchlist`; dbt sources map to the raw assets (`raw/market_bars`). dbt tests load as
asset checks on the models they test, source tests as checks on the raw assets. One
`dbt build` runs the whole selection, once per run, however many weeks it covers.

Isolation of a bad feed: if a raw dataset failed an ERROR check earlier in the same run
(its week was not published), the build leaves out everything downstream of that source,
so those marts keep their previous rows while the other feeds' marts are rebuilt; the step
then fails, naming what was left out. A failed dbt test shows a sample of its failing rows
(dbt stores them, `store_failures`), so the problem is visible without running SQL.
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.project import dbt_project
from orchestration.quality.audit import SAMPLE_ROWS, sample_table
from orchestration.settings import warehouse_path


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

    @staticmethod
    def _folder(dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props["fqn"]  # [project, folder, ..., name]
        return fqn[1] if len(fqn) > 2 else "models"


translator = ComputeWeeklyTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True
    )
)


def rejected_raw_datasets(context: dg.AssetExecutionContext) -> dict[str, list[str]]:
    """Raw datasets that failed an ERROR check earlier in this run, with the checks."""
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    rejected: dict[str, list[str]] = defaultdict(list)
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        key = evaluation.asset_key.path
        if (
            len(key) == 2
            and key[0] == "raw"
            and not evaluation.passed
            and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ):
            rejected[key[1]].append(evaluation.check_name)
    return dict(rejected)


def _failing_sample(relation: str) -> str | None:
    """The first failing rows dbt stored for a test, as a markdown table."""
    try:
        with duckdb.connect(str(warehouse_path()), read_only=True) as con:
            result = con.execute(f"select * from {relation} limit {SAMPLE_ROWS}")
            names = [column[0] for column in result.description]
            rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    except duckdb.Error:
        return None
    return sample_table(rows) if rows else None


def _with_failing_rows(
    results: list[dg.AssetCheckResult], manifest: Mapping[str, Any]
) -> Iterator[dg.AssetCheckResult]:
    """Failed dbt test results with a sample of the rows dbt stored for them."""
    relations = {
        node["name"]: node.get("relation_name")
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
    }
    for result in results:
        relation = relations.get(result.check_name)
        sample = _failing_sample(relation) if relation else None
        if sample:
            result = result._replace(
                metadata={**result.metadata, "failing rows sample": dg.MetadataValue.md(sample)}
            )
        yield result


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected models, seeds and tests, minus those of rejected feeds."""
    rejected = rejected_raw_datasets(context)
    args = ["build"]
    for name in sorted(rejected):
        args += ["--exclude", f"source:raw.{name}+"]
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    failed_checks: list[dg.AssetCheckResult] = []
    for event in invocation.stream():
        if isinstance(event, dg.AssetCheckResult) and not event.passed:
            failed_checks.append(event)  # sampled once dbt has released the warehouse
        else:
            yield event
    yield from _with_failing_rows(failed_checks, invocation.manifest)
    if rejected:
        left_out = "; ".join(
            f"raw/{name} ({', '.join(checks)})" for name, checks in rejected.items()
        )
        raise dg.Failure(
            description=(
                f"Feeds rejected in this run, their models left out of dbt build: {left_out}. "
                "Their marts keep the previous good data; the other marts were rebuilt."
            )
        )
    if not invocation.is_successful():
        raise dg.Failure(description="dbt build failed: see the failed models and checks above")
