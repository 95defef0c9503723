"""What the Makefile gives the commands it runs, asked of make itself: a probe rule added
with `--eval`, run in the project, prints a variable's value or an exported environment
variable, as a recipe sees it."""

from __future__ import annotations

import os
import subprocess

from orchestration.settings import PROJECT_ROOT


def _probe(recipe: str, env: dict[str, str] | None, make_vars: dict[str, str]) -> str:
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", f"compute-weekly-probe: ; @{recipe}",
         "compute-weekly-probe", *(f"{k}={v}" for k, v in make_vars.items())],
        cwd=PROJECT_ROOT, env=env if env is not None else dict(os.environ),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def exported(name: str, env: dict[str, str] | None = None, **make_vars: str) -> str:
    """The environment variable `name` a recipe of the Makefile sees ('' if unset)."""
    return _probe(f"printenv {name} || true", env, make_vars)


def variable(name: str, env: dict[str, str] | None = None, **make_vars: str) -> str:
    """The value of the Makefile's variable `name`."""
    return _probe(f"echo '$({name})'", env, make_vars)
