"""Build the weekly report as of a date from the published warehouse.

    python -m orchestration.report --as-of 2024-12-18 [--out reports]

Prints the paths it wrote, one a line. A missing or empty warehouse is one line on
stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

from orchestration.published_builds import readable_warehouse
from orchestration.report.build import build_report
from orchestration.report.sql import ReportError
from orchestration.settings import location, reports_dir


def as_of_date(text: str) -> dt.date:
    """The as-of date from the command line (`make report AS_OF=...`)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: expected YYYY-MM-DD, e.g. 2024-12-18"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.report", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--as-of", type=as_of_date, required=True, help="YYYY-MM-DD, e.g. 2024-12-18"
    )
    parser.add_argument(
        "--out",
        type=location,
        default=None,
        help=f"output folder or s3:// prefix (default: {reports_dir()})",
    )
    parser.add_argument(
        "--warehouse", type=Path, default=None, help="DuckDB file (default: the published one)"
    )
    parser.add_argument(
        "--build",
        default=None,
        help="with the warehouse on object storage: a published build's name (default: the "
        "latest; `python -m orchestration.published_builds list` lists them)",
    )
    args = parser.parse_args(argv)
    try:
        warehouse = args.warehouse or (readable_warehouse(args.build) if args.build else None)
        files = build_report(args.as_of, args.out, warehouse)
    except (ReportError, duckdb.Error, OSError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"weekly report: {message}", file=sys.stderr)
        return 1
    for path in files.paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
