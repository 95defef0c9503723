"""Figures 1 and 2: the Dagster CLI on the demo feeds, as a user runs it.

Each run is `dagster asset materialize -m orchestration --select '*' ...` as a subprocess
(cwd: the project), with its own temp workspace: DAGSTER_HOME holding a copy of
`config/dagster.yaml`, COMPUTE_WEEKLY_RAW_DIR, COMPUTE_WEEKLY_WAREHOUSE and
COMPUTE_WEEKLY_CACHE_DIR (empty at first: a workspace's first run builds the exchange
calendars and cuts the report's font, as on a fresh clone; later runs find them).

Figure 1: the 52 weeks 2023-12-25..2024-12-16 in one run (`--partition-range`), against the
same weeks one partition per run (`--partition`, sequentially, in a fresh workspace). A
sample of the first N weeks is run and extrapolated linearly to 52, unless `--full`: the
later weeks run on more history, so the extrapolation is, if anything, low, which only
makes the single run's advantage look smaller.

Figure 1 on the team's instance: the same single run, with the instance settings of the
team deployment (`config/dagster.production.yaml`: runs, events and schedules in
PostgreSQL through dagster-postgres) on a fresh database of the local server
(`benchmarks/postgres.py`), its schema created by `dagster instance migrate` first; the
same command, from the command line, so that what differs is the instance's storage.

Figure 2: one new week on top of that year of history, in figure 1's single-run workspace:
the weeks from 2024-12-23 one after another (3 by default, `--new-weeks`), each a run of
its own on all the weeks before it, as the weekly schedule runs them; the figure is their
median, since this machine's speed moves by a few seconds from one run to the next. Its
wall time includes the CLI's start-up; the Dagster event log of the median run says where
the time went (see `breakdown`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from benchmarks.common import PROJECT_ROOT, Row, base_env, executable, fmt_s
from benchmarks.measure import Measured, run_measured

FIRST_WEEK = dt.date(2023, 12, 25)
WEEKS = 52
NEW_WEEK = FIRST_WEEK + dt.timedelta(weeks=WEEKS)  # 2024-12-23
NEW_WEEKS = 3  # figure 2: new weeks run one after another; the figure is their median
SINGLE_RUN_TARGET_S = 60.0
SPEED_UP_TARGET = 5.0
NEW_WEEK_TARGET_S = 15.0
INSTANCE_CONFIG = PROJECT_ROOT / "config" / "dagster.yaml"
PRODUCTION_CONFIG = PROJECT_ROOT / "config" / "dagster.production.yaml"
EVENT_BATCH_SIZE = "100"  # DAGSTER_EVENT_BATCH_SIZE, as the Makefile exports it
DBT_TARGET = PROJECT_ROOT / "dbt_project" / "target"
MANIFEST = DBT_TARGET / "manifest.json"


def weeks(count: int = WEEKS) -> list[str]:
    return [(FIRST_WEEK + dt.timedelta(weeks=i)).isoformat() for i in range(count)]


def check_manifest() -> str | None:
    """Raise if the dbt manifest is missing; return a warning if it looks stale."""
    if not MANIFEST.exists():
        raise SystemExit(
            f"The dbt manifest {MANIFEST} is missing; Dagster needs it to load the project.\n"
            "Prepare it first:  .venv/bin/python -m orchestration.project"
        )
    from orchestration.project import manifest_is_stale

    if manifest_is_stale():
        return (
            "the dbt manifest is older than the dbt project's files: the runs use the old "
            "asset graph (refresh it with .venv/bin/python -m orchestration.project)"
        )
    return None


@dataclass
class Workspace:
    root: Path
    instance_config: Path = INSTANCE_CONFIG
    settings: dict[str, str] = field(default_factory=dict)  # more environment (the PG URL)

    def __post_init__(self) -> None:
        for folder in ("dagster_home", "raw", "warehouse"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.instance_config, self.home / "dagster.yaml")

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    def env(self) -> dict[str, str]:
        defaults = {
            "DAGSTER_HOME": str(self.home),
            "DAGSTER_EVENT_BATCH_SIZE": EVENT_BATCH_SIZE,
            "COMPUTE_WEEKLY_RAW_DIR": str(self.root / "raw"),
            "COMPUTE_WEEKLY_WAREHOUSE": str(self.root / "warehouse" / "warehouse.duckdb"),
            "COMPUTE_WEEKLY_CACHE_DIR": str(self.root / "cache"),
            "COMPUTE_WEEKLY_REPORTS_DIR": str(self.root / "reports"),
        }
        return base_env(**{**defaults, **self.settings})

    def materialize(self, partition_args: list[str], name: str, log_dir: Path) -> Measured:
        command = [
            executable("dagster"), "asset", "materialize", "-m", "orchestration",
            "--select", "*", *partition_args,
        ]  # fmt: skip
        measured = run_measured(command, cwd=PROJECT_ROOT, env=self.env(), log_dir=log_dir,
                                name=name)  # fmt: skip
        measured.extra["breakdown"] = breakdown(self.home, measured, self.settings)
        return measured

    def migrate(self) -> None:
        """Create the instance's schema, as `make serve` does before the services start."""
        subprocess.run(
            [executable("dagster"), "instance", "migrate"],
            cwd=PROJECT_ROOT, env=self.env(), check=True, capture_output=True,
        )  # fmt: skip


