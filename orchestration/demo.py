"""`make demo` without the noise: the backfill's whole log goes to a file, the terminal
shows a line per step as it ends, what a user must act on, exhibit 1 and the report.

    python -m orchestration.demo --range 2023-12-25...2024-12-16 --as-of 2024-12-18

The backfill is the same one run of every asset as `make backfill` (`dagster asset
materialize`, in the instance `DAGSTER_HOME` names, so the UI shows it); its output,
every DEBUG line and framework warning included, is written to `logs/demo-<UTC time>.log`
and read as it comes. What reaches the terminal: each step's end, an ERROR line, a check
that failed (WARN or ERROR), and the count of the feeds' notes (a week without dividends
or splits is a note, not a problem). A failed backfill ends with its errors, the log's
path and exit code 1; exhibit 1 is not printed from a warehouse it did not build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from orchestration.settings import PROJECT_ROOT

STEP_END = re.compile(r" - (?P<step>[\w.]+) - (?P<event>STEP_SUCCESS|STEP_FAILURE) - (?P<msg>.*)")
CHECK_FAILED = re.compile(r"ASSET_CHECK_EVALUATION - (?P<msg>Asset check '.+' on '.+' failed.*)")
LOG_LINE = re.compile(r" - dagster - (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) - (?P<rest>.*)")
STEP_RETRY = re.compile(r" - (?P<step>[\w.]+) - STEP_UP_FOR_RETRY - .*(?P<when>retry in .+?)\.?$")
STEP_TIME = re.compile(r" in ((?:\d+m)?[\d.]+m?s)\.?$")  # 207ms, 1.71s, 1m25s
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Progress:
    """What the terminal is told of a backfill's log, line by line."""

    out: TextIO
    notes: dict[str, int] = field(default_factory=dict)  # a note's shape -> how many
    problems: list[str] = field(default_factory=list)
    failure: list[str] | None = None  # a failed step's error lines, until its stack trace

    def read(self, line: str) -> None:
        if self.failure is not None:
            logged = LOG_LINE.search(line) is not None
            if not logged and line.strip() != "Stack Trace:":
                self.failure += [line.strip()] if line.strip() else []
                return
            reason, self.failure = self.failure, None
            if reason:  # the exception's own line is the last before its stack trace
                self.problem(reason[-1])
            if not logged:
                return
        if step := STEP_END.search(line):
            mark = "ok  " if step["event"] == "STEP_SUCCESS" else "FAILED"
            took = STEP_TIME.search(step["msg"])
            self.say(f"  {mark} {step['step']}" + (f" ({took[1]})" if took else ""))
            if step["event"] == "STEP_FAILURE":
                self.failure = []
            return
        if retry := STEP_RETRY.search(line):  # else minutes of silence while it waits
            self.say(f"  retry {retry['step']}: failed, {retry['when']}")
            return
        if check := CHECK_FAILED.search(line):
            self.problem(check["msg"].split(". Description")[0])
            return
        logged = LOG_LINE.search(line)
        if logged is None or logged["level"] in ("DEBUG", "INFO"):
            return
        message = logged["rest"].split(" - ")[-1].strip()
        if logged["level"] == "WARNING":
            shape = DATE.sub("<week>", message)
            self.notes[shape] = self.notes.get(shape, 0) + 1
        else:
            self.problem(message)

    def problem(self, message: str) -> None:
        self.problems.append(message)
        self.say(f"  ! {message}")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def summary(self) -> Iterator[str]:
        total = sum(self.notes.values())
        if total:
            shapes = sorted(self.notes.items(), key=lambda item: -item[1])
            example, count = shapes[0]
            yield f"  {total} notes from the feeds (most often, {count}x: {example})"


def backfill_command(weeks: str) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    return [str(dagster), "asset", "materialize", "-m", "orchestration", "--select", "*",
            "--partition-range", weeks]  # fmt: skip


def run_logged(command: list[str], log: TextIO, progress: Progress) -> int:
    """Run `command`, its output into `log`, each line also read by `progress`."""
    with subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        for line in _lines(process.stdout):
            log.write(line)
            progress.read(line)
        return process.wait()


def _lines(stream: Iterable[str] | None) -> Iterator[str]:
    yield from stream or ()


def log_path(folder: Path, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"demo-{stamp}.log"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.demo", description=__doc__)
    parser.add_argument(
        "--range", required=True, help="first...last week, e.g. 2023-12-25...2024-12-16"
    )
    parser.add_argument("--as-of", required=True, help="exhibit 1 and the report's date")
    parser.add_argument("--log-dir", type=Path, default=PROJECT_ROOT / "logs")
    args = parser.parse_args(argv)
    path = log_path(args.log_dir.resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(sys.stdout)
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    progress.say(f"Backfilling {args.range} in one Dagster run (full log: {shown})")
    with path.open("w", encoding="utf-8") as log:
        code = run_logged(backfill_command(args.range), log, progress)
        for line in progress.summary():
            progress.say(line)
        if code != 0:
            progress.say(f"The backfill failed (exit code {code}): see {shown}")
            return 1
        progress.say("")
        python = sys.executable
        for command in (
            [python, "-m", "orchestration.exhibit", "--as-of", args.as_of],
            [python, "-m", "orchestration.report", "--as-of", args.as_of],
        ):
            done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
            log.write(done.stdout + done.stderr)
            if done.returncode != 0:
                progress.say(done.stderr.strip() or done.stdout.strip())
                progress.say(f"see {shown}")
                return 1
            text = done.stdout.strip()
            if command[2] == "orchestration.report":
                html = next((p for p in text.splitlines() if p.endswith(".html")), text)
                text = f"The weekly report as of {args.as_of}: {html}"
            progress.say(text + "\n")
    progress.say(f"Full log: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
