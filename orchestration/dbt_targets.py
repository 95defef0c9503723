"""The target folders of the project's dbt invocations: the partial-parse state each one
starts from, whether dbt writes its debug log there, and how many are kept.

dagster-dbt gives each invocation its own folder under `dbt_project/target/` (named
`<op>-<run id[:7]>-<random>`), for its manifest, run results and compiled SQL, and dbt's
log file. This module names that folder for the dbt step, seeds it with the workspace's
parse state, keeps the state the invocation leaves, and removes old folders so a schedule
that runs six times a week does not fill the disk.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from orchestration import settings
from orchestration.files import write_atomically
from orchestration.project import dbt_project

FILE_LOG_LEVEL_ENV = "DBT_LOG_LEVEL_FILE"  # dbt's own setting, honoured when set
KEEP_INVOCATIONS = 20  # the newest folders kept, whatever their age
KEEP_SECONDS = 24 * 3600  # and every folder younger than this (a run of another workspace)


def target_root() -> Path:
    """The project's dbt target folder (`DBT_TARGET_PATH`, as dagster-dbt reads it)."""
    folder = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return folder if folder.is_absolute() else Path(dbt_project.project_dir) / folder


def parse_state_file() -> Path:
    """dbt's partial-parse state for this workspace: beside the private build it was parsed
    for (`settings.build_warehouse_path()`), as the profile dbt parses with names it."""
    return settings.build_warehouse_path().parent / "partial_parse.msgpack"


def invocation_target(label: str) -> Path:
    """A new target folder for one dbt invocation (`<target>/<label>-<random>`, as
    dagster-dbt names its own), holding this workspace's partial-parse state if it has one.

    dagster-dbt gives each invocation its own target folder and copies dbt's partial-parse
    state into it from the project's `target/`, where `dbt parse` left it when the manifest
    was prepared. dbt re-parses every file when the state was parsed for another profile
    (the warehouse path of another workspace: tests, benchmarks, a user's own) and only the
    files that changed, or read at parse time an environment variable whose value changed,
    otherwise (not the window: the marts read it when they run). Starting from the state
    this workspace's last invocation left (`keep_parse_state`) keeps the parse partial;
    without one, dagster-dbt's copy applies. dbt checks any state it is given, so a stale
    one costs a full parse, never a wrong one."""
    target = target_root() / f"{label}-{uuid.uuid4().hex[:7]}"
    state = parse_state_file()
    if state.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, target / "partial_parse.msgpack")
    return target


def file_log_args() -> list[str]:
    """dbt's arguments for its log file in a Dagster run: none, unless `DBT_LOG_LEVEL_FILE`
    asks for one (`debug` is dbt's own default).

    The run keeps dbt's messages already: dagster-dbt writes every one of them to the step's
    output, which the UI shows with the run, and the SQL each node ran is in the
    invocation's `compiled/` and `run/` folders. What the file adds is dbt's debug detail
    (each statement as sent, connections, timings), megabytes a run, and writing it slows
    every run (benchmarks/README.md): dbt formats every event for it, under a lock its
    threads share. `DBT_LOG_LEVEL_FILE=debug` brings it back."""
    if os.environ.get(FILE_LOG_LEVEL_ENV):
        return []
    return ["--log-level-file", "none"]


def keep_parse_state(target: Path) -> None:
    """Keep the partial-parse state an invocation left in `target` for the workspace's next
    one (atomically: a concurrent reader never sees half a file)."""
    produced = target / "partial_parse.msgpack"
    if produced.is_file():
        state = parse_state_file()
        state.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(state, produced.read_bytes())


def prune_invocations(
    prefix: str, keep: int = KEEP_INVOCATIONS, keep_seconds: float = KEEP_SECONDS
) -> list[Path]:
    """Remove the target folders of old invocations named `<prefix>-...`: all but the
    `keep` newest, and of those only the ones untouched for `keep_seconds` (another
    workspace's run may be using a recent one: tests, benchmarks). Returns what went."""
    folders = sorted(
        (path for path in target_root().glob(f"{prefix}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    cutoff = time.time() - keep_seconds
    removed = []
    for folder in folders[keep:]:
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
