"""Figure 3: marts.stock_performance at scale, dbt against a hand-written DuckDB script.

In a temp folder: a copy of the dbt project (models, macros, tests, seeds, dbt_project.yml,
profiles.yml; never target/), scale data from `benchmarks.scale` (raw Parquet, and the
generated seeds written into the copy), then

1. dbt side: `dbt seed`, `dbt run` of the mart's parents (not timed), then
   `dbt run --select stock_performance --full-refresh`, timed and memory-measured as a
   subprocess (DuckDB runs inside the dbt process);
2. script side: `benchmarks/stock_performance.sql` in a fresh Python + DuckDB process
   (`python -m benchmarks.stock_performance script ...`), writing its table to a temp
   .duckdb file, measured the same way;
3. both tables compared in one DuckDB connection: row counts, keys (symbol, as_of_date),
   every column (numbers within a relative 1e-9, NULLs where NULLs are).

`python -m benchmarks.stock_performance script --db X --raw-dir R --seeds-dir S` is the
script runner; `python -m benchmarks.stock_performance compare --dbt A --script B` compares.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import DBT_PROJECT_DIR, PROJECT_ROOT, Row, base_env, executable, fmt_s
from benchmarks.measure import BenchmarkError, Measured, run_measured

SCRIPT = Path(__file__).with_name("stock_performance.sql")
MODEL = "stock_performance"
RELATIVE_TOLERANCE = 1e-9
RATIO_PREFIXES = ("return_",)  # fractions of change, compared as 1 + change
TIME_TARGET = 2.0  # dbt at most 2x the script
MEMORY_TARGET_MIB = 2048.0
PROJECT_PARTS = ("models", "macros", "tests", "seeds", "dbt_project.yml", "profiles.yml")


@dataclass
class Scale:
    listings: int = 5000
    sites: int = 26
    apps: int = 12
    years: int = 10


@dataclass
class Comparison:
    rows_dbt: int
    rows_script: int
    keys_dbt: int
    keys_script: int
    only_dbt: int
    only_script: int
    columns_differ: list[str]
    mismatches: dict[str, int] = field(default_factory=dict)
    max_relative: dict[str, float] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return (
            self.rows_dbt == self.rows_script == self.keys_dbt == self.keys_script
            and self.only_dbt == self.only_script == 0
            and not self.columns_differ
            and not any(self.mismatches.values())
        )

    def summary(self) -> str:
        worst = max(self.max_relative.values(), default=0.0)
        text = (
            f"rows {self.rows_dbt:,} vs {self.rows_script:,}, keys only in dbt {self.only_dbt:,}"
            f" / only in script {self.only_script:,}, max rel. diff {worst:.1e}"
        )
        bad = {c: n for c, n in self.mismatches.items() if n}
        if bad:
            text += ", differing: " + ", ".join(f"{c} ({n:,})" for c, n in bad.items())
        if self.columns_differ:
            text += ", columns differ: " + ", ".join(self.columns_differ)
        return text


def copy_project(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = DBT_PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy2(source, destination / part)
    return destination


def add_duckdb_settings(profiles_yml: Path, settings: dict[str, str]) -> None:
    """Add DuckDB settings (dbt-duckdb's `settings:`) to every output of a profiles.yml."""
    import yaml

    profiles = yaml.safe_load(profiles_yml.read_text())
    for profile in profiles.values():
        for output in profile.get("outputs", {}).values():
            output.setdefault("settings", {}).update(settings)
    profiles_yml.write_text(yaml.safe_dump(profiles, sort_keys=False, allow_unicode=True))


def dbt_command(project: Path, *args: str) -> list[str]:
    return [
        executable("dbt"),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
    ]


def run_script(db: Path, raw_dir: Path, seeds_dir: Path, sql: Path = SCRIPT) -> None:
    """Run the hand-written script in this process (the benchmark starts a fresh one)."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("set variable raw_dir = ?", [str(raw_dir)])
        con.execute("set variable seeds_dir = ?", [str(seeds_dir)])
        con.execute(sql.read_text())


def compare(dbt_db: Path, script_db: Path, relation: str = "marts.stock_performance") -> Comparison:
    """Compare the dbt table with the script's `main.stock_performance`."""
    import duckdb

    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{dbt_db}' as d (read_only)")
    con.execute(f"attach '{script_db}' as s (read_only)")
    schema, table = relation.split(".")

    def columns(catalog: str, schema_name: str) -> list[tuple[str, str]]:
        return con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [catalog, schema_name, table],
        ).fetchall()

    left, right = columns("d", schema), columns("s", "main")
    differ = [f"{c}:{t}" for c, t in left if (c, t) not in right]
    differ += [f"{c}:{t} (script)" for c, t in right if (c, t) not in left]
    shared = [(c, t) for c, t in left if (c, t) in right]
    keys = ("symbol", "as_of_date")
    checks = []
    for name, kind in shared:
        if name in keys:
            continue
        both = "a.symbol is not null and b.symbol is not null"
        if kind in ("DOUBLE", "FLOAT", "DECIMAL"):
            # A change is a ratio minus 1: compare the ratios, else a change of 0 computed
            # as x / x - 1 (0.0 on one side, 2.2e-16 on the other) is "100 % off".
            shift = " + 1" if name.startswith(RATIO_PREFIXES) else ""
            x, y = f"(a.{name}{shift})", f"(b.{name}{shift})"
            checks.append(
                f"count(*) filter (where {both} and ((a.{name} is null) <> (b.{name} is null) "
                f"or abs({x} - {y}) > {RELATIVE_TOLERANCE} * greatest(abs({x}), abs({y}))))"
                f' as "mismatch:{name}"'
            )
            checks.append(
                f"coalesce(max(abs({x} - {y}) / nullif(greatest(abs({x}), abs({y})), 0)) "
                f'filter (where {both}), 0) as "relative:{name}"'
            )
        else:
            checks.append(
                f"count(*) filter (where {both} and a.{name} is distinct from b.{name}) "
                f'as "mismatch:{name}"'
            )
    query = f"""
        with a as (select * from d.{schema}.{table}), b as (select * from s.main.{table})
        select
            (select count(*) from a) as rows_dbt,
            (select count(*) from b) as rows_script,
            (select count(*) from (select distinct symbol, as_of_date from a)) as keys_dbt,
            (select count(*) from (select distinct symbol, as_of_date from b)) as keys_script,
            count(*) filter (where b.symbol is null) as only_dbt,
            count(*) filter (where a.symbol is null) as only_script,
            {", ".join(checks)}
        from a full outer join b
            on a.symbol = b.symbol and a.as_of_date = b.as_of_date
    """
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    values = dict(zip(names, cursor.fetchone(), strict=True))
    con.close()
    return Comparison(
        rows_dbt=values["rows_dbt"],
        rows_script=values["rows_script"],
        keys_dbt=values["keys_dbt"],
        keys_script=values["keys_script"],
        only_dbt=values["only_dbt"],
        only_script=values["only_script"],
        columns_differ=differ,
        mismatches={k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("mismatch:")},
        max_relative={
            k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("relative:")
        },
    )


