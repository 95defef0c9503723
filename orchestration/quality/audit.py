"""Auditing one landed window against its dataset's rules, and reporting the results.

`audit` runs every rule of a dataset (`rules.rules_of`) on a typed table (or records the contract
violations that kept it from being built) and returns one `Finding` per rule. `report`
folds the findings of a run's windows into one Dagster `AssetCheckResult` per rule, with
the count and a sample of the offending rows, so a person sees the problem in the UI
without running SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pyarrow as pa

from orchestration.partitions import DateWindow
from orchestration.quality.rules import CONTRACT, AuditContext, Rule, rules_of

SAMPLE_ROWS = 20


@dataclass(frozen=True)
class Finding:
    dataset: str
    rule: Rule
    severity: dg.AssetCheckSeverity
    window: DateWindow
    failing: tuple[dict[str, Any], ...]

    @property
    def passed(self) -> bool:
        return not self.failing

    @property
    def blocks_publication(self) -> bool:
        return not self.passed and self.severity == dg.AssetCheckSeverity.ERROR


def contract_finding(ctx: AuditContext, violations: list[dict[str, Any]]) -> Finding:
    return Finding(
        ctx.dataset.name, CONTRACT, CONTRACT.severity(ctx.policy), ctx.window, tuple(violations)
    )


def audit(table: pa.Table, ctx: AuditContext) -> list[Finding]:
    """Every rule of the dataset on one window's typed table (the contract passed)."""
    rows = table.to_pylist()
    findings = [contract_finding(ctx, [])]
    for rule in rules_of(ctx.dataset):
        if rule.evaluate is None:
            continue
        failing = rule.evaluate(rows, ctx)
        findings.append(
            Finding(ctx.dataset.name, rule, rule.severity(ctx.policy), ctx.window, tuple(failing))
        )
    return findings


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("|", "\\|")


def sample_table(rows: list[dict[str, Any]]) -> str:
    """A markdown table of the first rows, with every column any of them has."""
    columns: list[str] = []
    for row in rows:
        columns += [column for column in row if column not in columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def report(asset_key: dg.AssetKey, rule: Rule, findings: list[Finding]) -> dg.AssetCheckResult:
    """One check result for a rule over all the windows of a run."""
    if not findings:
        raise ValueError(f"{asset_key.to_user_string()} {rule.name}: no findings to report")
    failing = [{"week": f.window.start, **row} for f in findings for row in f.failing]
    severity = findings[0].severity  # one policy for the whole run
    weeks_failed = sorted({f.window.start.isoformat() for f in findings if not f.passed})
    metadata: dict[str, Any] = {
        "failing rows": len(failing),
        "windows checked": len(findings),
        "windows failed": ", ".join(weeks_failed) or "none",
    }
    if failing:
        metadata["sample"] = dg.MetadataValue.md(sample_table(failing[:SAMPLE_ROWS]))
    if any(f.blocks_publication for f in findings):
        metadata["not published"] = ", ".join(
            sorted({f.window.start.isoformat() for f in findings if f.blocks_publication})
        )
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=rule.name,
        passed=not failing,
        severity=severity,
        description=rule.description,
        metadata=metadata,
    )


def not_evaluated(asset_key: dg.AssetKey, rule: Rule, reason: str) -> dg.AssetCheckResult:
    """A rule with nothing to check in this run (the feed gives no such data)."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=rule.name,
        passed=True,
        description=rule.description,
        metadata={"windows checked": 0, "note": reason},
    )
