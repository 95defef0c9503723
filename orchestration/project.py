"""The dbt project as Dagster sees it, the resource that runs its dbt, and how its
manifest is prepared.

Dagster reads dbt's `manifest.json` to build assets; dbt reads the raw datasets as sources
written from the feeds' declarations first (`orchestration.dbt_sources`). Under `dagster
dev` the code location prepares it before loading (`prepare_manifest_if_dev`, as
`DbtProject.prepare_if_dev` does, but with the dbt installed beside this Python);
everything else calls `prepare_manifest()` first (the Makefile and the test suite do), so
importing a module never runs `dbt parse`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.dagster_internals.dbt_cli import LocalDbtCliResource
from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The `dbt` installed beside this Python, so no activated virtualenv is needed."""
    return str(Path(sys.executable).with_name("dbt"))


def dbt_resource() -> LocalDbtCliResource:
    """The resource every dbt asset runs with: dagster-dbt's, for the dbt installed beside
    this Python, without the set-up costs the project does not need
    (`orchestration.dagster_internals.dbt_cli`)."""
    return LocalDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def manifest_is_stale(project: DbtProject = dbt_project) -> bool:
    """True if the manifest is missing or older than any file of the dbt project."""
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [
        path
        for folder in ("models", "macros", "seeds", "tests")
        for path in (Path(project.project_dir) / folder).rglob("*")
        if path.is_file()
    ]
    sources += [
        Path(project.project_dir) / "dbt_project.yml",
        Path(project.project_dir) / "profiles.yml",
    ]
    return any(path.stat().st_mtime > built for path in sources if path.exists())


def prepare_manifest(project: DbtProject = dbt_project) -> Path:
    """Write the dbt sources from the feeds' declarations (`orchestration.dbt_sources`),
    then run `dbt parse` if the manifest is stale; return its path."""
    from orchestration.dbt_sources import write_sources

    write_sources()
    if manifest_is_stale(project):
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(project.project_dir),
                "--profiles-dir",
                str(project.profiles_dir),
                "--target-path",
                "target",
            ],
            check=True,
            cwd=project.project_dir,
        )
    return Path(project.manifest_path)


def prepare_manifest_if_dev() -> None:
    """Under `dagster dev`, re-parse the dbt project when it changed."""
    if dbt_project.preparer.using_dagster_dev():
        prepare_manifest()


if __name__ == "__main__":
    print(prepare_manifest())
