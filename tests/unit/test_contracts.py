"""The landing contracts in Python and the dbt sources declare the same columns and types."""

from __future__ import annotations

import pyarrow as pa
import pytest
import yaml

from orchestration.datasets import RAW_DATASETS, RawDataset
from orchestration.settings import DBT_PROJECT_DIR

DUCKDB_TYPE = {
    pa.string(): "varchar",
    pa.float64(): "double",
    pa.date32(): "date",
    pa.bool_(): "boolean",
    pa.timestamp("us", tz="UTC"): "timestamp with time zone",
}


def declared_sources() -> dict[str, list[tuple[str, str]]]:
    document = yaml.safe_load((DBT_PROJECT_DIR / "models" / "sources.yml").read_text())
    [raw] = [source for source in document["sources"] if source["name"] == "raw"]
    return {
        table["name"]: [(column["name"], column["data_type"]) for column in table["columns"]]
        for table in raw["tables"]
    }


@pytest.mark.parametrize("dataset", RAW_DATASETS, ids=lambda d: d.name)
def test_sources_yml_declares_the_landed_columns(dataset: RawDataset):
    expected = [(field.name, DUCKDB_TYPE[field.type]) for field in dataset.schema]
    if dataset.partitioned:
        expected.append(("week", "date"))  # from the week=YYYY-MM-DD folder
    assert declared_sources()[dataset.name] == expected


def test_every_source_is_a_landed_dataset():
    assert set(declared_sources()) == {dataset.name for dataset in RAW_DATASETS}
