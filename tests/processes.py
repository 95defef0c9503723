"""Real processes for the tests of run workers: started, killed, found by environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

import psutil

SLEEPER = "import signal, sys, time; {handler}print('ready', flush=True); time.sleep(600)"


def start_sleeper(
    env: Mapping[str, str] | None = None, ignore_sigterm: bool = False
) -> subprocess.Popen:
    """A Python process that sleeps (printing `ready` once it runs), optionally deaf to
    SIGTERM, with extra environment variables."""
    handler = "signal.signal(signal.SIGTERM, signal.SIG_IGN); " if ignore_sigterm else ""
    process = subprocess.Popen(
        [sys.executable, "-c", SLEEPER.format(handler=handler)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def killed(process: subprocess.Popen) -> subprocess.Popen:
    """`process` killed with SIGKILL and reaped: its pid is free."""
    process.kill()
    process.wait(timeout=10)
    return process


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
