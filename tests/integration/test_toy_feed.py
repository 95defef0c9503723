"""A new feed is one new package plus its staging model: in a copy of the project, a toy
feed is added that way, without editing any existing file, and lands, passes its checks,
and is modelled by dbt end to end; the definitions the UI loads show its asset and checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_ROOT
from tests.conftest import FEED_ENV_VARS

pytestmark = pytest.mark.integration

TOY_FEED = '''
"""A toy feed: a count per thing and day, from a demo source."""

import datetime as dt

import pyarrow as pa

from orchestration.datasets import RawDataset
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.lib.spec import FeedSpec, Source
from orchestration.quality.rules import Rule, non_negative

TOY_COUNTS = RawDataset(
    name="toy_counts",
    description="A count per thing and day.",
    data_fields=(
        pa.field("thing", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("count", pa.float64(), nullable=False),
    ),
    key=("thing", "date"),
    rules=(Rule("non_negative", "Counts are >= 0.", non_negative("count")),),
)


class DemoToyFeed:
    kind = "demo"

    def fetch(self, window):
        days = [window.start + dt.timedelta(days=i) for i in range(7)]
        things = enumerate("ab")
        rows = [{"thing": t, "date": d, "count": float(i)} for i, t in things for d in days]
        return FeedBatch(rows=rows, source_ref="toy")


FEED = FeedSpec(
    name="toy", datasets=(TOY_COUNTS,), choice="TOY_FEED", sources=(Source("demo", DemoToyFeed),)
)
'''
TOY_STAGING = """
-- A count per thing and day, as landed.
select cast(thing as varchar) as thing, cast(date as date) as count_date,
       cast(count as double) as count, cast(week as date) as partition_week
from ({{ landed('toy_counts') }}) as landed
"""
LEFT_OUT = (".git", ".venv", ".tools", ".dagster*", "target", "raw", "warehouse", "reports",
            ".cache", "test-artifacts", "__pycache__", ".pytest_cache", ".ruff_cache")  # fmt: skip


def tracked_files(root: Path) -> dict[str, str]:
    """The project's tracked files (git's list) and their content hashes, under `root`."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()
        for name in listed
        if (root / name).is_file()
    }


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_a_new_feed_is_a_package_and_a_staging_model(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT, project, ignore=shutil.ignore_patterns(*LEFT_OUT))
    before = tracked_files(project)
    (project / "orchestration/feeds/toy").mkdir()
    (project / "orchestration/feeds/toy/__init__.py").write_text(textwrap.dedent(TOY_FEED))
    (project / "dbt_project/models/staging/stg_toy_counts.sql").write_text(TOY_STAGING)

    data = tmp_path / "data"
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(project / "config/dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k not in FEED_ENV_VARS}
    env.update(
        PYTHONPATH=str(project),  # the copy's package, before the installed checkout's
        DAGSTER_HOME=str(home),
        COMPUTE_WEEKLY_RAW_DIR=str(data / "raw"),
        COMPUTE_WEEKLY_WAREHOUSE=str(data / "warehouse" / "warehouse.duckdb"),
        COMPUTE_WEEKLY_REPORTS_DIR=str(data / "reports"),
    )
    bin_dir = Path(sys.executable).parent
    run([sys.executable, "-m", "orchestration.project"], project, env)  # sources, dbt parse

    listed = run([sys.executable, "-c", LIST_DEFINITIONS], project, env).stdout
    definitions = json.loads(listed.strip().splitlines()[-1])
    assert "raw/toy_counts" in definitions["assets"]
    assert "staging/stg_toy_counts" in definitions["assets"]
    assert {"contract", "unique_key", "non_negative"} <= set(
        definitions["checks"]["raw/toy_counts"]
    )
    assert "one_row_per_thing_date" in definitions["checks"]["raw/toy_counts"]

    run(
        [str(bin_dir / "dagster"), "asset", "materialize", "-m", "orchestration", "--select",
         "key:raw/toy_counts or key:staging/stg_toy_counts", "--partition", "2024-12-16"],
        project, env,
    )  # fmt: skip
    assert (data / "raw/toy_counts/week=2024-12-16/data.parquet").exists()
    with duckdb.connect(str(data / "warehouse/warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select thing, count(*), sum(count) from staging.stg_toy_counts group by 1 order by 1"
        ).fetchall()
    assert rows == [("a", 7, 0.0), ("b", 7, 7.0)]
    after = tracked_files(project)
    edited = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    assert edited == [], "no existing file was edited"


LIST_DEFINITIONS = """
import json
from orchestration.definitions import build_definitions
graph = build_definitions().resolve_asset_graph()
checks = {}
for key in graph.asset_check_keys:
    checks.setdefault(key.asset_key.to_user_string(), []).append(key.name)
assets = [key.to_user_string() for key in graph.get_all_asset_keys()]
print(json.dumps({"assets": assets, "checks": checks}))
"""
