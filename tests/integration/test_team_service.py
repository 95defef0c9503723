"""The team deployment as an operator runs it: `make serve` against a fresh PostgreSQL
database starts the code server, the webserver and the daemon as separate processes;
runs submitted through Dagster's GraphQL client are queued and launched by the daemon;
the queue's limit and the warehouse pool of 1 hold; a run killed during its dbt step is
failed and frees the warehouse, a failure alert reaches a local SMTP server and a local
webhook, its automatic re-execution from failure leaves marts equal to a clean run's;
the UI shows the run history from PostgreSQL; Ctrl-C stops every process.

The tests of this module run in order, on one worker, against one service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import psutil
import pytest
from dagster_graphql import DagsterGraphQLClient

from orchestration.run_workers import RUN_ID_ENV, RunWorker, leftovers, worker_of
from orchestration.schedules import refresh_request
from orchestration.settings import PROJECT_ROOT
from tests.alert_sinks import smtp_sink, wait_for, webhook_sink
from tests.browser import ARTIFACTS, NO_CHROMIUM, launched_chromium, open_page
from tests.conftest import FEED_ENV_VARS, Workspace, materialize_range, pipeline_env
from tests.marts import assert_same_marts, mart_rows
from tests.ports import free_port
from tests.postgres import dagster_url, fresh_database

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("team_service")]

POOL = "warehouse"
DBT_STEP = "dbt_models"
# README "Run it for a team": a run whose worker died is failed, and the warehouse freed,
# within this bound (run monitoring polls every 15 s; slots are freed 5 s after a run ends).
DEAD_RUN_BOUND_SECONDS = 45
SERVICE_START_SECONDS = 180
RUN_SECONDS = 300


@dataclass
class TeamService:
    """`make serve`, its process group, and how to reach what it started."""

    process: subprocess.Popen
    url: str
    code_port: int
    home: Path
    workspace: Workspace
    log: Path
    smtp: object
    webhook: object
    submitted: list[str] = field(default_factory=list)

    def client(self) -> DagsterGraphQLClient:
        return DagsterGraphQLClient("127.0.0.1", port_number=int(self.url.rsplit(":", 1)[1]))

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))

    def submit(self, tags: dict[str, str]) -> str:
        run_id = self.client().submit_job_execution("weekly_refresh_job", tags=tags)
        self.submitted.append(run_id)
        return run_id

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def weeks(first: str, last: str | None = None) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last or first,
    }


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def location_loaded(url: str) -> bool:
    try:
        data = graphql(
            url,
            "{ workspaceOrError { ... on Workspace { locationEntries { name "
            "locationOrLoadError { __typename } } } } }",
        )
    except OSError:
        return False
    entries = data["workspaceOrError"]["locationEntries"]
    return any(e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in entries)


def processes_of(make: subprocess.Popen) -> list[psutil.Process]:
    """`make serve` and every process under it (honcho starts each service in a session
    of its own), living."""
    try:
        root = psutil.Process(make.pid)
        found = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    return [p for p in found if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                living.append(process)
        except psutil.NoSuchProcess:
            continue
    return living


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[TeamService]:
    root = tmp_path_factory.mktemp("team")
    workspace = Workspace(root / "data")
    workspace.raw.mkdir(parents=True)
    home = root / "dagster_home"
    log = root / "serve.log"
    with fresh_database() as url, smtp_sink() as smtp, webhook_sink() as webhook:
        port, code_port = free_port(), free_port()
        web = f"http://127.0.0.1:{port}"
        env = {name: value for name, value in os.environ.items() if name not in FEED_ENV_VARS}
        env.update(
            {
                # plain postgresql://: `make` names the psycopg2 driver for Dagster
                "COMPUTE_WEEKLY_PG_URL": url,
                "DAGSTER_WEBSERVER_PORT": str(port),
                "COMPUTE_WEEKLY_CODE_SERVER_PORT": str(code_port),
                "COMPUTE_WEEKLY_RAW_DIR": str(workspace.raw),
                "COMPUTE_WEEKLY_WAREHOUSE": str(workspace.warehouse),
                "COMPUTE_WEEKLY_REPORTS_DIR": str(root / "reports"),
                "COMPUTE_WEEKLY_WEBSERVER_URL": web,
                "COMPUTE_WEEKLY_ALERT_WEBHOOK_URL": webhook.url,
                **smtp.environment("data-team@example.com"),
            }
        )
        with log.open("w") as output:
            process = subprocess.Popen(
                ["make", "serve", f"DAGSTER_HOME={home}"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal gives it
            )
        team = TeamService(process, web, code_port, home, workspace, log, smtp, webhook)
        with pytest.MonkeyPatch.context() as patch:
            # This process opens the same instance, with the driver named.
            patch.setenv("COMPUTE_WEEKLY_PG_URL", dagster_url(url))
            try:
                wait_for(
                    lambda: process.poll() is not None or location_loaded(web),
                    SERVICE_START_SECONDS,
                    "the webserver serving the loaded code location",
                )
                assert process.poll() is None, f"make serve exited:\n{team.log_tail()}"
                yield team
            finally:
                started = processes_of(process)
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGINT)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=60)
                for leftover in alive(started):
                    leftover.kill()


def wait_for_run(instance: dg.DagsterInstance, run_id: str, seconds: float = RUN_SECONDS):
    def finished():
        run = instance.get_run_by_id(run_id)
        return run if run is not None and run.is_finished else None

    return wait_for(finished, seconds, f"run {run_id} finished")


def step_interval(instance: dg.DagsterInstance, run_id: str, step: str) -> tuple[float, float]:
    events = [
        entry
        for entry in instance.all_logs(
            run_id,
            of_type={
                dg.DagsterEventType.STEP_START,
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            },
        )
        if entry.step_key == step
    ]
    assert len(events) == 2, events
    return events[0].timestamp, events[1].timestamp


def test_the_three_processes_run_and_the_daemon_launches_the_weekly_job(service):
    names = " ".join(" ".join(p.cmdline()) for p in processes_of(service.process))
    for command in ("dagster code-server start", "dagster-webserver", "dagster-daemon run"):
        assert command in names, f"{command} is not running:\n{service.log_tail()}"

    started = subprocess.run(
        [str(PROJECT_ROOT / ".venv/bin/dagster"), "schedule", "start", "--start-all",
         "-w", "deploy/workspace.yaml"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(service.home),
             "COMPUTE_WEEKLY_CODE_SERVER_HOST": "127.0.0.1",
             "COMPUTE_WEEKLY_CODE_SERVER_PORT": str(service.code_port)},
        capture_output=True, text=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    schedules = graphql(
        service.url,
        '{ schedulesOrError(repositorySelector: {repositoryLocationName: "orchestration", '
        'repositoryName: "__repository__"}) { ... on Schedules { results { name '
        "scheduleState { status } } } } }",
    )["schedulesOrError"]["results"]
    assert {s["name"]: s["scheduleState"]["status"] for s in schedules} == {
        "finalize_previous_week": "RUNNING",
        "refresh_week_in_progress": "RUNNING",
    }

    # What refresh_week_in_progress requests at 06:00 on Wednesday 2024-12-18, submitted
    # through the GraphQL client: queued, then launched by the daemon.
    request = refresh_request(dt.datetime(2024, 12, 18, 6, tzinfo=ZoneInfo("Asia/Shanghai")))
    run_id = service.submit({"dagster/partition": request.partition_key, **request.tags})
    with service.instance() as instance:
        run = wait_for_run(instance, run_id)
        assert run.status == dg.DagsterRunStatus.SUCCESS, service.log_tail()
        assert worker_of(run).pid != service.process.pid
    assert service.workspace.warehouse.exists()


def test_runs_wait_in_the_queue_and_for_the_warehouse(service):
    run_ids = [service.submit(weeks(week)) for week in ("2024-12-02", "2024-12-09", "2024-12-16")]
    with service.instance() as instance:
        runs = [wait_for_run(instance, run_id) for run_id in run_ids]
        assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS] * 3
        records = instance.get_run_records(filters=dg.RunsFilter(run_ids=run_ids))
        spans = sorted((r.start_time, r.end_time) for r in records)
        dbt = sorted(step_interval(instance, run_id, DBT_STEP) for run_id in run_ids)
    # The queue admits two runs at a time: never three in progress, but two at once.
    moments = sorted({start for start, _ in spans})
    in_progress = [sum(start <= t < end for start, end in spans) for t in moments]
    assert max(in_progress) == 2, spans
    # The warehouse pool admits one dbt step at a time.
    for (_, end), (start, _) in zip(dbt, dbt[1:], strict=False):
        assert end <= start, dbt


def test_a_run_killed_during_dbt_is_failed_frees_the_warehouse_alerts_and_is_rerun(
    service, tmp_path
):
    with service.instance() as instance:
        run_id = service.submit(weeks("2024-12-16"))
        wait_for(
            lambda: any(
                e.step_key == DBT_STEP
                for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
            ),
            RUN_SECONDS,
            "the dbt step started",
        )
        wait_for(lambda: run_id in leftovers(), 60, "dbt running for the run")
        worker = worker_of(instance.get_run_by_id(run_id))
        assert worker is not None and worker.host == RunWorker.current().host
        os.kill(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()

        run = wait_for_run(instance, run_id, DEAD_RUN_BOUND_SECONDS)
        assert run.status == dg.DagsterRunStatus.FAILURE
        wait_for(
            lambda: not instance.event_log_storage.get_concurrency_info(POOL).claimed_slots,
            DEAD_RUN_BOUND_SECONDS - (time.monotonic() - killed_at),
            "the warehouse slot freed",
        )

        # Alerted, by email and on the webhook, naming the run, where it stopped and why.
        wait_for(lambda: service.smtp.messages and service.webhook.posts, 90, "the alert")
        (message,) = [m for m in service.smtp.messages if run_id in m.get_content()]
        body = message.get_content()
        assert message["Subject"] == "[compute-weekly] run failed: weekly_refresh_job, 2024-12-16"
        assert f"In progress when it stopped: {DBT_STEP}" in body
        assert "signal 9" in body
        assert f"Link: {service.url}/runs/{run_id}" in body
        assert any(run_id in post["text"] for post in service.webhook.posts)

        # Run retries re-execute it from failure: the raw weeks it published stay, dbt and
        # the report run again, and what the dead run's dbt left running is stopped.
        retry_id = wait_for(
            lambda: next(
                (
                    r.run_id
                    for r in instance.get_runs(
                        filters=dg.RunsFilter(tags={"dagster/parent_run_id": run_id})
                    )
                ),
                None,
            ),
            90,
            "the re-execution",
        )
        retry = wait_for_run(instance, retry_id)
        assert retry.status == dg.DagsterRunStatus.SUCCESS, service.log_tail()
        assert retry.tags["dagster/retry_number"] == "1"
        executed = {
            e.step_key for e in instance.all_logs(retry_id, of_type=dg.DagsterEventType.STEP_START)
        }
        assert executed == {DBT_STEP, "reports__weekly_report"}
        assert run_id not in leftovers(), f"the dead run's dbt still runs ({RUN_ID_ENV})"

    # The marts equal those of one clean run over the same weeks.
    clean = Workspace(tmp_path / "clean")
    with pipeline_env(clean):
        assert materialize_range("2024-12-02", "2024-12-16").success
    assert_same_marts(mart_rows(service.workspace.warehouse), mart_rows(clean.warehouse))


@NO_CHROMIUM
def test_the_ui_shows_the_run_history_read_from_postgres(service):
    for browser in launched_chromium():
        page = open_page(browser, f"{service.url}/runs")
        page.wait_for_selector(f"text={service.submitted[0][:8]}", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "team_service_runs.png"), full_page=True)
        text = page.inner_text("body")
    missing = [run_id for run_id in service.submitted if run_id[:8] not in text]
    assert missing == []


def test_ctrl_c_stops_every_process(service):
    started = processes_of(service.process)
    assert len(started) >= 5, "make, honcho and the three services"
    os.killpg(service.process.pid, signal.SIGINT)  # what Ctrl-C in its terminal sends
    service.process.wait(timeout=60)
    wait_for(lambda: not alive(started), 30, "every process of make serve stopped")