def node_timing(project: Path, model: str = MODEL) -> float | None:
    """Seconds dbt spent executing the model itself (its run_results.json)."""
    try:
        results = json.loads((project / "target" / "run_results.json").read_text())
    except (OSError, ValueError):
        return None
    for item in results.get("results", []):
        if item["unique_id"].endswith(f".{model}"):
            return item.get("execution_time")
    return None


@dataclass
class Figure3:
    generated: Measured
    generated_summary: dict
    parents: Measured
    dbt: Measured
    dbt_execute_s: float | None
    script: Measured
    comparison: Comparison
    project: Path
    warehouse: Path
    script_db: Path

    def rows(self) -> list[Row]:
        scale = self.generated_summary
        bars = scale["rows"]["market_bars"]
        what = (
            f"marts.stock_performance, dbt run --full-refresh, {scale['listings']:,} listings x "
            f"{scale['years']} y ({bars / 1e6:.1f} M bars)"
        )
        ratio = self.dbt.wall_s / self.script.wall_s
        vs = (
            f"hand-written SQL script: {fmt_s(self.script.wall_s)} s, "
            f"{self.script.peak_mib:,.0f} MiB"
        )
        notes = [
            f"dbt's own timing of the model: {fmt_s(self.dbt_execute_s)} s of "
            f"{fmt_s(self.dbt.wall_s)} s (the rest is dbt's start-up and parse)",
        ]
        return [
            Row(
                "3",
                what,
                self.dbt.wall_s,
                self.dbt.peak_mib,
                vs,
                f"{ratio:.2f}x",
                f"<= {TIME_TARGET:g}x script",
                ratio <= TIME_TARGET,
                notes,
            ),
            Row(
                "3",
                "same run, peak memory (RSS of dbt + DuckDB)",
                self.dbt.wall_s,
                self.dbt.peak_mib,
                vs,
                f"{self.dbt.peak_mib / self.script.peak_mib:.2f}x",
                "<= 2 GiB",
                self.dbt.peak_mib <= MEMORY_TARGET_MIB,
            ),
            Row(
                "3",
                "same table: dbt's equals the script's",
                None,
                None,
                self.comparison.summary(),
                "",
                f"equal, rel. {RELATIVE_TOLERANCE:g}",
                self.comparison.equal,
            ),
        ]


