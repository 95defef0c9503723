"""The weekly report as a Dagster asset: one HTML report (and its PNG charts) per week.

`weekly_report` is weekly-partitioned like the feeds and marts, with a single-run backfill
policy: a run over a range of weeks renders every week's report in one step (shared among
worker processes, one per CPU, when the range is long: `orchestration.report.batch`).
Each week's report is as of the last day within the week that every exchange's landed
data reaches (`report.sql.last_session_in`): Friday's close for a past week, the latest
close for the week in progress, so the mid-week refresh gives a mid-week report. A week
with no market data yet is reported in the metadata, not a failure.

Files go to `reports/` at the project root (`COMPUTE_WEEKLY_REPORTS_DIR`, or the run
config's `out_dir`), a local folder or an `s3://` prefix (the only place a report
rendered on a Celery worker can go: workers share no disk). Add `weekly_report` to the
definitions' assets to schedule it with the rest (`weekly_refresh_job` selects every
asset).

No `from __future__ import annotations` here: Dagster reads the context's annotation.
"""

import datetime as dt
import os
from pathlib import Path

import dagster as dg

from orchestration.partitions import WeekWindow, weekly_partitions
from orchestration.published_builds import readable_warehouse
from orchestration.report.sql import ReportError, last_session_in, open_warehouse, tables_read
from orchestration.run_workers import STEP_WORKER_ENV
from orchestration.settings import REPORTS_DIR_ENV, location, reports_dir

# What the report reads (its query files), as the assets it depends on: a mart is
# `marts/<name>`, a reference table the seed `seeds/<name>`.
DEPENDENCY_GROUPS = {"marts": "marts", "reference": "seeds", "staging": "staging"}


def report_dependencies() -> list[dg.AssetKey]:
    return [dg.AssetKey([DEPENDENCY_GROUPS[schema], table]) for schema, table in tables_read()]


class WeeklyReportConfig(dg.Config):
    """Where the reports go (empty: `reports/` at the project root, or the environment's),
    and how many processes render a range of weeks (0: one per available CPU, at most
    eight, for ranges long enough to repay starting them; 1: this process only)."""

    out_dir: str = ""
    workers: int = 0


def week_as_of_dates(keys: list[str], warehouse: Path | None = None) -> dict[str, dt.date | None]:
    """Each week's last landed session, by partition key (None: no market data yet)."""
    with open_warehouse(warehouse) as con:
        dates = {}
        for key in keys:
            window = WeekWindow.from_partition_key(key)
            dates[key] = last_session_in(con, window.start, window.end)
        return dates


@dg.asset(
    key=["reports", "weekly_report"],
    partitions_def=weekly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=report_dependencies(),
    kinds={"html"},
    group_name="reports",
    required_resource_keys={"run_start"},
    description=(
        "The analyst-facing weekly report (算力周跟踪): exhibit 1, the sector roll-up, web "
        "traffic and app download charts, as of each week's last landed session; a "
        "self-contained HTML file and PNG charts under reports/."
    ),
)
def weekly_report(
    context: dg.AssetExecutionContext, config: WeeklyReportConfig
) -> dg.MaterializeResult:
    # Imported here: the charts load matplotlib, which loading the definitions need not.
    from orchestration.report.batch import render_reports, worker_count
    from orchestration.report.facts import facts_markdown

    out_dir = location(config.out_dir) if config.out_dir else reports_dir()
    if os.environ.get(STEP_WORKER_ENV) and isinstance(out_dir, Path):
        raise dg.Failure(
            description=f"reports rendered on a Celery worker would stay in its folder "
            f"({out_dir}): give out_dir (or {REPORTS_DIR_ENV}) as an s3:// prefix",
            allow_retries=False,
        )
    keys = sorted(context.partition_keys)
    try:
        warehouse = readable_warehouse()  # fetched once, when on object storage
        as_of_dates = week_as_of_dates(keys, warehouse)
    except ReportError as exc:
        raise dg.Failure(description=str(exc)) from exc
    written: dict[str, list[str]] = {}
    previews: list[str] = []
    without_data: dict[str, str] = {}
    with_data = {key: as_of for key, as_of in as_of_dates.items() if as_of is not None}
    processes = worker_count(len(with_data), config.workers)
    if processes > 1:
        context.log.info(f"rendering {len(with_data)} reports in {processes} processes")
    rendered = render_reports(with_data, out_dir, warehouse, workers=processes)
    for key in keys:
        as_of = as_of_dates[key]
        if as_of is None:
            without_data[key] = "no market data landed in this week yet"
            context.log.warning(f"week {key}: no market data yet, no report")
            continue
        files = rendered[key]
        if isinstance(files, ReportError):
            without_data[key] = str(files)
            context.log.warning(f"week {key}: {files}")
            continue
        written[key] = [str(path) for path in files.paths]
        previews.append(facts_markdown(as_of, files.facts))
        context.log.info(f"week {key}: report as of {as_of} at {files.html}")
    metadata: dict[str, dg.RawMetadataValue] = {
        "weeks": len(keys),
        "reports_written": len(written),
        "reports": dg.MetadataValue.json(written),
        "weeks_without_data": dg.MetadataValue.json(without_data),
        "out_dir": dg.MetadataValue.path(str(out_dir)),
    }
    if written:
        last = written[max(written)]
        metadata["html"] = dg.MetadataValue.path(last[0])
        metadata["preview"] = dg.MetadataValue.md(previews[-1])
    else:
        metadata["preview"] = dg.MetadataValue.md(
            "No report: no week of the run has market data yet."
        )
    return dg.MaterializeResult(metadata=metadata)