@dataclass
class Breakdown:
    """Where a run's wall time went, from its Dagster event log (seconds)."""

    phases: dict[str, float] = field(default_factory=dict)
    events: Counter = field(default_factory=Counter)
    dbt_models: dict[str, float] = field(default_factory=dict)  # slowest dbt nodes
    run_s: float | None = None  # RUN_START to RUN_SUCCESS: the run's duration in the UI
    ms_per_planned_event: float | None = None  # what writing one event costs, from planning

    def as_dict(self) -> dict[str, object]:
        return {"phases": self.phases, "events": dict(self.events), "dbt_slowest": self.dbt_models}


def _dbt_run_results(run_id: str) -> dict | None:
    """The run_results.json of the run's dbt invocation: dagster-dbt's naming of its target
    folder, `<op>-<run id[:7]>-<random>`, under the project's target/."""
    for target in sorted(DBT_TARGET.glob(f"dbt_models-{run_id[:7]}-*")):
        try:
            return json.loads((target / "run_results.json").read_text())
        except (OSError, ValueError):
            continue
    return None


def breakdown(home: Path, measured: Measured, settings: dict[str, str] | None = None) -> Breakdown:
    """Split a CLI run's wall time into phases, from the newest run of the instance at `home`:

    - start-up: the CLI's Python start, imports, loading the code location (the dbt
      manifest) and creating the run, until its first event;
    - run planning: writing the run's ASSET_MATERIALIZATION_PLANNED events (one per asset
      and partition) until RUN_START;
    - each step, STEP_START to STEP_SUCCESS; the dbt step split into dagster-dbt's set-up,
      the `dbt build` subprocess (and within it dbt's own execution time from
      run_results.json) and the processing of its events after it;
    - teardown: RUN_SUCCESS to the process's exit.
    """
    import dagster as dg

    result = Breakdown()
    # the instance's settings name its home by DAGSTER_HOME (and its database by the
    # PostgreSQL URL), as the run saw them
    with mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home), **(settings or {})}):
        instance = dg.DagsterInstance.from_config(str(home))
        try:
            runs = instance.get_runs(limit=1)
            if not runs:
                return result
            logs = instance.all_logs(runs[0].run_id)
        finally:
            instance.dispose()
    if not logs:
        return result
    kinds = dg.DagsterEventType
    result.events = Counter(
        e.dagster_event_type.value if e.dagster_event_type else "log message" for e in logs
    )
    first = min(e.timestamp for e in logs)
    stamps: dict[tuple[str, str | None], float] = {}
    dbt_started = dbt_finished = None
    run_results = _dbt_run_results(runs[0].run_id)
    for entry in logs:
        if entry.dagster_event_type is not None:
            stamps.setdefault((entry.dagster_event_type.value, entry.step_key), entry.timestamp)
        message = entry.user_message or ""
        if message.startswith("Running dbt command"):
            dbt_started = entry.timestamp
        elif message.startswith("Finished dbt command"):
            dbt_finished = entry.timestamp
    ended = measured.started + measured.wall_s
    run_start = stamps.get((kinds.RUN_START.value, None))
    phases = result.phases
    phases["start-up (Python, imports, code location, run creation)"] = first - measured.started
    if run_start is not None:
        planned = result.events.get(kinds.ASSET_MATERIALIZATION_PLANNED.value, 0)
        checks = result.events.get(kinds.ASSET_CHECK_EVALUATION_PLANNED.value, 0)
        label = f"run planning ({planned:,} materialization- and {checks:,} check-planned events)"
        phases[label] = run_start - first
        if planned + checks:
            result.ms_per_planned_event = (run_start - first) / (planned + checks) * 1000
    steps = sorted(
        (t, key) for (kind, key), t in stamps.items() if kind == kinds.STEP_START.value and key
    )
    for started, key in steps:
        finished = stamps.get((kinds.STEP_SUCCESS.value, key)) or stamps.get(
            (kinds.STEP_FAILURE.value, key)
        )
        if finished is None:
            continue
        if key == "dbt_models" and dbt_started and dbt_finished:
            phases["dbt step: dagster-dbt set-up"] = dbt_started - started
            phases["dbt step: `dbt build` subprocess"] = dbt_finished - dbt_started
            if run_results:
                elapsed = run_results.get("elapsed_time") or 0.0
                phases["  of which dbt executing nodes (run_results elapsed)"] = elapsed
                slowest = sorted(
                    run_results.get("results", []),
                    key=lambda r: r.get("execution_time") or 0,
                    reverse=True,
                )[:5]
                result.dbt_models = {
                    r["unique_id"].split(".", 2)[-1]: round(r.get("execution_time") or 0, 2)
                    for r in slowest
                }
            phases["dbt step: events after dbt (materializations, checks)"] = (
                finished - dbt_finished
            )
        else:
            phases[f"step {key}"] = finished - started
    run_end = stamps.get((kinds.RUN_SUCCESS.value, None)) or stamps.get(
        (kinds.RUN_FAILURE.value, None)
    )
    if run_end is not None:
        phases["teardown (after RUN_SUCCESS)"] = ended - run_end
        if run_start is not None:
            result.run_s = run_end - run_start
    return result


