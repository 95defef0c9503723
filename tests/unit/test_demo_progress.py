"""What `make demo` tells the terminal of the backfill's log (orchestration/demo.py): a
line per step with its time, a retry as it waits, and why a step failed."""

from __future__ import annotations

import io

from orchestration.demo import Progress

HEAD = "2024-12-20 10:00:00 +0000 - dagster - {level} - __ASSET_JOB - 6f1c - 4242 - {step} - "


def read(*lines: str) -> str:
    out = io.StringIO()
    progress = Progress(out)
    for line in lines:
        progress.read(line + "\n")
    return out.getvalue()


def step_end(step: str, took: str) -> str:
    return (
        HEAD.format(level="DEBUG", step=step)
        + f'STEP_SUCCESS - Finished execution of step "{step}" in {took}.'
    )


def test_a_step_line_keeps_its_time_in_any_unit():
    said = read(step_end("raw_fx", "207ms"), step_end("dbt_models", "34.23s"),
                step_end("reports__weekly_report", "1m25s"))  # fmt: skip
    assert said.splitlines() == [
        "  ok   raw_fx (207ms)",
        "  ok   dbt_models (34.23s)",
        "  ok   reports__weekly_report (1m25s)",
    ]


def test_a_failed_step_says_when_it_retries_and_why_it_failed():
    said = read(
        HEAD.format(level="DEBUG", step="raw_market") + "STEP_UP_FOR_RETRY - Execution of step "
        '"raw_market" failed and has requested a retry in 60 seconds.',
        HEAD.format(level="ERROR", step="raw_market")
        + 'STEP_FAILURE - Execution of step "raw_market" failed.',
        "",
        "Exceeded max_retries of 2:",
        "",
        "orchestration.feeds.lib.base.FeedConfigError: MARKET_CSV_DIR='/x' is not a directory",
        "",
        "Stack Trace:",
        '  File "/venv/dagster/_core/execution/plan/utils.py", line 56, in op_execution_error',
        "    yield",
        HEAD.format(level="DEBUG", step="raw_traffic") + "STEP_START - Started execution.",
    )
    assert said.splitlines() == [
        "  retry raw_market: failed, retry in 60 seconds",
        "  FAILED raw_market",
        "  ! orchestration.feeds.lib.base.FeedConfigError: MARKET_CSV_DIR='/x' is not a directory",
    ]
