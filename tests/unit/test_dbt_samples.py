"""Which columns a failed dbt test's sample shows: the failing rows' keys and the values
tested (`orchestration.assets.dbt.sample_columns`)."""

from __future__ import annotations

from orchestration.assets.dbt import model_keys, sample_columns


def generic(kind: str, node: str = "model.p.m", **kwargs) -> dict:
    return {
        "resource_type": "test",
        "test_metadata": {"name": kind, "kwargs": kwargs},
        "attached_node": node,
        "depends_on": {"nodes": [node]},
    }


MANIFEST = {
    "nodes": {
        "test.p.keys": generic("unique_combination_of_columns", combination=["symbol", "day"]),
        "test.p.null": generic("not_null", column_name="cap"),
        "test.p.expr": generic("expression_is_true", expression="currency = listing_ccy"),
        "test.p.none": generic("expression_is_true", expression="1 = 1"),
        "test.p.id": generic("unique", "model.p.events", column_name="event_id"),
        "test.p.event": generic("not_null", "model.p.events", column_name="vendor"),
        "model.p.m": {"resource_type": "model"},
    }
}
ROW = ["symbol", "company", "day", "currency", "listing_ccy", "cap"]


def test_a_models_keys_are_its_one_row_per_columns_else_its_unique_column():
    assert model_keys(MANIFEST, "model.p.m") == ["symbol", "day"]
    assert model_keys(MANIFEST, "model.p.events") == ["event_id"]
    assert model_keys(MANIFEST, "model.p.other") == []


def test_a_sample_shows_the_keys_and_the_values_tested():
    assert sample_columns(MANIFEST, "test.p.null", ROW) == ["symbol", "day", "cap"]
    assert sample_columns(MANIFEST, "test.p.expr", ROW) == [
        "symbol", "day", "currency", "listing_ccy",
    ]  # fmt: skip
    assert sample_columns(MANIFEST, "test.p.event", ["vendor", "event_id", "url"]) == [
        "event_id", "vendor",
    ]  # fmt: skip


def test_a_sample_shows_every_column_keys_first_when_it_names_none_or_is_no_row():
    assert sample_columns(MANIFEST, "test.p.none", ROW) == [
        "symbol", "day", "company", "currency", "listing_ccy", "cap",
    ]  # fmt: skip
    counted = ["symbol", "day", "occurrences"]  # one row per duplicated key
    assert sample_columns(MANIFEST, "test.p.keys", counted) == counted
    assert sample_columns(MANIFEST, "test.p.null", ["cap"]) == ["cap"]  # dbt's bare column
