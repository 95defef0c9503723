"""The suite's tests that share a built base, or a running service, run on one pytest-xdist
worker (`--dist loadgroup`, `make test`): a group split over the workers would build each
base twice, or run a service's ordered tests against two services."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import os
import pytest

pytestmark = pytest.mark.xdist_group("probe")


@pytest.mark.parametrize("n", range(6))
def test_worker(n):
    with open(os.environ["PROBE_OUT"], "a") as out:
        out.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""


def test_a_group_runs_on_one_worker(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    out = tmp_path / "workers.txt"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", str(tmp_path / "test_probe.py")],
        cwd=tmp_path, env={**os.environ, "PROBE_OUT": str(out)},
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    workers = out.read_text().split()
    assert len(workers) == 6 and len(set(workers)) == 1, workers
