"""The benchmarks (benchmarks/): they run the pipeline as a user does, in temp workspaces,
so every file a run writes must land inside its workspace, never in the checkout the
benchmark runs from; and what their table reports of the runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.common import changed_outside_benchmarks
from benchmarks.measure import Measured
from benchmarks.pipeline import Figure2, Workspace
from orchestration import settings
from tests import make


def test_every_path_the_pipeline_writes_is_inside_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace(tmp_path / "workspace")
    for name, value in workspace.env().items():
        monkeypatch.setenv(name, value)
    root = workspace.root.resolve()

    written = {
        "raw": settings.raw_dir(),
        "warehouse": settings.warehouse_path(),
        "build warehouse": settings.build_warehouse_path(),
        "cache": settings.cache_dir(),
        "reports": settings.reports_dir(),
        "dagster home": Path(workspace.env()["DAGSTER_HOME"]).resolve(),
    }
    outside = {what: path for what, path in written.items() if not path.is_relative_to(root)}
    assert outside == {}, f"a benchmark run would write into {outside}"


def test_pipeline_settings_from_the_shell_do_not_reach_the_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.WINDOW_START_ENV, "2020-01-06")
    monkeypatch.setenv("DAGSTER_HOME", "/somewhere/else")
    env = Workspace(tmp_path).env()
    assert settings.WINDOW_START_ENV not in env
    assert env["DAGSTER_HOME"] == str(tmp_path / "dagster_home")


def test_runs_get_the_instance_settings_the_makefile_exports(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_EVENT_BATCH_SIZE"}
    batch = make.exported("DAGSTER_EVENT_BATCH_SIZE", env)
    assert batch, "the Makefile no longer exports DAGSTER_EVENT_BATCH_SIZE"
    assert Workspace(tmp_path).env()["DAGSTER_EVENT_BATCH_SIZE"] == batch


def _run(wall_s: float) -> Measured:
    return Measured(command=["dagster"], wall_s=wall_s, peak_tree_mib=600.0,
                    peak_process_mib=500.0, cpu_s=wall_s, returncode=0, started=0.0,
                    stdout_path=Path("out"), stderr_path=Path("err"))  # fmt: skip


def test_figure_2_is_the_median_of_its_new_weeks_each_shown() -> None:
    figure = Figure2([_run(16.9), _run(15.2), _run(21.4)], fresh_week_s=None)
    assert figure.new_week.wall_s == 16.9
    (row,) = figure.rows()  # no breakdown: no reference line
    assert row.wall_s == 16.9 and row.met is False
    assert "median of 3" in row.what and "(16.9, 15.2, 21.4 s)" in row.what
    assert Figure2([_run(14.0), _run(16.0)], None).new_week.wall_s == 14.0
    assert Figure2([_run(14.9)], None).rows()[0].met is True


def test_the_results_name_changes_to_the_project_not_to_the_benchmarks_own_results() -> None:
    porcelain = " M benchmarks/results/latest.md\n M orchestration/settings.py\n?? notes.txt"
    assert changed_outside_benchmarks(porcelain) == ["orchestration/settings.py", "notes.txt"]
    assert changed_outside_benchmarks(" M benchmarks/results/latest.md") == []
