"""What every figure shares: paths, the environment of the runs, temp workspaces, rows."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
BENCHMARKS_DIR = PROJECT_ROOT / "benchmarks"
RESULTS_DIR = BENCHMARKS_DIR / "results"


def venv_bin() -> Path:
    """The project's virtualenv's bin/ (dagster, dbt, python), else this Python's."""
    local = PROJECT_ROOT / ".venv" / "bin"
    return local if (local / "python").exists() else Path(sys.executable).parent


def executable(name: str) -> str:
    path = venv_bin() / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `make install` first")
    return str(path)


# Settings the pipeline reads from the environment: dropped from the runs' environment so
# that every run uses the built-in demo feeds and its own temp paths, whatever the shell has.
PIPELINE_PREFIXES = (
    "COMPUTE_WEEKLY_",
    "DAGSTER_",
    "MARKET_",
    "FX_",
    "TRAFFIC_",
    "DOWNLOADS_",
    "YAHOO_",
    "FRANKFURTER_",
    "SIMILARWEB_",
    "QIMAI_",
    "DBT_",
    "GPU_",
    "KEEPA_",
    "RELEASE_EVENTS_",
)


def base_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(PIPELINE_PREFIXES)}
    env.update(settings)
    return env


def uncompiled_bytecode_warning() -> str | None:
    """A warning if the virtualenv holds no compiled bytecode for dagster and dbt.

    `make install` compiles it (`uv sync --compile-bytecode`). Without it, where
    PYTHONDONTWRITEBYTECODE is set, every process compiles every module it imports from
    source, each time: about 9 s more for each Dagster run on a 2-core machine."""
    site = next((PROJECT_ROOT / ".venv" / "lib").glob("python3*/site-packages"), None)
    if site is None:
        return None
    tag = sys.implementation.cache_tag
    missing = [
        package
        for package in ("dagster", "dbt")
        if not (site / package / "__pycache__" / f"__init__.{tag}.pyc").exists()
    ]
    if not missing:
        return None
    return (
        f"the virtualenv holds no compiled bytecode for {', '.join(missing)} (make install "
        "compiles it): every process compiles its imports, and the figures are slower"
    )


class Workspaces:
    """Temp folders of one invocation, removed at the end unless kept."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="compute-weekly-bench-"))

    def new(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True)
        return path

    def cleanup(self) -> None:
        if self.keep:
            print(f"kept the workspaces under {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Row:
    """One line of the results table: one figure against one target."""

    figure: str
    what: str
    wall_s: float | None
    peak_mib: float | None
    compared_with: str
    ratio: str
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)


def fmt_s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:,.1f}"


def fmt_mib(mib: float | None) -> str:
    return "—" if mib is None else f"{mib:,.0f}"


def project_state() -> str:
    """The commit the project is at, and how many files differ from it (benchmarks/ aside)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        )
        # rstrip only: a status line starts with a space for a change not yet staged
        return done.stdout.rstrip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    changed = changed_outside_benchmarks(git("status", "--porcelain"))
    return f"commit {commit}" + (f" + {len(changed)} uncommitted change(s)" if changed else "")


def changed_outside_benchmarks(porcelain: str) -> list[str]:
    """The paths `git status --porcelain` lists, benchmarks/ aside (their results change
    with every run)."""
    paths = [line[3:] for line in porcelain.splitlines() if len(line) > 3]
    return [path for path in paths if not path.startswith("benchmarks/")]
