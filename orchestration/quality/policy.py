"""The thresholds and severities of the data-quality rules, with their defaults.

`QualityPolicy` is plain data so the rules stay pure functions; the Dagster resource
`orchestration.resources.QualityPolicyResource` builds it from configuration (so a live
weekly run can make market completeness an ERROR, say).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

# Units per USD no real quote has left in years; outside the band, a rate is a bad value
# (a stray inverse, a shifted decimal), not a market move.
DEFAULT_FX_BANDS: dict[str, tuple[float, float]] = {
    "CNY": (5.5, 9.0),
    "HKD": (7.70, 7.90),  # pegged: 7.75-7.85 plus a margin
    "KRW": (900.0, 2000.0),
    "TWD": (25.0, 40.0),
}


@dataclass(frozen=True)
class QualityPolicy:
    # A listing without a bar on one of its exchange's sessions: WARN, or ERROR for
    # live weekly runs whose vendor should be complete.
    completeness_severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.WARN
    # A day-on-day move of the (adjusted) close beyond this fraction is flagged.
    max_daily_move: float = 0.25
    # The ratio adjusted close / close may only move on a dividend or split day; smaller
    # changes are price rounding.
    adjustment_tolerance: float = 0.001
    # How many days an FX rate may be carried before a missing quote is an error.
    fx_max_carry_days: int = 4
    fx_bands: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_FX_BANDS))
    # A site or app whose mean daily count falls by more than this share week over week.
    max_weekly_drop: float = 0.8
    # A GPU price that changes by more than this fraction from its previous observation
    # (day on day) is flagged as a spike.
    gpu_max_daily_change: float = 0.3
    # Freshness, by dataset name: days after a week ends by which it must be complete, and
    # the days the provider's data lags behind. Each dataset declares its own
    # (`RawDataset.freshness`); these override them.
    freshness_deadline_days: dict[str, int] = field(default_factory=dict)
    provider_lag_days: dict[str, int] = field(default_factory=dict)
