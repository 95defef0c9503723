"""What a clean demo year holds beyond exhibit 1: settled traffic weeks and no warning a
clean demo should not raise."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb


def test_a_year_old_traffic_week_is_final(demo_year):
    """A week pulled long after Similarweb released its days (within 72 hours) is final;
    every week of the demo year was pulled after its Sunday's release."""
    with duckdb.connect(str(demo_year.warehouse), read_only=True) as con:
        by_week = dict(
            con.execute(
                "select week_start, bool_and(is_final) from marts.web_traffic_weekly "
                "group by week_start"
            ).fetchall()
        )
    assert by_week[dt.date(2023, 12, 25)] is True
    assert all(by_week.values()), sorted(week for week, final in by_week.items() if not final)


def test_a_clean_demo_year_passes_every_check(demo_year):
    """No check of the demo's own year fails, WARN ones included: a WARN there would be one
    a user learns to ignore."""
    failed = [
        f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}"
        for evaluation in demo_year.checks
        if not evaluation.passed
    ]
    assert demo_year.checks and failed == []
    assert all(isinstance(e, dg.AssetCheckEvaluation) for e in demo_year.checks)
