"""The landing zone and the published warehouse on S3-compatible object storage (a real
SeaweedFS server on loopback, `benchmarks/seaweedfs.py`): the same marts as on disk, the
same layout, builds kept and opened by name, and runs that fail clearly (wrong key,
missing bucket, the server gone mid-run) leaving nothing half-written and the previous
week and build readable."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import s3fs

from benchmarks.seaweedfs import S3Server, SeaweedUnavailable
from orchestration import published_builds, settings
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.partitions import DateWindow
from orchestration.settings import (
    CACHE_DIR_ENV,
    PROJECT_ROOT,
    RAW_DIR_ENV,
    REPORTS_DIR_ENV,
    WAREHOUSE_ENV,
)
from tests.conftest import FEED_ENV_VARS, Tampered, failure_text, materialize_range

# The tests comparing with the demo's year on disk join its worker (tests/conftest.py).
pytestmark = pytest.mark.integration

BUCKET = "lake"
RAW = f"s3://{BUCKET}/raw"
WAREHOUSE = f"s3://{BUCKET}/warehouse"
NO_REPORTS = 'not key:"reports/weekly_report"'


@dataclass
class S3Year:
    server: S3Server
    folder: Path

    def client(self) -> s3fs.S3FileSystem:
        env = self.server.env()
        return s3fs.S3FileSystem(
            key=env["AWS_ACCESS_KEY_ID"],
            secret=env["AWS_SECRET_ACCESS_KEY"],
            client_kwargs={"endpoint_url": self.server.endpoint, "region_name": "us-east-1"},
            use_listings_cache=False,
            skip_instance_cache=True,
        )

    def etags(self, prefix: str) -> dict[str, str]:
        """Every object under `prefix` with its ETag (what changes when it is rewritten)."""
        found = self.client().find(prefix, detail=True)
        return {key: info["ETag"] for key, info in found.items()}


@contextmanager
def s3_pipeline_env(server: S3Server, folder: Path, **overrides: str) -> Iterator[None]:
    """The pipeline's landing zone and warehouse on `server`, its cache and reports in
    `folder`, no feed variables, and `overrides` (AWS variables, locations) on top."""
    values = {
        **server.env(),
        RAW_DIR_ENV: RAW,
        WAREHOUSE_ENV: WAREHOUSE,
        CACHE_DIR_ENV: str(folder / "cache"),
        REPORTS_DIR_ENV: str(folder / "reports"),
        **overrides,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in FEED_ENV_VARS:
            patch.delenv(name, raising=False)
        for name, value in values.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def s3_year(tmp_path_factory: pytest.TempPathFactory, demo_year) -> Iterator[S3Year]:
    """(It asks for `demo_year`, which its tests compare with, so that every test of it
    runs on the worker that builds the demo's year: tests/conftest.py groups them.)

    The demo's year (2023-12-25 to 2024-12-16) backfilled in one run with the landing
    zone and the warehouse on a local S3 server; its reports are left out (they read the
    warehouse, wherever it is: `test_a_report_is_made_again_from_the_build...`)."""
    folder = tmp_path_factory.mktemp("s3")
    server = S3Server(folder / "server")
    try:
        try:
            server.start()
        except SeaweedUnavailable as exc:
            pytest.fail(f"the local S3 server is part of the dev dependencies: {exc}")
        server.make_bucket(BUCKET)
        with s3_pipeline_env(server, folder):
            result = materialize_range("2023-12-25", "2024-12-16", selection=NO_REPORTS)
        assert result.success, failure_text(result)
        yield S3Year(server, folder)
    finally:
        server.remove()


def relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema],
        ).fetchall()
    ]


def differing_rows(con: duckdb.DuckDBPyConnection, relation: str, exclude: str = "") -> int:
    """Rows of `relation` in one warehouse without an equal row in the other, either way:
    rows are matched on their columns that are not doubles, and doubles must agree to a
    relative 1e-9 (a sum's last digits depend on the order DuckDB's threads add in, on any
    disk)."""
    described = con.execute(f"describe select * from disk.{relation}").fetchall()
    skip = set(exclude.split(","))
    exact = [name for name, kind, *_ in described if kind != "DOUBLE" and name not in skip]
    doubles = [name for name, kind, *_ in described if kind == "DOUBLE" and name not in skip]
    on = " and ".join(f'a."{n}" is not distinct from b."{n}"' for n in exact) or "true"
    close = (
        " and ".join(
            f'(a."{n}" is not distinct from b."{n}" or abs(a."{n}" - b."{n}") '
            f'<= 1e-9 * greatest(1, abs(b."{n}")))'
            for n in doubles
        )
        or "true"
    )
    counts = con.execute(
        f"select count(*) filter (where a_row is null or b_row is null or not ({close})), "
        f"(select count(*) from s3build.{relation}), (select count(*) from disk.{relation}) "
        f"from (select *, true as a_row from s3build.{relation}) as a "
        f"full outer join (select *, true as b_row from disk.{relation}) as b on {on}"
    ).fetchone()
    unmatched, rows_a, rows_b = counts
    return unmatched + abs(rows_a - rows_b)


def test_the_year_on_object_storage_builds_the_marts_of_the_year_on_disk(s3_year, demo_year):
    with s3_pipeline_env(s3_year.server, s3_year.folder):
        build = published_builds.readable_warehouse()
    con = duckdb.connect()
    con.execute(f"attach '{build}' as s3build (read_only)")
    con.execute(f"attach '{demo_year.warehouse}' as disk (read_only)")
    marts = relations(con, "marts")
    assert "stock_performance" in marts and len(marts) >= 8
    for mart in marts:
        rows = con.execute(f"select count(*) from s3build.marts.{mart}").fetchone()[0]
        assert rows > 0, mart
        assert differing_rows(con, f"marts.{mart}") == 0, mart
    for model in relations(con, "staging"):  # fetched_at: when each run fetched
        assert differing_rows(con, f"staging.{model}", exclude="fetched_at") == 0, model


def test_the_landing_zone_on_object_storage_has_the_layout_on_disk(s3_year, demo_year):
    on_s3 = {key.removeprefix(f"{BUCKET}/raw/") for key in s3_year.etags(f"{BUCKET}/raw")}
    on_disk = {
        str(path.relative_to(demo_year.raw))
        for path in demo_year.raw.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    assert on_s3 == on_disk
    assert "market_bars/week=2024-12-16/data.parquet" in on_s3
    assert not [key for key in on_s3 if ".tmp" in key]  # no temporary object, ever


def test_a_build_is_fetched_once_and_any_kept_build_opens_by_name(s3_year, tmp_path):
    with s3_pipeline_env(s3_year.server, s3_year.folder, **{CACHE_DIR_ENV: str(tmp_path)}):
        prefix = settings.warehouse_prefix()
        names = published_builds.list_builds(prefix)
        latest = published_builds.latest_build(prefix)
        assert latest == names[-1]
        first = published_builds.readable_warehouse()
        stamp = first.stat().st_mtime_ns
        assert published_builds.readable_warehouse() == first  # cached, not fetched again
        assert first.stat().st_mtime_ns == stamp
        assert published_builds.readable_warehouse(names[0]).is_file()
        printed = subprocess.run(
            [sys.executable, "-m", "orchestration.published_builds", "path"],
            capture_output=True, text=True, check=True, env=dict(os.environ),
        ).stdout.strip()  # fmt: skip
        with pytest.raises(FileNotFoundError, match="no build '20000101T000000Z-gone'"):
            published_builds.readable_warehouse("20000101T000000Z-gone")
    assert printed == str(first)
    assert first.is_relative_to(tmp_path) and first.name == "warehouse.duckdb"
    with duckdb.connect(str(first), read_only=True) as con:
        assert con.execute("select count(*) from marts.stock_performance").fetchone()[0] > 0


def test_a_report_is_made_again_from_the_build_it_was_made_from(s3_year, tmp_path):
    with s3_pipeline_env(s3_year.server, s3_year.folder, **{CACHE_DIR_ENV: str(tmp_path)}):
        name = published_builds.latest_build(settings.warehouse_prefix())
        done = subprocess.run(
            [sys.executable, "-m", "orchestration.report", "--as-of", "2024-12-18",
             "--out", str(tmp_path / "reports"), "--build", name],
            capture_output=True, text=True, env=dict(os.environ), cwd=PROJECT_ROOT,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "reports").rglob("*.html"))


def test_reports_on_object_storage_are_the_files_made_on_disk(s3_year, tmp_path):
    """`--out` (or COMPUTE_WEEKLY_REPORTS_DIR) as an s3:// prefix: the page and its charts
    land as objects, byte for byte what the same build renders into a local folder; a
    missing bucket fails naming it."""

    def report(out: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "orchestration.report", "--as-of", "2024-12-18",
             "--out", out],
            capture_output=True, text=True, env=dict(os.environ), cwd=PROJECT_ROOT,
        )  # fmt: skip

    with s3_pipeline_env(s3_year.server, s3_year.folder, **{CACHE_DIR_ENV: str(tmp_path)}):
        on_disk = report(str(tmp_path / "reports"))
        on_s3 = report(f"s3://{BUCKET}/reports")
        no_bucket = report("s3://no-reports-bucket/reports")
    assert on_disk.returncode == 0, on_disk.stderr
    assert on_s3.returncode == 0, on_s3.stderr
    local = {
        path.relative_to(tmp_path / "reports").as_posix(): path.read_bytes()
        for path in (tmp_path / "reports").rglob("*")
        if path.is_file()
    }
    assert "weekly-report-2024-12-18.html" in local and len(local) == 7  # the page, 6 charts
    client = s3_year.client()
    stored = {
        key.removeprefix(f"{BUCKET}/reports/"): client.cat_file(key)
        for key in client.find(f"{BUCKET}/reports")
    }
    assert stored == local
    assert set(on_s3.stdout.split()) == {f"s3://{BUCKET}/reports/{name}" for name in local}
    assert no_bucket.returncode == 1
    assert "checking the bucket of the weekly reports failed" in no_bucket.stderr
    assert "bucket 'no-reports-bucket'" in no_bucket.stderr


def failure_messages(result) -> str:
    """The error messages of the run's failed steps, as the UI shows them."""
    return "\n".join(
        event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error is not None
    )


def state_of(s3_year: S3Year) -> tuple[dict[str, str], str | None]:
    """The landing zone's objects and the build the pointer names."""
    with s3_pipeline_env(s3_year.server, s3_year.folder):
        latest = published_builds.latest_build(settings.warehouse_prefix())
    return s3_year.etags(f"{BUCKET}/raw"), latest


def assert_previous_build_readable(s3_year: S3Year, latest: str, folder: Path) -> None:
    with s3_pipeline_env(s3_year.server, s3_year.folder, **{CACHE_DIR_ENV: str(folder)}):
        build = published_builds.readable_warehouse()
    assert build.parent.name == latest
    with duckdb.connect(str(build), read_only=True) as con:
        weeks = con.execute("select max(week_start) from marts.sector_performance_weekly")
        assert weeks.fetchone()[0] == dt.date(2024, 12, 16)


def test_wrong_credentials_fail_the_run_naming_the_bucket_and_change_nothing(s3_year, tmp_path):
    objects, latest = state_of(s3_year)
    wrong = "not-the-secret-0123456789"
    with s3_pipeline_env(s3_year.server, tmp_path, AWS_SECRET_ACCESS_KEY=wrong):
        result = materialize_range("2024-12-16", "2024-12-16")
    assert not result.success
    text = failure_messages(result)
    assert f"bucket {BUCKET!r}" in text and "checking the bucket of the landing zone" in text
    assert "AWS_SECRET_ACCESS_KEY" in text and wrong not in text
    assert s3_year.server.secret_key not in text
    assert state_of(s3_year) == (objects, latest)
    assert_previous_build_readable(s3_year, latest, tmp_path / "reader")


def test_a_missing_bucket_fails_the_run_naming_it(s3_year, tmp_path):
    with s3_pipeline_env(s3_year.server, tmp_path, **{RAW_DIR_ENV: "s3://no-such-bucket/raw"}):
        result = materialize_range("2024-12-16", "2024-12-16")
    assert not result.success
    text = failure_messages(result)
    assert "bucket 'no-such-bucket'" in text and "does not exist" in text.lower()


def test_the_server_gone_mid_run_fails_it_and_leaves_every_object_whole(s3_year, tmp_path):
    objects, latest = state_of(s3_year)
    server = s3_year.server

    class StopsTheServer(Tampered):
        """The demo's market feed, whose second week's fetch takes the server away."""

        def fetch(self, window: DateWindow) -> FeedBatch:
            batch = self.feed.fetch(window)
            if window.start >= dt.date(2024, 12, 16):
                server.stop()
            return batch

    feed = StopsTheServer(DemoMarketFeed(), lambda batch: None)
    try:
        with s3_pipeline_env(server, tmp_path):
            result = materialize_range("2024-12-09", "2024-12-16", resources={"market_feed": feed})
    finally:
        server.start()
    assert not result.success
    text = failure_messages(result)
    assert f"bucket {BUCKET!r}" in text and "raw/market_bars/week=2024-12-" in text
    assert "is the server at" in text
    after, latest_after = state_of(s3_year)
    assert latest_after == latest  # the dbt step never ran: no build was published
    assert set(after) == set(objects)  # no object added (no temporary, nothing partial)
    # The market week the server went away in is as it was; what the run rewrote before
    # (the steps before, the market week before) is whole: a new version, readable.
    stopped_in = f"{BUCKET}/raw/market_bars/week=2024-12-16/data.parquet"
    assert after[stopped_in] == objects[stopped_in]
    rewritten = [key for key, etag in after.items() if etag != objects[key]]
    assert rewritten, "the steps before the market's ran and landed their weeks"
    for key in rewritten:
        assert "week=2024-12-09" in key or "week=2024-12-16" in key, key
        if key.endswith(".parquet"):
            with s3_year.client().open(key, "rb") as handle:
                assert pq.read_table(handle).num_rows >= 0
    assert_previous_build_readable(s3_year, latest, tmp_path / "reader")


def test_the_local_server_leaves_nothing_in_tmp(tmp_path):
    """weed puts its logs and sockets in the temporary folder: its own, removed after.
    (Other tests' servers may come and go meanwhile: only this server's files count.)"""
    import tempfile

    from benchmarks.seaweedfs import s3_server

    tmp = Path(tempfile.gettempdir())
    before = set(tmp.iterdir())
    with s3_server(tmp_path / "server") as server:
        server.make_bucket("scratch")
        scratch = server.scratch
        assert scratch is not None and scratch.parent == tmp
    assert not scratch.exists()
    left = {path.name for path in set(tmp.iterdir()) - before}
    ports = {str(port) for port in server.ports.values()}
    assert not [
        name for name in left if name == scratch.name or ports & set(re.findall(r"\d+", name))
    ]
