"""The dbt project as Dagster assets: seeds, staging, intermediate models and marts.

Asset keys follow the dbt folder: `staging/stg_market_bars`, `marts/stock_performance`,
`seeds/watchlist`; dbt sources map to the raw assets (`raw/market_bars`). dbt tests load as
asset checks on the models they test, so a failing test shows on the asset in the UI.
One `dbt build` runs the whole selection, once per run, however many weeks it covers.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.project import dbt_project


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
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected models, seeds and tests."""
    yield from dbt.cli(["build"], context=context).stream()
