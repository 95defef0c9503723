"""The project's Dagster instance settings (config/dagster.yaml, copied into .dagster/)."""

from __future__ import annotations

from tests.conftest import project_instance


def test_the_warehouse_pool_admits_one_writer_at_a_time(tmp_path):
    with project_instance(tmp_path) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
