"""Wall time and peak memory of a subprocess and its children, and the machine it ran on.

`run_measured` starts a command, samples the resident memory of its whole process tree
(the sum over the process and every descendant, from /proc, every 50 ms) and reaps it with
`os.wait4`, whose rusage gives the kernel's exact peak RSS of the largest single process
among it and the descendants it waited for. The peak reported is the larger of the two:
the sampled sum can miss a spike shorter than 50 ms, the kernel's figure cannot, but it
does not add up processes alive at the same time (Dagster's process and its dbt child).

psutil is not a dependency of the project, so /proc is read directly (Linux only).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
MiB = 1024 * 1024


class BenchmarkError(RuntimeError):
    """A step of a benchmark failed; the message says which and shows its output's tail."""


@dataclass
class Measured:
    command: list[str]
    wall_s: float
    peak_tree_mib: float  # sampled sum of RSS over the process tree
    peak_process_mib: float  # kernel's max RSS of the largest single process (wait4)
    cpu_s: float  # user + system time of the process and its waited-for children
    returncode: int
    started: float  # time.time() at start
    stdout_path: Path
    stderr_path: Path
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def peak_mib(self) -> float:
        return max(self.peak_tree_mib, self.peak_process_mib)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces or parentheses, split after it.
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants, in bytes."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, ()))
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.done.wait(self.interval)


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(text[-lines:]) or "(empty)"


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_dir: Path,
    name: str,
    check: bool = True,
) -> Measured:
    """Run `command` to completion, measuring it; output goes to `<log_dir>/<name>.*.log`.

    With `check`, a non-zero exit raises BenchmarkError with the tails of both logs.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = log_dir / f"{name}.stdout.log", log_dir / f"{name}.stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        started, began = time.time(), time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdout=out, stderr=err)
        sampler = _Sampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        sampler.done.set()
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    measured = Measured(
        command=list(command),
        wall_s=wall,
        peak_tree_mib=sampler.peak / MiB,
        peak_process_mib=usage.ru_maxrss * 1024 / MiB,  # ru_maxrss is in KiB on Linux
        cpu_s=usage.ru_utime + usage.ru_stime,
        returncode=process.returncode,
        started=started,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
    )
    if check and measured.returncode != 0:
        raise BenchmarkError(
            f"{name} failed (exit {measured.returncode}): {' '.join(command)}\n"
            f"--- stdout tail ({stdout_path}) ---\n{tail(stdout_path)}\n"
            f"--- stderr tail ({stderr_path}) ---\n{tail(stderr_path)}"
        )
    return measured


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def machine() -> dict[str, str]:
    import duckdb  # the one the project runs, dbt-duckdb included

    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": str(os.cpu_count()),
        "cpu model": cpu_model(),
        "RAM": f"{ram_gib():.1f} GiB",
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
        "kernel": platform.release(),
    }
