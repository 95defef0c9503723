"""Shared test set-up: a prepared dbt manifest, isolated data folders, in-process runs."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from orchestration.feeds.lib.base import FeedBatch
from orchestration.partitions import DateWindow
from orchestration.project import prepare_manifest
from orchestration.settings import (
    CACHE_DIR_ENV,
    PROJECT_ROOT,
    RAW_DIR_ENV,
    REPORTS_DIR_ENV,
    WAREHOUSE_ENV,
)

SHARED_DIR = PROJECT_ROOT.parent / "shared"
REFERENCE_MARKET_DIR = SHARED_DIR / "reference" / "market"
FEED_ENV_VARS = (
    "MARKET_FEED",
    "MARKET_CSV_DIR",
    "FX_FEED",
    "TRAFFIC_FEED",
    "DOWNLOADS_FEED",
    "MARKET_COMPLETENESS",
    "GPU_FEED",
    "GPU_CSV_DIR",
    "RELEASE_EVENTS_FILE",
)


# The project's own data folders: tests work in folders of their own and leave these as
# they found them (a user's demo year may be in them).
PROJECT_DATA = tuple(PROJECT_ROOT / name for name in ("raw", "warehouse", "reports"))
PROJECT_DATA_BEFORE = pytest.StashKey[dict[str, int]]()


def project_data_files() -> dict[str, int]:
    """Every file and folder under the project's data folders, with its mtime."""
    return {
        str(path.relative_to(PROJECT_ROOT)): path.stat().st_mtime_ns
        for folder in PROJECT_DATA
        if folder.is_dir()
        for path in folder.rglob("*")
    }


def pytest_sessionstart(session: pytest.Session) -> None:
    # Dagster builds the dbt assets from the manifest; parse once, never at import time,
    # and only in the controller when pytest-xdist runs workers (they would race on it).
    if not hasattr(session.config, "workerinput"):
        prepare_manifest()
        session.config.stash[PROJECT_DATA_BEFORE] = project_data_files()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test wrote into (or removed from) the project's data folders."""
    before = session.config.stash.get(PROJECT_DATA_BEFORE, None)
    if before is None:  # an xdist worker: the controller checks once, at the end
        return
    after = project_data_files()
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(
                "tests changed the project's data folders (raw/, warehouse/, reports/): "
                + ", ".join(changed[:10]),
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests' own cache (the report's cut font), not the project's `.cache/`."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(folder))
        yield folder


# Tests that share a session-scoped base run on one xdist worker (`--dist loadgroup`), so
# each base is built once; the rest spread over the workers.
SHARED_BASES = ("demo_year", "reference_csv_year", "two_weeks")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue  # the module chose its group
        base = next((name for name in SHARED_BASES if name in item.fixturenames), None)
        if base is not None:
            item.add_marker(pytest.mark.xdist_group(base))


@dataclass(frozen=True)
class Workspace:
    """An isolated landing zone and warehouse for one pipeline run."""

    root: Path
    checks: tuple[dg.AssetCheckEvaluation, ...] = ()  # of the run that built it, if any

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "warehouse.duckdb"


@contextmanager
def pipeline_env(workspace: Workspace, **feeds: str) -> Iterator[None]:
    """Point the pipeline at `workspace`, with the given feed variables and no others."""
    workspace.raw.mkdir(parents=True, exist_ok=True)
    workspace.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(RAW_DIR_ENV, str(workspace.raw))
        patch.setenv(WAREHOUSE_ENV, str(workspace.warehouse))
        patch.setenv(REPORTS_DIR_ENV, str(workspace.root / "reports"))
        for name in FEED_ENV_VARS:
            patch.delenv(name, raising=False)
        for name, value in feeds.items():
            patch.setenv(name, value)
        yield


def install_instance_settings(home: Path) -> None:
    """The project's Dagster instance settings in `home`, as `make` installs them in
    .dagster/ (config/dagster.yaml)."""
    shutil.copy(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")


@contextmanager
def project_instance(home: Path) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance in `home` with the project's settings, and DAGSTER_HOME pointing
    at it, as the project's commands set it (the settings read it)."""
    install_instance_settings(home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance


def materialize_range(
    first_week: str,
    last_week: str,
    *,
    instance: dg.DagsterInstance | None = None,
    selection: str | None = None,
    resources: dict | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every asset (or `selection`) for a partition range in one in-process run."""
    from orchestration.definitions import build_definitions

    defs = build_definitions(resources)
    if selection:
        job = dg.define_asset_job("selected", selection=selection)
        defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
        job_def = defs.resolve_job_def("selected")
    else:
        job_def = defs.resolve_implicit_global_asset_job_def()
    return job_def.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        tags={
            "dagster/asset_partition_range_start": first_week,
            "dagster/asset_partition_range_end": last_week,
            **(tags or {}),
        },
        raise_on_error=False,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture(scope="session")
def demo_year(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo backfilled for the year exhibit 1 needs (2023-12-25 to 2024-12-16)."""
    workspace = Workspace(tmp_path_factory.mktemp("demo"))
    with pipeline_env(workspace):
        result = materialize_range("2023-12-25", "2024-12-16")
    assert result.success, failure_text(result)
    return Workspace(workspace.root, tuple(result.get_asset_check_evaluations()))


@pytest.fixture(scope="session")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo landed and modelled for the weeks of 2024-12-09 and 2024-12-16: a base that
    tests copy (`copy_of`) instead of building their own."""
    workspace = Workspace(tmp_path_factory.mktemp("two_weeks"))
    with pipeline_env(workspace):
        result = materialize_range("2024-12-09", "2024-12-16")
    assert result.success, failure_text(result)
    return workspace


def copy_of(base: Workspace, folder: Path) -> Workspace:
    """A private copy of a built workspace (landing zone and warehouse)."""
    shutil.copytree(base.root, folder / "copy")
    return Workspace(folder / "copy")


@pytest.fixture(scope="session")
def reference_csv_year(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The same backfill with market bars from ../shared/reference/market."""
    if not REFERENCE_MARKET_DIR.is_dir():
        pytest.skip(f"{REFERENCE_MARKET_DIR} is absent: the reference data ships beside CI only")
    workspace = Workspace(tmp_path_factory.mktemp("reference"))
    with pipeline_env(workspace, MARKET_FEED="csv", MARKET_CSV_DIR=str(REFERENCE_MARKET_DIR)):
        result = materialize_range("2023-12-25", "2024-12-16")
    assert result.success, failure_text(result)
    return Workspace(workspace.root, tuple(result.get_asset_check_evaluations()))


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    failures = [event for event in result.all_events if event.is_failure]
    return "\n".join(str(event.event_specific_data) for event in failures) or "run failed"


class Tampered:
    """A resource whose feed is a demo feed with its batch altered by `tamper`."""

    def __init__(self, feed, tamper: Callable[[FeedBatch], None]) -> None:
        self.feed, self.tamper = feed, tamper

    def build(self):
        return self

    @property
    def kind(self) -> str:
        return self.feed.kind

    def fetch(self, window: DateWindow) -> FeedBatch:
        batch = self.feed.fetch(window)
        self.tamper(batch)
        return batch


def as_of(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
