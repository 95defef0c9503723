"""The project's Dagster instance settings (config/dagster.yaml, copied into .dagster/)."""

from __future__ import annotations

from orchestration.settings import PROJECT_ROOT
from tests.conftest import project_instance


def test_the_warehouse_pool_admits_one_writer_at_a_time(tmp_path):
    with project_instance(tmp_path) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_the_makefile_sets_the_project_instance_for_every_command():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "export DAGSTER_HOME := $(CURDIR)/.dagster" in makefile
    assert "cp config/dagster.yaml $@" in makefile
