"""An analyst reading the warehouse never makes a run fail, and never sees half a build."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import copy_of, materialize_range, pipeline_env

pytestmark = pytest.mark.integration

READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb

    path, stop, out, mode = sys.argv[1:5]
    QUERY = '''
        select
            (select max(as_of_date) from marts.stock_performance),
            (select max(week_start) from marts.sector_performance_weekly),
            (select count(*) from marts.web_traffic_weekly)
    '''
    # "hold": one connection open for the whole run, like a SQL client left open;
    # "fresh": a new connection for every query, like a script run again and again.
    held = duckdb.connect(path, read_only=True) if mode == "hold" else None
    seen, errors, rounds = [], [], 0
    open(out + ".ready", "w").close()
    while not os.path.exists(stop):
        rounds += 1
        try:
            con = held or duckdb.connect(path, read_only=True)
            seen.append([str(value) for value in con.execute(QUERY).fetchone()])
            if held is None:
                con.close()
        except Exception as exc:  # every failure is recorded, none tolerated
            errors.append(repr(exc))
        time.sleep(0.02)
    json.dump({"seen": seen, "errors": errors, "rounds": rounds}, open(out, "w"))
    """
)


def snapshot(workspace) -> list[str]:
    import duckdb

    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        row = con.execute(
            "select (select max(as_of_date) from marts.stock_performance), "
            "(select max(week_start) from marts.sector_performance_weekly), "
            "(select count(*) from marts.web_traffic_weekly)"
        ).fetchone()
    return [str(value) for value in row]


def test_a_run_while_an_analyst_queries_in_a_loop(two_weeks, tmp_path):
    workspace = copy_of(two_weeks, tmp_path)
    before = snapshot(workspace)
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(workspace.warehouse),
                str(stop),
                str(tmp_path / f"{mode}.json"),
                mode,
            ]
        )  # fmt: skip
        for mode in ("hold", "fresh")
    }
    try:
        deadline = time.monotonic() + 30
        while not all((tmp_path / f"{mode}.json.ready").exists() for mode in readers):
            assert time.monotonic() < deadline, "the readers did not start"
            time.sleep(0.05)
        with pipeline_env(workspace):
            result = materialize_range("2024-12-23", "2024-12-23")
        time.sleep(0.5)  # a few reads after the publish
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    assert result.success, "the run never waits on or fails because of the readers"
    after = snapshot(workspace)
    assert after != before and after[0] == "2024-12-27"
    held, fresh = (json.loads((tmp_path / f"{m}.json").read_text()) for m in ("hold", "fresh"))
    assert held["errors"] == fresh["errors"] == []
    assert held["rounds"] > 10 and fresh["rounds"] > 10
    assert {tuple(row) for row in held["seen"]} == {tuple(before)}, (
        "an open connection keeps its snapshot"
    )
    seen = [tuple(row) for row in fresh["seen"]]
    assert set(seen) == {tuple(before), tuple(after)}, "old, then new, never a mix"
    assert seen.index(tuple(after)) > 0 and tuple(before) not in seen[seen.index(tuple(after)) :]