@dataclass
class Figure1:
    single: Measured
    per_partition: list[Measured]
    sample: int

    @property
    def extrapolated_s(self) -> float:
        return sum(m.wall_s for m in self.per_partition) / len(self.per_partition) * WEEKS

    @property
    def per_partition_peak(self) -> float:
        return max(m.peak_mib for m in self.per_partition)

    def rows(self) -> list[Row]:
        n = len(self.per_partition)
        label = "measured, 52 runs" if n == WEEKS else f"extrapolated from {n} runs"
        speed_up = self.extrapolated_s / self.single.wall_s
        vs = (
            f"52 runs of one week: {fmt_s(self.extrapolated_s)} s ({label}), "
            f"{self.per_partition_peak:,.0f} MiB"
        )
        what = "52-week backfill of all feeds, one run (--partition-range)"
        return [
            Row("1", what, self.single.wall_s, self.single.peak_mib, vs, f"{speed_up:.1f}x",
                f"<= {SINGLE_RUN_TARGET_S:g} s", self.single.wall_s <= SINGLE_RUN_TARGET_S),
            Row("1", "same, against one partition per run", self.single.wall_s,
                self.single.peak_mib, vs, f"{speed_up:.1f}x",
                f">= {SPEED_UP_TARGET:g}x faster", speed_up >= SPEED_UP_TARGET),
        ]  # fmt: skip


