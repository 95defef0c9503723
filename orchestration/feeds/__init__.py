"""The feeds compute-weekly lands: one package per feed, each declaring itself once
(`FEED`, a `orchestration.feeds.lib.spec.FeedSpec`: its datasets, sources, settings,
rules and replay); what they share is in `lib/`.

`feed_specs()` finds them by loading the packages of this folder: a new feed is a new
package here, and nothing else lists it. The raw assets, their resources, the rule table,
the replay registry and the dbt sources are all derived from these declarations.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.datasets import RawDataset
    from orchestration.feeds.lib.spec import FeedSpec

LIBRARY = "lib"  # what feeds share: not a feed


@cache
def feed_specs() -> tuple[FeedSpec, ...]:
    """Every feed declared by a package of this folder, by name."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg or module.name == LIBRARY:
            continue
        package = importlib.import_module(f"{__name__}.{module.name}")
        spec = getattr(package, "FEED", None)
        if spec is None:
            raise RuntimeError(f"orchestration/feeds/{module.name}/ declares no FEED")
        found.append(spec)
    names = [spec.name for spec in found]
    datasets = [dataset.name for spec in found for dataset in spec.datasets]
    for kind, values in (("feed", names), ("dataset", datasets)):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise RuntimeError(f"more than one {kind} named {', '.join(twice)}")
    return tuple(sorted(found, key=lambda spec: spec.name))


def feed_spec(name: str) -> FeedSpec:
    for spec in feed_specs():
        if spec.name == name:
            return spec
    raise KeyError(f"no feed named {name!r}: {', '.join(s.name for s in feed_specs())}")


def raw_datasets() -> tuple[RawDataset, ...]:
    """Every dataset every feed lands."""
    return tuple(dataset for spec in feed_specs() for dataset in spec.datasets)


def raw_dataset(name: str) -> RawDataset:
    for dataset in raw_datasets():
        if dataset.name == name:
            return dataset
    raise KeyError(f"no raw dataset named {name!r}")
