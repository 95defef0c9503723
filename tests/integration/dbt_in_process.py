"""Running dbt in the test's process (dbtRunner) on the project, for tests of the dbt
project itself: its artifacts in the test's own folder, the window set as Dagster sets it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from orchestration.settings import DBT_PROJECT_DIR, WINDOW_END_ENV, WINDOW_START_ENV


def dbt(*args: str):
    """Run a dbt command on the project; fail the test if dbt fails; return its result."""
    result = dbtRunner().invoke(
        [*args, "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR)]
    )  # fmt: skip
    assert result.success, f"dbt {' '.join(args)} failed: {result.exception}"
    return result.result


@pytest.fixture(autouse=True)
def private_dbt_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """dbt's artifacts in the test's folder, not the project's target/ (Dagster's runs,
    perhaps on another xdist worker, use it). Autouse in the modules that import it."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    return tmp_path / "target"


def set_window(monkeypatch: pytest.MonkeyPatch, start: dt.date | None, end: dt.date | None):
    """The window as Dagster passes it to dbt (orchestration.assets.dbt), or none."""
    for name, day in ((WINDOW_START_ENV, start), (WINDOW_END_ENV, end)):
        if day is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, day.isoformat())
