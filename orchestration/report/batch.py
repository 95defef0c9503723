"""Rendering the reports of many weeks at once, in worker processes when there are enough.

Drawing a report's four charts is most of its cost, and a backfill asks for one a week.
The weeks are independent (each reads the published warehouse, read-only, and writes its
own files), so a range of weeks is shared among worker processes, one per CPU by
default. Starting a worker costs time too (matplotlib, DuckDB), so a few weeks are
rendered in this process instead (README, Performance).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from upath import UPath

from orchestration.report.build import ReportFiles, build_report
from orchestration.report.sql import ReportError

WEEKS_PER_WORKER = 4  # fewer weeks than this per worker: starting it costs more than it saves
MAX_WORKERS = 8  # each holds matplotlib and a DuckDB connection in memory


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def worker_count(reports: int, requested: int = 0) -> int:
    """How many processes render `reports` reports: `requested` if given (at most one per
    report), else one per available CPU up to MAX_WORKERS, each with at least
    WEEKS_PER_WORKER reports; 1 means this process alone, as it must in a daemonic process
    (a Celery worker's), which may not start processes of its own."""
    if multiprocessing.current_process().daemon:
        return 1
    if requested > 0:
        return max(1, min(requested, reports))
    return max(1, min(available_cpus(), MAX_WORKERS, reports // WEEKS_PER_WORKER))


def render_reports(
    as_of_dates: Mapping[str, dt.date],
    out_dir: Path | UPath,
    warehouse: Path | None = None,
    workers: int = 0,
) -> dict[str, ReportFiles | ReportError]:
    """Each week's report as of its date, by week; a week whose report cannot be built
    gets its ReportError (a missing mart, no data), the others are unaffected. Any other
    error fails the whole batch, as it would in one process."""
    weeks = sorted(as_of_dates)
    processes = worker_count(len(weeks), workers)
    if processes == 1:
        return {week: _render(as_of_dates[week], out_dir, warehouse) for week in weeks}
    # spawn, not fork: the parent may hold DuckDB connections and threads (Dagster's).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = {
            week: pool.submit(_render, as_of_dates[week], out_dir, warehouse) for week in weeks
        }
        return {week: futures[week].result() for week in weeks}


def _render(
    as_of: dt.date, out_dir: Path | UPath, warehouse: Path | None
) -> ReportFiles | ReportError:
    try:
        return build_report(as_of, out_dir, warehouse)
    except ReportError as exc:
        return exc
