"""The csv traffic feed: one `<site_id>.csv` per tracked site in a folder (`TRAFFIC_CSV_DIR`).

Layout: a header naming `date` and `visits`, and optionally `domain`; visits may have
fractions (estimates). Without a `domain` cell, a row gets the domain the site was
measured on that day (the `site_domains` seed: e.g. chat.openai.com before 2024-05-16,
chatgpt.com from then on). The category comes from the `sites` seed. The reading rules
are `orchestration.feeds.lib.csv_reading`'s: an empty or non-numeric `visits` is an error
naming the file and line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestration import seeds
from orchestration.feeds.lib.csv_reading import CsvFolderFeed, read_records


def domain_on(domains: Iterable[seeds.SiteDomain], day: dt.date) -> seeds.SiteDomain:
    """The site's domain valid on `day`; before the first, the first; after the last
    ends, the last (domain validity is contiguous per site)."""
    ordered = sorted(domains, key=lambda domain: domain.valid_from)
    started = [domain for domain in ordered if domain.valid_from <= day]
    return started[-1] if started else ordered[0]


def read_visits_file(path: Path, site_id: str) -> list[dict[str, Any]]:
    """Every row of one site's file as traffic rows, checked."""
    domains = [domain for domain in seeds.site_domains() if domain.site_id == site_id]
    rows = []
    for record in read_records(path, ["visits"]):
        measured = domain_on(domains, record.day)
        rows.append(
            {
                "site_id": site_id,
                "domain": record.text("domain") or measured.domain,
                "category": measured.category,
                "date": record.day,
                "visits": record.required_number("visits"),
                "data_last_updated": None,
                "source_ref": path.name,
            }
        )
    return sorted(rows, key=lambda row: row["date"])


class CsvTrafficFeed(
    CsvFolderFeed, env_var="TRAFFIC_CSV_DIR", noun="site(s)", read=read_visits_file
):
    """Daily visits read from a folder of per-site CSV files."""

    def entities(self) -> dict[str, tuple[()]]:
        return dict.fromkeys((domain.site_id for domain in seeds.site_domains()), ())
