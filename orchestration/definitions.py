"""The Dagster definitions of compute-weekly: raw assets, dbt assets and their resources.

Runs execute in process: every step of a run shares one process, which saves several
seconds of process start-up per step on a small machine, and DuckDB allows one writer
anyway.
"""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import dbt_models
from orchestration.assets.raw import RAW_ASSETS
from orchestration.project import dbt_executable, dbt_project
from orchestration.resources import LandingZone, env_or_default, feed_resources_from_env
from orchestration.settings import RAW_DIR_ENV


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[*RAW_ASSETS, dbt_models],
        resources={
            "landing_zone": LandingZone(root=env_or_default(RAW_DIR_ENV, "")),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
            **feed_resources_from_env(),
        },
        executor=dg.in_process_executor,
    )
