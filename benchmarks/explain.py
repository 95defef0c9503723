"""Profile one SQL statement with DuckDB's profiler (EXPLAIN ANALYZE, as JSON): which
operators the time goes to, and the peak memory with given settings.

    python -m benchmarks.explain --warehouse W.duckdb --sql compiled.sql \\
        [--set "memory_limit='2GB'" --set "preserve_insertion_order=false"] [--json out.json]

The warehouse is attached read-only as `warehouse` (the catalog dbt's compiled SQL names);
the statement's result is written to a scratch database file beside `--scratch` (default:
a temp file), as `create table ... as <statement>`, the way dbt materializes a table. For a
multi-statement script (benchmarks/stock_performance.sql, with `--var raw_dir=...`), every
statement runs and the last one is profiled. Prints the operators by time and a JSON
summary line (wall seconds, peak buffer memory DuckDB reports, the top operators).
Run it as a subprocess to measure its RSS (benchmarks.measure).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def walk(node: dict, depth: int = 0) -> list[dict]:
    rows = [
        {
            # DuckDB 1.x names them operator_*; 2.x name, timing, intermediate_rows.
            "operator": node.get("name") or node.get("operator_name") or "?",
            "seconds": float(node.get("timing") or node.get("operator_timing") or 0.0),
            "rows": node.get("intermediate_rows", node.get("operator_cardinality")),
            "depth": depth,
            "info": node.get("extra_info") or {},
        }
    ]
    for child in node.get("children", []):
        rows += walk(child, depth + 1)
    return rows


def brief(info: object) -> str:
    if not isinstance(info, dict):
        return str(info)[:120]
    keys = ("Join Type", "Conditions", "Partitions", "Orders", "Function", "Table", "Groups")
    parts = [f"{k}: {' '.join(str(info[k]).split())[:90]}" for k in keys if k in info]
    return "; ".join(parts)


def profile(
    sql: str,
    *,
    warehouse: Path | None,
    scratch: Path,
    settings: Sequence[str] = (),
    variables: dict[str, str] | None = None,
    profile_path: Path,
) -> dict:
    import duckdb

    con = duckdb.connect(str(scratch))
    con.execute("set enable_progress_bar = false")
    if warehouse is not None:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
    for setting in settings:
        con.execute(f"set {setting}")
    for name, value in (variables or {}).items():
        con.execute(f"set variable {name} = ?", [value])
    statements = [statement.query for statement in con.extract_statements(sql)]
    for statement in statements[:-1]:
        con.execute(statement)
    last = statements[-1]
    if not last.lstrip().lower().startswith(("create", "insert")):
        last = f"create or replace table scratch_result as {last}"
    con.execute("set profiling_coverage = 'ALL'")
    con.execute("set enable_profiling = 'json'")
    con.execute(f"set profiling_output = '{profile_path}'")
    began = time.perf_counter()
    con.execute(last)
    wall = time.perf_counter() - began
    con.close()
    tree = json.loads(profile_path.read_text())
    roots = tree.get("children") or tree.get("operator") or []
    operators = [row for root in roots for row in walk(root)]
    system, query = tree.get("system", {}), tree.get("query", {})
    totals = {
        "cpu_s": query.get("cpu_time", tree.get("cpu_time")),
        "peak_buffer_mib": (system.get("peak_buffer_memory") or 0) / 2**20,
        "spilled_mib": (system.get("total_bytes_spilled") or 0) / 2**20,
        "peak_temp_dir_mib": (system.get("peak_temp_dir_size") or 0) / 2**20,
    }
    return {"wall_s": wall, "operators": operators, "totals": totals}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explain", description=__doc__)
    parser.add_argument("--sql", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--scratch", type=Path, help="scratch database file (default: temp)")
    parser.add_argument("--set", dest="settings", action="append", default=[])
    parser.add_argument(
        "--var",
        dest="variables",
        action="append",
        default=[],
        help="name=value for getvariable() (the script's raw_dir, seeds_dir)",
    )
    parser.add_argument("--json", type=Path, help="write the full profile summary here")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="compute-weekly-explain-") as folder:
        scratch = args.scratch or Path(folder) / "scratch.duckdb"
        result = profile(
            args.sql.read_text(),
            warehouse=args.warehouse,
            scratch=scratch,
            settings=args.settings,
            variables=dict(v.split("=", 1) for v in args.variables),
            profile_path=Path(folder) / "profile.json",
        )
    operators = sorted(result["operators"], key=lambda r: r["seconds"], reverse=True)
    total = sum(r["seconds"] for r in operators) or 1.0
    totals = result["totals"]
    print(
        f"wall {result['wall_s']:.1f} s; operator time {total:.1f} s; CPU {totals['cpu_s']} s; "
        f"peak buffer memory {totals['peak_buffer_mib']:,.0f} MiB; "
        f"spilled {totals['spilled_mib']:,.0f} MiB"
    )
    for row in operators[: args.top]:
        print(
            f"{row['seconds']:7.2f} s {100 * row['seconds'] / total:5.1f} %  {row['operator']:<22}"
            f" rows={row['rows']}  {brief(row['info'])}"
        )
    summary = {
        "wall_s": round(result["wall_s"], 2),
        "settings": args.settings,
        "totals": result["totals"],
        "top": [
            {k: row[k] for k in ("operator", "seconds", "rows")} | {"info": brief(row["info"])}
            for row in operators[: args.top]
        ],
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    print(json.dumps({k: summary[k] for k in ("wall_s", "settings", "totals")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
