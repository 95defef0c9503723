"""The Dagster definitions of compute-weekly: raw assets, dbt assets and their resources.

Runs execute in process by default, or on Celery workers (`orchestration.executors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from orchestration.alerts.sensors import ALERT_SENSORS
from orchestration.assets.dbt import dbt_models
from orchestration.assets.raw import raw_assets
from orchestration.assets.report import weekly_report
from orchestration.dead_runs import RunStart
from orchestration.executors import run_executor
from orchestration.project import dbt_resource
from orchestration.resources import (
    LandingZone,
    QualityPolicyResource,
    env_or_default,
    feed_resources_from_env,
)
from orchestration.schedules import SCHEDULES, weekly_refresh_job
from orchestration.settings import RAW_DIR_ENV


def build_definitions(overrides: Mapping[str, Any] | None = None) -> dg.Definitions:
    """The project's definitions; `overrides` replaces resources by key (tests do)."""
    return dg.Definitions(
        assets=[*raw_assets(), dbt_models, weekly_report],
        resources={
            "landing_zone": LandingZone(root=env_or_default(RAW_DIR_ENV, "")),
            "quality_policy": QualityPolicyResource(
                market_completeness=env_or_default("MARKET_COMPLETENESS", "warn")
            ),
            "dbt": dbt_resource(),
            "run_start": RunStart(),
            **feed_resources_from_env(),
            **(overrides or {}),
        },
        jobs=[weekly_refresh_job],
        schedules=SCHEDULES,
        sensors=ALERT_SENSORS,
        executor=run_executor(),
    )
