"""dagster-dbt's `DbtCliResource`, without two costs it pays before every dbt invocation.

- It asks the executable for its version (`dbt --version`, a subprocess that also asks
  PyPI for the latest release) to tell dbt Core from the Fusion engine. The project's dbt
  is the dbt-core package of this environment, so its version is read from the package.
- It opens a dbt adapter in this process (loading the project, profile and macros) for
  `fetch_column_metadata()` and `fetch_row_counts()`, which the project's assets do not
  call. Without it those two would add nothing: they need an adapter.

Both are dagster-dbt's private hooks (`_cli_version`, `_initialize_dbt_core_adapter`),
overridden here only, behind the exact dagster-dbt pin (`orchestration.dagster_internals`).
"""

from __future__ import annotations

from functools import cached_property

from dagster_dbt import DbtCliResource
from packaging.version import Version


class LocalDbtCliResource(DbtCliResource):
    """`DbtCliResource` for the dbt-core installed beside this Python
    (`orchestration.project.dbt_resource` builds it)."""

    @cached_property
    def _cli_version(self) -> Version:
        from dbt.version import __version__

        return Version(__version__)

    def _initialize_dbt_core_adapter(self, args):  # None: no adapter
        return None
