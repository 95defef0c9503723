"""What an alert says: the run, the failing asset or check, the first line of the error,
and a link to the run in the UI (from `COMPUTE_WEEKLY_WEBSERVER_URL`, the address the
team opens the webserver at; without it, no link).

Every message is redacted before it is sent: the value of each environment variable whose
name says it holds a secret (`*_KEY`, `*_TOKEN`, `*_PASSWORD`, ...), the password of the
instance's PostgreSQL URL and the webhook's URL are replaced by `***` wherever they
appear, as are secret query parameters (`?apikey=...`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from orchestration.alerts.channels import WEBHOOK_URL_ENV, Alert
from orchestration.feeds.lib.http import Redactor

WEBSERVER_URL_ENV = "COMPUTE_WEEKLY_WEBSERVER_URL"
PG_URL_ENV = "COMPUTE_WEEKLY_PG_URL"
SUBJECT_PREFIX = "[compute-weekly]"
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)


def environment_redactor(environ: Mapping[str, str] | None = None) -> Redactor:
    """A redactor of every secret the environment holds."""
    env = os.environ if environ is None else environ
    secrets = [value for name, value in env.items() if _SECRET_NAME.search(name) and value]
    for name in (PG_URL_ENV, WEBHOOK_URL_ENV):
        if env.get(name):
            secrets.append(env[name])
            password = urlsplit(env[name]).password
            if password:
                secrets.append(password)
    return Redactor(secrets)


def run_link(run_id: str, environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    base = env.get(WEBSERVER_URL_ENV, "").strip().rstrip("/")
    return f"{base}/runs/{run_id}" if base else None


def first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return "(no error message)"


@dataclass(frozen=True)
class BlockedCheck:
    """An ERROR check that failed in a run: what it blocked."""

    asset: str
    check: str
    weeks: str  # the weeks it kept from being published, if it says
    failing_rows: int | None = None

    def line(self) -> str:
        rows = f", {self.failing_rows} failing row(s)" if self.failing_rows is not None else ""
        weeks = f": weeks not published {self.weeks}" if self.weeks else ""
        return f"{self.asset} {self.check} (ERROR{rows}){weeks}"


@dataclass(frozen=True)
class RunFacts:
    """What an alert needs to know of a run."""

    run_id: str
    job_name: str
    weeks: str  # the partition or range the run covered, or ""
    launched_by: str  # "schedule X", "sensor Y", or ""
    failed_steps: Sequence[str] = ()  # step key (assets) of each failed step
    unfinished_steps: Sequence[str] = ()  # steps started and never finished
    error: str | None = None
    blocked: Sequence[BlockedCheck] = ()


def _run_lines(facts: RunFacts) -> list[str]:
    lines = [f"Run: {facts.run_id} of {facts.job_name}"]
    if facts.weeks:
        lines.append(f"Weeks: {facts.weeks}")
    if facts.launched_by:
        lines.append(f"Launched by: {facts.launched_by}")
    return lines


def _link_lines(run_id: str, environ: Mapping[str, str] | None) -> list[str]:
    link = run_link(run_id, environ)
    return [f"Link: {link}"] if link else [f"(set {WEBSERVER_URL_ENV} for a link to the run)"]


def run_failed(facts: RunFacts, environ: Mapping[str, str] | None = None) -> Alert:
    """The alert for a failed run."""
    subject = f"{SUBJECT_PREFIX} run failed: {facts.job_name}"
    if facts.weeks:
        subject += f", {facts.weeks}"
    lines = _run_lines(facts)
    if facts.failed_steps:
        lines.append(f"Failed: {'; '.join(facts.failed_steps)}")
    elif facts.unfinished_steps:
        lines.append(f"In progress when it stopped: {'; '.join(facts.unfinished_steps)}")
    for blocked in facts.blocked:
        lines.append(f"Check that blocked a week: {blocked.line()}")
    lines.append(f"Error: {first_line(facts.error)}")
    lines += _link_lines(facts.run_id, environ)
    if not (facts.failed_steps or facts.unfinished_steps or facts.blocked):
        lines.insert(1, "The run failed before any step started.")
    return _redacted(Alert(subject, "\n".join(lines)), environ)


def weeks_blocked(facts: RunFacts, environ: Mapping[str, str] | None = None) -> Alert:
    """The alert for a run that succeeded while an ERROR check kept weeks unpublished."""
    checks = ", ".join(f"{b.asset} {b.check}" for b in facts.blocked)
    subject = f"{SUBJECT_PREFIX} check blocked a week: {checks}"
    lines = _run_lines(facts)
    lines += [f"Check that blocked a week: {blocked.line()}" for blocked in facts.blocked]
    lines.append(
        "The weeks named were not published: the previous good data stays, the pull is kept "
        "under raw/_rejected/."
    )
    lines += _link_lines(facts.run_id, environ)
    return _redacted(Alert(subject, "\n".join(lines)), environ)


def finalize_missed(
    monday: dt.date,
    deadline: dt.datetime,
    runs: Iterable[str],
    environ: Mapping[str, str] | None = None,
) -> Alert:
    """The alert for a Monday whose finalize run had not succeeded by its deadline."""
    week = (monday - dt.timedelta(days=7)).isoformat()
    seen = list(runs)
    subject = (
        f"{SUBJECT_PREFIX} Monday run missing: week {week} not finalized by "
        f"{deadline:%H:%M} Asia/Shanghai"
    )
    lines = [
        f"No run of weekly_refresh_job covering the week of {week} has succeeded since "
        f"{monday.isoformat()} 00:00, and the deadline ({deadline:%Y-%m-%d %H:%M} "
        "Asia/Shanghai) has passed.",
        "Runs since the week ended: " + (", ".join(seen) if seen else "none"),
        "Is the daemon running, and is the schedule finalize_previous_week on?",
    ]
    return _redacted(Alert(subject, "\n".join(lines)), environ)


def _redacted(alert: Alert, environ: Mapping[str, str] | None) -> Alert:
    redact = environment_redactor(environ)
    return Alert(redact(alert.subject), redact(alert.body))
