"""The project's Dagster instance settings (config/dagster.yaml, copied into .dagster/)."""

from __future__ import annotations

import shutil

import dagster as dg

from orchestration.settings import PROJECT_ROOT


def test_the_warehouse_pool_admits_one_writer_at_a_time(tmp_path):
    shutil.copy(PROJECT_ROOT / "config" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_the_makefile_sets_the_project_instance_for_every_command():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "export DAGSTER_HOME := $(CURDIR)/.dagster" in makefile
    assert "cp config/dagster.yaml $@" in makefile
