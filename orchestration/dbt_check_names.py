"""Readable names and descriptions for the dbt tests Dagster shows as asset checks.

dagster-dbt names a test's check, and its results, by the test's `name` in dbt's
manifest; `readable_manifest` gives Dagster the manifest with these names and
descriptions (dbt's own files, and the tests' unique ids, stay as dbt wrote them).

dbt names a generic test from its arguments (`accepted_range_stock_performance_market_cap_
100m__False__0`), which the UI cuts to `accepted_rang…00m__False__0`: two tests of one
model become indistinguishable. A check is shown on its model's page, so its name need
not repeat the model: it says the column and what is checked (`market_cap_100m_in_range`,
`one_row_per_symbol_as_of_date`), and its description says it in a sentence, with the
bounds, values or expression and the severity. Names are unique per model (a suffix where
two tests would share one); a test dbt knows nothing of (a singular test) keeps its name.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OPERATORS = (
    ("<=", "le"), (">=", "ge"), ("<>", "ne"), ("!=", "ne"), ("<", "lt"), (">", "gt"), ("=", "eq"),
)  # fmt: skip


def _slug(text: str, limit: int = 60) -> str:
    for operator, word in OPERATORS:
        text = text.replace(operator, f" {word} ")
    words = re.sub(r"[^A-Za-z0-9]+", "_", text)
    return re.sub(r"_+", "_", words).strip("_")[:limit].strip("_").lower()


def _referenced(expression: str) -> str:
    """`ref('watchlist')` or `source('raw', 'fx_rates')` -> the model or table's name."""
    names = re.findall(r"['\"]([^'\"]+)['\"]", expression)
    return names[-1] if names else _slug(expression)


def _parts(test: Mapping[str, Any]) -> tuple[str | None, dict[str, Any], str | None]:
    meta = test.get("test_metadata") or {}
    kwargs = dict(meta.get("kwargs") or {})
    return meta.get("name"), kwargs, kwargs.get("column_name") or test.get("column_name")


def check_name(test: Mapping[str, Any]) -> str:
    """The readable name of one test node of dbt's manifest."""
    kind, kwargs, column = _parts(test)
    if kind in ("not_null", "unique") and column:
        name = f"{column}_{kind}"
    elif kind == "accepted_range" and column:
        name = f"{column}_in_range"
    elif kind == "accepted_values" and column:
        name = f"{column}_accepted_values"
    elif kind == "relationships" and column:
        name = f"{column}_in_{_referenced(str(kwargs.get('to', '')))}"
    elif kind == "recency" and column:
        name = f"{column}_recent"
    elif kind == "unique_combination_of_columns":
        name = "one_row_per_" + "_".join(kwargs.get("combination") or [])
    elif kind == "expression_is_true":
        name = "holds_" + _slug(str(kwargs.get("expression", "")), limit=48)
    else:
        return str(test["name"])
    return _slug(name, limit=100)


def _bounds(kwargs: Mapping[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    strict = kwargs.get("inclusive") is False
    if low is not None and high is not None:
        return f"{'strictly ' if strict else ''}between {low} and {high}"
    if low is not None:
        return f"{'>' if strict else '>='} {low}"
    return f"{'<' if strict else '<='} {high}"


def check_description(test: Mapping[str, Any]) -> str:
    """What one test checks, in a sentence, with its severity."""
    kind, kwargs, column = _parts(test)
    if kind == "not_null":
        what = f"`{column}` is never NULL."
    elif kind == "unique":
        what = f"`{column}` is unique."
    elif kind == "accepted_range":
        what = f"`{column}` is {_bounds(kwargs)} (NULLs pass)."
    elif kind == "accepted_values":
        values = ", ".join(str(value) for value in kwargs.get("values") or [])
        what = f"`{column}` is one of: {values}."
    elif kind == "relationships":
        to, field = _referenced(str(kwargs.get("to", ""))), kwargs.get("field")
        what = f"Every `{column}` is a `{field}` of `{to}`."
    elif kind == "recency":
        what = (
            f"`{column}` reaches within {kwargs.get('max_lag_days')} days of "
            f"{kwargs.get('reference')}."
        )
    elif kind == "unique_combination_of_columns":
        what = f"One row per ({', '.join(kwargs.get('combination') or [])})."
    elif kind == "expression_is_true":
        what = f"Every row satisfies `{kwargs.get('expression')}`."
    else:
        what = f"dbt test `{test['name']}`."
    own = (test.get("description") or "").strip()
    severity = str((test.get("config") or {}).get("severity", "error")).upper()
    return " ".join(part for part in (own, what, f"Severity {severity}.") if part)


def check_names(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every test's readable name by its unique id, unique among the tests of the node it
    is attached to (a suffix `_2`, `_3` on a clash, in unique-id order)."""
    by_node: dict[str, dict[str, int]] = defaultdict(dict)
    names = {}
    tests = (node for node in manifest["nodes"].values() if node["resource_type"] == "test")
    for test in sorted(tests, key=lambda node: node["unique_id"]):
        attached = test.get("attached_node") or ",".join(test["depends_on"]["nodes"])
        name = check_name(test)
        seen = by_node[attached]
        seen[name] = seen.get(name, 0) + 1
        names[test["unique_id"]] = name if seen[name] == 1 else f"{name}_{seen[name]}"
    return names


def readable_manifest(path: Path) -> dict[str, Any]:
    """dbt's manifest at `path` with every test's readable name and, where the test has
    none of its own, its description: what `@dbt_assets` is given."""
    manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    readable = copy.copy(manifest)
    readable["nodes"] = dict(manifest["nodes"])
    for unique_id, name in check_names(manifest).items():
        node = dict(manifest["nodes"][unique_id])
        node["description"] = check_description(node)
        node["name"] = name
        readable["nodes"][unique_id] = node
    return readable