def run(
    workspace: Path,
    scale: Scale,
    log_dir: Path,
    *,
    profiles_yml: Path | None = None,
    duckdb_settings: dict[str, str] | None = None,
    model_sql: Path | None = None,
    echo: Callable[[str], None] = print,
) -> Figure3:
    project = copy_project(workspace / "dbt_project")
    if profiles_yml is not None:  # an experiment: another profile
        shutil.copy2(profiles_yml, project / "profiles.yml")
    if duckdb_settings:  # an experiment: DuckDB settings in the copy's profile
        add_duckdb_settings(project / "profiles.yml", duckdb_settings)
    if model_sql is not None:  # an experiment: another SQL for the mart
        shutil.copy2(model_sql, project / "models" / "marts" / f"{MODEL}.sql")
    raw_dir, warehouse = workspace / "raw", workspace / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    python = executable("python")
    env = base_env(
        COMPUTE_WEEKLY_RAW_DIR=str(raw_dir),
        COMPUTE_WEEKLY_WAREHOUSE=str(warehouse),
        # dbt builds in a private file that Dagster publishes; here dbt writes ours directly.
        COMPUTE_WEEKLY_BUILD_WAREHOUSE=str(warehouse),
        PYTHONPATH=str(PROJECT_ROOT),
    )

    echo(
        f"figure 3: generating {scale.listings:,} listings x {scale.years} years "
        f"({scale.sites} sites, {scale.apps} apps) under {workspace}"
    )
    generated = run_measured(
        [
            python, "-m", "benchmarks.scale",
            "--raw-dir", str(raw_dir), "--seeds-dir", str(project / "seeds"),
            "--listings", str(scale.listings), "--sites", str(scale.sites),
            "--apps", str(scale.apps), "--years", str(scale.years),
        ],
        cwd=PROJECT_ROOT, env=env, log_dir=log_dir, name="fig3-generate",
    )  # fmt: skip
    summary = json.loads(generated.stdout_path.read_text().strip().splitlines()[-1])
    echo(f"  generated in {generated.wall_s:.1f} s: {summary['rows']}")

    echo("  dbt seed + parents of stock_performance (not timed)")
    began = time.perf_counter()
    run_measured(dbt_command(project, "seed"), cwd=project, env=env, log_dir=log_dir,
                 name="fig3-dbt-seed")  # fmt: skip
    parents = run_measured(
        dbt_command(project, "run", "--select", f"+{MODEL}", "--exclude", MODEL),
        cwd=project, env=env, log_dir=log_dir, name="fig3-dbt-parents",
    )  # fmt: skip
    echo(f"  ... {time.perf_counter() - began:.1f} s")

    echo(f"  timing dbt run --select {MODEL} --full-refresh")
    dbt = run_measured(
        dbt_command(project, "run", "--select", MODEL, "--full-refresh"),
        cwd=project, env=env, log_dir=log_dir, name="fig3-dbt-model",
    )  # fmt: skip
    execute_s = node_timing(project)
    echo(f"  dbt: {dbt.wall_s:.1f} s, peak {dbt.peak_mib:,.0f} MiB (model {fmt_s(execute_s)} s)")

    echo(f"  timing the hand-written script ({SCRIPT.name})")
    script_db = workspace / "script.duckdb"
    script = run_measured(
        [
            python, "-m", "benchmarks.stock_performance", "script",
            "--db", str(script_db), "--raw-dir", str(raw_dir),
            "--seeds-dir", str(project / "seeds"),
        ],
        cwd=PROJECT_ROOT, env=env, log_dir=log_dir, name="fig3-script",
    )  # fmt: skip
    echo(f"  script: {script.wall_s:.1f} s, peak {script.peak_mib:,.0f} MiB")

    comparison = compare(warehouse, script_db)
    echo(f"  comparison: {'equal' if comparison.equal else 'NOT equal'}; {comparison.summary()}")
    return Figure3(generated, summary, parents, dbt, execute_s, script, comparison, project,
                   warehouse, script_db)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stock_performance")
    commands = parser.add_subparsers(dest="command", required=True)
    script = commands.add_parser("script", help="run stock_performance.sql into a .duckdb file")
    script.add_argument("--db", type=Path, required=True)
    script.add_argument("--raw-dir", type=Path, required=True)
    script.add_argument("--seeds-dir", type=Path, required=True)
    script.add_argument("--sql", type=Path, default=SCRIPT)
    check = commands.add_parser("compare", help="compare the dbt table with the script's")
    check.add_argument("--dbt", type=Path, required=True, help="the dbt warehouse")
    check.add_argument("--script", type=Path, required=True, help="the script's database")
    args = parser.parse_args(argv)
    if args.command == "script":
        run_script(args.db, args.raw_dir, args.seeds_dir, args.sql)
        return 0
    result = compare(args.dbt, args.script)
    print(("equal: " if result.equal else "NOT equal: ") + result.summary())
    print(json.dumps(result.max_relative, indent=2))
    return 0 if result.equal else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        sys.exit(str(error))
