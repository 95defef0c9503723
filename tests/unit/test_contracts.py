"""The dbt sources are the landing contracts: written from the datasets' declarations,
they give dbt every dataset with its columns, types, key test and files (read back from
the manifest dbt parsed)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
import yaml

from orchestration.datasets import RawDataset
from orchestration.dbt_sources import SOURCES_FILE, landed_files, sources_text, write_sources
from orchestration.feeds import raw_datasets
from orchestration.project import dbt_project

DUCKDB_TYPE = {
    pa.string(): "varchar",
    pa.float64(): "double",
    pa.date32(): "date",
    pa.bool_(): "boolean",
    pa.timestamp("us", tz="UTC"): "timestamp with time zone",
}


def parsed_sources() -> dict[str, dict]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {
        node["name"]: node for node in manifest["sources"].values() if node["source_name"] == "raw"
    }


@pytest.mark.parametrize("dataset", raw_datasets(), ids=lambda d: d.name)
def test_dbt_parsed_each_dataset_with_its_landed_columns(dataset: RawDataset):
    expected = [(field.name, DUCKDB_TYPE[field.type]) for field in dataset.schema]
    if dataset.partitioned:
        expected.append(("week", "date"))  # from the week=YYYY-MM-DD folder
    source = parsed_sources()[dataset.name]
    assert [(c["name"], c["data_type"]) for c in source["columns"].values()] == expected
    assert source["config"]["landed_files"].endswith(
        f"/{dataset.name}/*/data.parquet"
        if dataset.partitioned
        else f"/{dataset.name}/data.parquet"
    )


def test_every_source_is_a_landed_dataset_with_its_key_unique():
    document = yaml.safe_load(SOURCES_FILE.read_text())
    [raw] = document["sources"]
    assert [table["name"] for table in raw["tables"]] == [d.name for d in raw_datasets()]
    keys = {
        table["name"]: table["data_tests"][0]["unique_combination_of_columns"]["arguments"]
        for table in raw["tables"]
    }
    assert keys == {d.name: {"combination": list(d.key)} for d in raw_datasets()}


def test_the_sources_file_is_rewritten_only_when_a_declaration_changes(tmp_path):
    path = tmp_path / "sources.yml"
    assert write_sources(path) and path.read_text() == sources_text()
    assert not write_sources(path), "unchanged: kept, with its modification time"
    path.write_text("edited by hand\n")
    assert write_sources(path) and path.read_text() == sources_text()


def test_the_landing_zone_is_read_from_the_environment_when_dbt_parses():
    (dataset, *_) = raw_datasets()
    assert landed_files(dataset).startswith("{{ env_var('COMPUTE_WEEKLY_RAW_DIR', '../raw') }}/")


def test_a_column_description_reaches_dbt_and_never_the_landed_schema():
    dataset = next(d for d in raw_datasets() if d.name == "gpu_prices")
    described = parsed_sources()["gpu_prices"]["columns"]
    assert described["price"]["description"] == "in currency units (not cents)"
    assert described["currency"]["description"] == ""
    assert dataset.column_descriptions["price_since"] == "the day the price was set"
    assert all(field.metadata is None for field in dataset.schema)
    assert dataset.schema.field("price_since").nullable
    assert not dataset.schema.field("price").nullable