@dataclass
class Figure2:
    new_weeks: list[Measured]  # successive new weeks, in order
    fresh_week_s: float | None  # mean one-week run on an empty workspace (figure 1)

    @property
    def new_week(self) -> Measured:
        """The run of median wall time (of an even number, the faster of the middle two)."""
        ranked = sorted(self.new_weeks, key=lambda m: m.wall_s)
        return ranked[(len(ranked) - 1) // 2]

    def rows(self) -> list[Row]:
        vs, ratio = "—", ""
        if self.fresh_week_s:
            vs = f"one week on an empty workspace (fig. 1 mean): {fmt_s(self.fresh_week_s)} s"
            ratio = f"{self.new_week.wall_s / self.fresh_week_s:.2f}x"
        what = f"one new week ({NEW_WEEK}) on a year of history, CLI start-up included"
        if len(self.new_weeks) > 1:
            runs = ", ".join(fmt_s(m.wall_s) for m in self.new_weeks)
            what = (f"one new week on a year of history, CLI start-up included: median of "
                    f"{len(self.new_weeks)} weeks from {NEW_WEEK}, run one after another "
                    f"({runs} s)")  # fmt: skip
        rows = [
            Row("2", what, self.new_week.wall_s, self.new_week.peak_mib, vs, ratio,
                f"<= {NEW_WEEK_TARGET_S:g} s", self.new_week.wall_s <= NEW_WEEK_TARGET_S),
        ]  # fmt: skip
        found = self.new_week.extra.get("breakdown")
        if found is not None and found.run_s is not None:
            rows.append(
                Row("2", "same run, RUN_START to RUN_SUCCESS only (its duration in the UI; "
                    "without the CLI's start-up, run planning and exit)", found.run_s, None,
                    "for reference: the target is the line above", "", "—", None)
            )  # fmt: skip
        return rows


@dataclass
class Figure1OnPostgres:
    """Figure 1's single run on the team's instance, beside the embedded one's."""

    on_postgres: Measured
    embedded: Measured

    def rows(self) -> list[Row]:
        ratio = self.on_postgres.wall_s / self.embedded.wall_s
        return [
            Row("1", "same 52-week run on the team's instance (PostgreSQL, local server)",
                self.on_postgres.wall_s, self.on_postgres.peak_mib,
                f"the embedded instance (SQLite): {fmt_s(self.embedded.wall_s)} s",
                f"{ratio:.2f}x", "—", None),
        ]  # fmt: skip


@dataclass
class Figure1OnObjectStorage:
    """Figure 1's single run with the landing zone and the warehouse on a local S3 server
    (SeaweedFS, `benchmarks/seaweedfs.py`), beside the one on local disk."""

    on_s3: Measured
    on_disk: Measured

    TARGET_RATIO = 1.5

    def rows(self) -> list[Row]:
        ratio = self.on_s3.wall_s / self.on_disk.wall_s
        return [
            Row("1", "same 52-week run, landing zone and warehouse on S3 (local SeaweedFS)",
                self.on_s3.wall_s, self.on_s3.peak_mib,
                f"local disk: {fmt_s(self.on_disk.wall_s)} s", f"{ratio:.2f}x",
                f"<= {self.TARGET_RATIO}x", ratio <= self.TARGET_RATIO),
        ]  # fmt: skip


def run_single(
    workspace: Workspace, log_dir: Path, echo: Callable = print, name: str = "fig1-single-run"
) -> Measured:
    span = f"{FIRST_WEEK}...{weeks()[-1]}"
    echo(f"figure 1: one run of the 52 weeks {span} in {workspace.root}")
    measured = workspace.materialize(["--partition-range", span], name, log_dir)
    echo(f"  {measured.wall_s:.1f} s, peak {measured.peak_mib:,.0f} MiB")
    return measured


def run_per_partition(
    workspace: Workspace, count: int, log_dir: Path, echo: Callable = print
) -> list[Measured]:
    echo(f"figure 1: {count} of the 52 weeks one partition per run, in {workspace.root}")
    measured = []
    for i, week in enumerate(weeks(count), start=1):
        run = workspace.materialize(["--partition", week], f"fig1-week-{week}", log_dir)
        measured.append(run)
        echo(f"  {i}/{count} {week}: {run.wall_s:.1f} s, peak {run.peak_mib:,.0f} MiB")
    return measured


def run_new_weeks(
    workspace: Workspace, count: int, log_dir: Path, echo: Callable = print
) -> list[Measured]:
    """The `count` weeks from NEW_WEEK, one run each, one after another, each on top of
    the year and of the new weeks before it."""
    echo(f"figure 2: {count} new week(s) from {NEW_WEEK} on top of the year, in {workspace.root}")
    measured = []
    for i in range(count):
        week = (NEW_WEEK + dt.timedelta(weeks=i)).isoformat()
        run = workspace.materialize(["--partition", week], f"fig2-new-week-{week}", log_dir)
        measured.append(run)
        echo(f"  {week}: {run.wall_s:.1f} s, peak {run.peak_mib:,.0f} MiB")
    return measured
