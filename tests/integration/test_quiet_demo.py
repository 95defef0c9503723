"""`make demo` shows progress, what to act on and exhibit 1; the whole log goes to a file
it names."""

from __future__ import annotations

import subprocess

import pytest

from orchestration import demo
from orchestration.settings import PROJECT_ROOT
from tests.conftest import Workspace, pipeline_env, project_instance


def test_make_demo_runs_the_quiet_runner():
    dry = subprocess.run(
        ["make", "-n", "demo"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "-m orchestration.demo --range '2023-12-25...2024-12-16' --as-of 2024-12-18" in dry
    assert "dagster asset materialize" not in dry


def test_the_demo_prints_steps_and_exhibit_1_and_logs_the_rest(
    tmp_path, capsys: pytest.CaptureFixture[str]
):
    workspace = Workspace(tmp_path / "workspace")
    (tmp_path / "home").mkdir()
    logs = tmp_path / "logs"
    with project_instance(tmp_path / "home"), pipeline_env(workspace):
        code = demo.main(
            ["--range", "2024-12-09...2024-12-16", "--as-of", "2024-12-18", "--log-dir", str(logs)]
        )
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) < 70, out
    assert "DEBUG" not in out and "Warning" not in out and "STEP_" not in out
    assert "  ok   dbt_models" in out and "图表 1" in out and "weekly-report-2024-12-18.html" in out
    [log] = logs.glob("demo-*.log")
    assert f"Full log: {log}" in out
    text = log.read_text()
    assert " - DEBUG - " in text and "STEP_SUCCESS" in text
