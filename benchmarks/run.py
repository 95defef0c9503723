"""compute-weekly's benchmarks, run on demand with one command; never part of the tests.

    .venv/bin/python -m benchmarks                  # figures 1 to 4 (about 7 min)
    .venv/bin/python -m benchmarks --only 3         # one figure
    .venv/bin/python -m benchmarks --only 1,2 --full   # all 52 one-week runs (about 20 min)
    .venv/bin/python -m benchmarks --only 3 --listings 500 --years 3   # a quick figure 3

Run it from the project root with the project's virtualenv, after the dbt manifest has
been prepared (`.venv/bin/python -m orchestration.project`; `make install` does it).
Nothing outside temp folders is written, except dbt's own per-invocation folders under
`dbt_project/target/` that every Dagster run writes, and the results below. Temp folders
are removed at the end unless `--keep`.

It prints, at the end, one table line per target (figure, what, wall s, peak MiB, what it
is compared with, the ratio, the target, met yes/no), the machine (CPUs, CPU model, RAM,
Python and DuckDB versions) and the date, and writes the same as markdown to
`benchmarks/results/latest.md` (`--results` moves it), with the breakdowns below the table.

Wall time is measured around each subprocess; peak memory is the peak resident memory of
the subprocess and its children (see `benchmarks.measure`). Timings depend on what else
the machine is doing: the load average before and after each figure is printed with the
results.

Figure 1: a 52-week backfill of all feeds in one run
    `dagster asset materialize -m orchestration --select '*' --partition-range
    2023-12-25...2024-12-16`, against the same weeks run one partition per run
    (`--partition 2023-12-25`, ..., sequentially, in a fresh workspace). One partition per
    run costs tens of seconds, so by default the first `--sample` (8) weeks are run and the
    total extrapolated linearly to 52, labelled "extrapolated from N runs"; `--full` runs
    all 52. Targets: the single run <= 60 s on a 2-core machine, and >= 5x faster than one
    partition per run. The same single run is then made on the team's instance
    (`config/dagster.production.yaml`, PostgreSQL: a fresh database on the local server,
    `benchmarks/postgres.py`) and shown beside it; skipped, with a note, where no
    PostgreSQL answers. And once more with the landing zone and the warehouse on a local
    S3 server (SeaweedFS's `weed mini`, `benchmarks/seaweedfs.py`), target within 1.5x of
    the run on local disk.

Figure 2: one new week on top of a year of history
    After figure 1's single run, `--partition 2024-12-23` in the same workspace, then the
    week after it, and so on, as the weekly schedule runs them (`--new-weeks`, default 3):
    the figure is their median, as this machine's speed moves by seconds from one run to
    the next; each week's time is printed beside it. Target <= 15 s, measured as the user
    sees it: the CLI's start-up (Python, imports, loading the code location and the dbt
    manifest) is included. The median run's Dagster event log splits it
    into start-up, run planning, each raw step, dagster-dbt's set-up, the `dbt build`
    subprocess (and dbt's own execution time from its run_results.json), the processing
    of dbt's events, and teardown.

Figure 3: marts.stock_performance at 5,000 listings x 10 years of daily bars (~13 M rows)
    `benchmarks.scale` writes the data as Parquet in the landing layout, and the matching
    seeds into a temp copy of the dbt project; after `dbt seed` and a `dbt run` of the
    mart's parents, `dbt run --select stock_performance --full-refresh` is timed against
    the hand-written `benchmarks/stock_performance.sql` run by a fresh Python + DuckDB
    process on the same files. Targets: dbt <= 2x the script's time, peak memory <= 2 GiB,
    and the two tables equal (row counts, keys (symbol, as_of_date), every column; numbers
    within a relative 1e-9). Scale: `--listings --sites --apps --years`.

Figure 4: a live 52-week backfill against local provider servers
    The watchlist, the sites' domains and FX landed live from servers speaking Yahoo's,
    Similarweb's and Frankfurter's APIs (`benchmarks/live_backfill.py`): one request per
    entity and run at each provider's default pace, against the requests of fetching
    week by week. Target: under 2 minutes at Yahoo's one request a second.

Experiments (not the defaults the targets refer to): `--dagster-yaml FILE` runs figures
1 and 2 with another instance config; `--profiles-yml FILE` runs figure 3's dbt with
another profiles.yml, `--duckdb-setting NAME=VALUE` with another DuckDB setting for dbt;
`--model-sql FILE` with another SQL for the mart. Each is named in the results.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import live_backfill, pipeline
from benchmarks import stock_performance as figure3
from benchmarks.common import (
    RESULTS_DIR,
    Row,
    Workspaces,
    fmt_mib,
    fmt_s,
    project_state,
    uncompiled_bytecode_warning,
)
from benchmarks.measure import BenchmarkError, load_average, machine
from benchmarks.postgres import PostgresUnavailable, dagster_url, fresh_database
from benchmarks.seaweedfs import SeaweedUnavailable, s3_server

COLUMNS = ("figure", "what", "wall s", "peak MiB", "compared with", "ratio", "target", "met")


def cells(row: Row) -> list[str]:
    met = "—" if row.met is None else ("yes" if row.met else "no")
    return [
        row.figure,
        row.what,
        fmt_s(row.wall_s),
        fmt_mib(row.peak_mib),
        row.compared_with,
        row.ratio or "—",
        row.target,
        met,
    ]


def text_table(rows: list[Row]) -> str:
    body = [list(COLUMNS), *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in body) for i in range(len(COLUMNS))]
    numeric = {2, 3, 5}
    lines = []
    for n, line in enumerate(body):
        lines.append(
            "  ".join(
                c.rjust(w) if i in numeric and n else c.ljust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def escape(value: str) -> str:
        return value.replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def breakdown_rows(measured) -> list[list[str]]:
    found = measured.extra.get("breakdown")
    if not found:
        return []
    rows = [[phase, f"{seconds:.1f}"] for phase, seconds in found.phases.items()]
    rows.append(["total (wall)", f"{measured.wall_s:.1f}"])
    return rows


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def parse_only(value: str) -> set[str]:
    chosen = {part.strip() for part in value.split(",") if part.strip()}
    unknown = chosen - {"1", "2", "3", "4"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown figure(s): {', '.join(sorted(unknown))}")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="compute-weekly benchmarks (see the docstring of benchmarks/run.py).",
    )
    parser.add_argument(
        "--only",
        type=parse_only,
        default={"1", "2", "3", "4"},
        help="figures to run, e.g. 1,2 or 3 (default: all)",
    )
    parser.add_argument(
        "--full", action="store_true", help="figure 1: run all 52 one-partition runs, not a sample"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=8,
        help="figure 1: consecutive one-partition runs to extrapolate from",
    )
    parser.add_argument(
        "--new-weeks",
        type=positive_int,
        default=pipeline.NEW_WEEKS,
        help="figure 2: new weeks run one after another; the figure is their median",
    )
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=26)
    parser.add_argument("--apps", type=int, default=12)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temp workspaces")
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR / "latest.md",
        help="markdown output (default benchmarks/results/latest.md)",
    )
    parser.add_argument(
        "--dagster-yaml",
        type=Path,
        default=pipeline.INSTANCE_CONFIG,
        help="experiment: instance config for figures 1-2 (default config/dagster.yaml)",
    )
    parser.add_argument(
        "--profiles-yml",
        type=Path,
        default=None,
        help="experiment, figure 3: use this profiles.yml in the dbt project copy",
    )
    parser.add_argument(
        "--duckdb-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="experiment, figure 3: a DuckDB setting for dbt (added to the copy's profile "
        "as dbt-duckdb `settings:`), e.g. memory_limit=1500MB; repeatable",
    )
    parser.add_argument(
        "--model-sql",
        type=Path,
        default=None,
        help="experiment, figure 3: use this SQL for stock_performance in the copy",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else argv)
    state = project_state()  # at the start: the project may change while this runs
    workspaces = Workspaces(keep=args.keep)
    log_dir = workspaces.root / "logs"
    rows: list[Row] = []
    notes: list[str] = []
    details: list[str] = []
    began = time.perf_counter()

    def load(label: str) -> None:
        one, five, _ = load_average()
        notes.append(f"load average {label}: {one:.2f} (1 min), {five:.2f} (5 min)")

    experiments = [
        f"{flag} {value}"
        for flag, value in (
            ("--dagster-yaml", args.dagster_yaml if args.dagster_yaml != pipeline.INSTANCE_CONFIG
             else None),
            ("--profiles-yml", args.profiles_yml),
            *(("--duckdb-setting", setting) for setting in args.duckdb_setting),
            ("--model-sql", args.model_sql),
        )
        if value
    ]  # fmt: skip
    bytecode = uncompiled_bytecode_warning()
    if bytecode:
        notes.append(bytecode)
    if experiments:
        notes.append("EXPERIMENT, not the project's defaults: " + ", ".join(experiments))
    try:
        if args.only & {"1", "2"}:
            warning = pipeline.check_manifest()
            if warning:
                notes.append(warning)
                print(f"warning: {warning}")
            load("before figures 1-2")
            single_ws = pipeline.Workspace(workspaces.new("fig1-single"), args.dagster_yaml)
            single = pipeline.run_single(single_ws, log_dir)
            fig1 = None
            if "1" in args.only:
                count = pipeline.WEEKS if args.full else min(args.sample, pipeline.WEEKS)
                per_ws = pipeline.Workspace(workspaces.new("fig1-per-partition"),
                                            args.dagster_yaml)  # fmt: skip
                per_partition = pipeline.run_per_partition(per_ws, count, log_dir)
                fig1 = pipeline.Figure1(single, per_partition, count)
                rows += fig1.rows()
                details.append(section_runs(fig1))
            details.append(section_breakdown("Figure 1: the 52-week run", single))
            if "1" in args.only:
                try:
                    with fresh_database("cw_bench") as url:
                        pg_ws = pipeline.Workspace(
                            workspaces.new("fig1-postgres"), pipeline.PRODUCTION_CONFIG,
                            {"COMPUTE_WEEKLY_PG_URL": dagster_url(url)},
                        )  # fmt: skip
                        pg_ws.migrate()
                        on_pg = pipeline.run_single(pg_ws, log_dir, name="fig1-postgres")
                    rows += pipeline.Figure1OnPostgres(on_pg, single).rows()
                    details.append(
                        section_breakdown("Figure 1 on the team's instance (PostgreSQL)", on_pg)
                    )
                except PostgresUnavailable as unavailable:
                    notes.append(f"figure 1 on the team's instance not run: {unavailable}")
                try:
                    s3_root = workspaces.new("fig1-s3")
                    with s3_server(s3_root / "server") as server:
                        server.make_bucket("bench")
                        s3_ws = pipeline.Workspace(
                            s3_root, args.dagster_yaml,
                            {**server.env(), "COMPUTE_WEEKLY_RAW_DIR": "s3://bench/raw",
                             "COMPUTE_WEEKLY_WAREHOUSE": "s3://bench/warehouse"},
                        )  # fmt: skip
                        on_s3 = pipeline.run_single(s3_ws, log_dir, name="fig1-s3")
                    rows += pipeline.Figure1OnObjectStorage(on_s3, single).rows()
                    details.append(section_breakdown("Figure 1 on object storage (S3)", on_s3))
                except SeaweedUnavailable as unavailable:
                    notes.append(f"figure 1 on object storage not run: {unavailable}")
            if "2" in args.only:
                new_weeks = pipeline.run_new_weeks(single_ws, args.new_weeks, log_dir)
                fresh = (
                    sum(m.wall_s for m in fig1.per_partition) / len(fig1.per_partition)
                    if fig1
                    else None
                )
                fig2 = pipeline.Figure2(new_weeks, fresh)
                rows += fig2.rows()
                details.append(section_breakdown("Figure 2: the new week (the median run)",
                                                 fig2.new_week))  # fmt: skip
                if fig1:
                    details.append(
                        section_breakdown("For comparison: the first one-week run on an empty "
                                          "workspace", fig1.per_partition[0])
                    )  # fmt: skip
            load("after figures 1-2")
            if "1" not in args.only:
                notes.append(
                    f"figure 1's single run (set-up of figure 2): {fmt_s(single.wall_s)} s"
                )
        if "3" in args.only:
            load("before figure 3")
            scale = figure3.Scale(args.listings, args.sites, args.apps, args.years)
            result = figure3.run(workspaces.new("fig3"), scale, log_dir,
                                 profiles_yml=args.profiles_yml,
                                 duckdb_settings=dict(
                                     setting.split("=", 1) for setting in args.duckdb_setting
                                 ),
                                 model_sql=args.model_sql)  # fmt: skip
            rows += result.rows()
            details.append(section_figure3(result))
            load("after figure 3")
        if "4" in args.only:
            load("before figure 4")
            rows += live_backfill.run().rows()
    except BenchmarkError as error:
        print(f"\nbenchmark failed: {error}", file=sys.stderr)
        print(f"(the workspaces and every log are kept in {workspaces.root})", file=sys.stderr)
        return 1
    except BaseException:
        workspaces.cleanup()
        raise

    host = machine()
    row_notes = [note for row in rows for note in row.notes]
    if "2" in args.only:
        row_notes.append(
            "figure 2 is measured from the command line: it includes the CLI's start-up "
            "(Python, imports, loading the code location and the dbt manifest); its "
            "breakdown below says where the time goes"
        )
    notes = [
        *row_notes,
        "peak MiB: peak resident memory of the subprocess and its children (sampled sum "
        "over the process tree every 50 ms, or the kernel's peak of the largest single "
        "process, whichever is larger)",
        *notes,
        f"total benchmark time: {time.perf_counter() - began:,.0f} s",
    ]
    machine_line = (
        f"{host['date']}; {host['cpus']} CPUs ({host['cpu model']}), {host['RAM']} RAM; "
        f"Python {host['Python']}, DuckDB {host['DuckDB']}; Linux {host['kernel']}; "
        f"project at {state}"
    )
    print()
    print(text_table(rows))
    print()
    print(f"machine: {machine_line}")
    for note in notes:
        print(f"note: {note}")

    markdown = [
        "# compute-weekly benchmarks",
        "",
        f"`{command}`, {host['date']}.",
        "",
        markdown_table(COLUMNS, [cells(r) for r in rows]),
        "",
        f"Machine: {machine_line}.",
        "",
        *(f"- {note}" for note in notes),
        "",
        *details,
    ]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text("\n".join(markdown).rstrip() + "\n", encoding="utf-8")
    print(f"\nwritten to {args.results}")
    workspaces.cleanup()
    return 0


def section_breakdown(title: str, measured) -> str:
    rows = breakdown_rows(measured)
    if not rows:
        return ""
    found = measured.extra["breakdown"]
    lines = [f"## {title}: where the time goes", "", markdown_table(("phase", "s"), rows), ""]
    if found.dbt_models:
        slowest = ", ".join(f"{k} {v:.2f} s" for k, v in found.dbt_models.items())
        lines += [f"Slowest dbt nodes: {slowest}.", ""]
    lines += [
        f"CPU time (user + system, the CLI and its children): {measured.cpu_s:.1f} s; "
        f"event log: {sum(found.events.values()):,} entries ({event_kinds(found.events)}).",
        "",
    ]
    if found.run_s is not None:
        lines += [f"The run itself (RUN_START to RUN_SUCCESS): {found.run_s:.1f} s.", ""]
    if found.ms_per_planned_event is not None:
        lines += [
            f"Writing an event to the instance's event log: about "
            f"{found.ms_per_planned_event:.1f} ms (run planning's seconds over its events).",
            "",
        ]
    return "\n".join(lines)


def event_kinds(events) -> str:
    """The most frequent kinds of event, with their counts."""
    return ", ".join(f"{kind} {count:,}" for kind, count in events.most_common(5))


def section_runs(fig1: pipeline.Figure1) -> str:
    rows = [
        [m.command[-1], f"{m.wall_s:.1f}", f"{m.cpu_s:.1f}", f"{m.peak_mib:,.0f}"]
        for m in fig1.per_partition
    ]
    return "\n".join(
        [
            "## Figure 1: the one-partition runs",
            "",
            markdown_table(("week", "wall s", "CPU s", "peak MiB"), rows),
            "",
            f"Mean {fmt_s(fig1.extrapolated_s / pipeline.WEEKS)} s a week; the single run: "
            f"{fmt_s(fig1.single.wall_s)} s wall, {fig1.single.cpu_s:.1f} CPU s.",
            "",
        ]
    )


def section_figure3(result: figure3.Figure3) -> str:
    summary = result.generated_summary
    steps = [
        ("generate the data (benchmarks.scale)", result.generated),
        ("dbt run of the parents (not timed for the figure)", result.parents),
        ("dbt run --select stock_performance --full-refresh", result.dbt),
        ("hand-written script (fresh Python + DuckDB)", result.script),
    ]
    rows = [[name, fmt_s(m.wall_s), f"{m.cpu_s:.1f}", fmt_mib(m.peak_mib)] for name, m in steps]
    rows.insert(3, ["  of which the model's execution (run_results)", fmt_s(result.dbt_execute_s),
                    "", ""])  # fmt: skip
    relative = ", ".join(f"{k} {v:.1e}" for k, v in result.comparison.max_relative.items())
    return "\n".join(
        [
            "## Figure 3: stock_performance at scale",
            "",
            f"Data: {summary['listings']:,} listings x {summary['years']} years "
            f"({summary['span'][0]}..{summary['span'][1]}): "
            + ", ".join(f"{k} {v:,} rows" for k, v in summary["rows"].items())
            + f"; {summary['events']:,} corporate actions.",
            "",
            markdown_table(("step", "wall s", "CPU s", "peak MiB"), rows),
            "",
            f"Comparison: {'equal' if result.comparison.equal else 'NOT equal'}; "
            f"{result.comparison.summary()}. Largest relative difference per column: "
            f"{relative}.",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
