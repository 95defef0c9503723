"""Dagster resources: where raw data lands, which source serves each feed, and the
data-quality policy.

Each feed declares the variables that choose and configure its sources in its own package
(`orchestration/feeds/<feed>/__init__.py`); its resource is derived from that
(`orchestration.feeds.lib.spec.FeedResource`). Values come through Dagster `EnvVar` where
the variable is set, so the UI shows which variable a setting came from (never a key's
value) and secrets never appear in run config.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
from upath import UPath

from orchestration import settings
from orchestration.feeds import feed_specs
from orchestration.feeds.lib.spec import FeedResource
from orchestration.quality.policy import QualityPolicy


def env_or_default(name: str, default: Any) -> Any:
    """`EnvVar(name)` when the variable is set, else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


class LandingZone(dg.ConfigurableResource):
    """Where raw partitions land (`COMPUTE_WEEKLY_RAW_DIR`, default `raw/`): a local
    folder, or an `s3://bucket/prefix`."""

    root: str = ""

    def path(self) -> Path | UPath:
        return settings.location(self.root) if self.root else settings.raw_dir()


class QualityPolicyResource(dg.ConfigurableResource):
    """Severities and thresholds of the data-quality rules (`orchestration/quality`).

    `MARKET_COMPLETENESS=error` makes a missing bar on a session an ERROR (for live weekly
    runs whose vendor should be complete); a run can also set it in its run config.
    """

    market_completeness: str = "warn"
    max_daily_move: float = 0.25
    fx_max_carry_days: int = 4
    max_weekly_drop: float = 0.8
    gpu_max_daily_change: float = 0.3

    def policy(self) -> QualityPolicy:
        severities = {"warn": dg.AssetCheckSeverity.WARN, "error": dg.AssetCheckSeverity.ERROR}
        level = self.market_completeness.strip().lower()
        if level not in severities:
            raise ValueError(f"MARKET_COMPLETENESS={self.market_completeness!r}: use warn or error")
        return QualityPolicy(
            completeness_severity=severities[level],
            max_daily_move=self.max_daily_move,
            fx_max_carry_days=self.fx_max_carry_days,
            max_weekly_drop=self.max_weekly_drop,
            gpu_max_daily_change=self.gpu_max_daily_change,
        )


def feed_resources_from_env() -> dict[str, FeedResource]:
    """Every feed's resource, as the environment configures it (`FeedSpec.resource_from_env`),
    by resource key (`<feed>_feed`)."""
    return {spec.resource_key: spec.resource_from_env() for spec in feed_specs()}
