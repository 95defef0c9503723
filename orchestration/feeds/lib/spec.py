"""How a feed declares itself, once, in its own package (`FEED` in its `__init__.py`).

A `FeedSpec` names the datasets the feed lands (their schema, key, rules and freshness are
the `RawDataset`s'), the sources it can land them from (`Source`: demo, csv, a live
provider) with the environment variables that choose and configure them (`Setting`),
how a live source replays recorded answers, and, for a dataset landed whole, its span.
Everything else is derived from the declarations (`orchestration.feeds.feed_specs`): the
raw asset (`raw_<name>`), its Dagster resource (`<name>_feed`), the rule table, the
replay registry, the dbt sources.

Most feeds have the same three sources (a demo, a folder of csv exports, one live
provider); `vendor_feed` declares those with the variables named after the feed.

`FeedResource` is that resource: the chosen source's kind and its settings, each given
as Dagster's `EnvVar` where its variable is set, so the UI shows which variable a setting
came from and a key's value never reaches run config, logs or error messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dagster as dg

from orchestration.feeds.lib.base import Feed, FeedConfigError
from orchestration.partitions import DateWindow

if TYPE_CHECKING:
    from orchestration.datasets import RawDataset


@dataclass(frozen=True)
class Setting:
    """One environment variable a source reads, passed to its `build` as `argument`."""

    env: str
    argument: str
    # Set: the source cannot be built without it, and the error says what it is.
    required: str = ""
    default: str = ""
    parse: Callable[[str], Any] = str


@dataclass(frozen=True)
class Source:
    """One way a feed can get its data: `kind` is the value of the feed's choice variable
    and lands as the rows' `source` column."""

    kind: str
    # Called with every setting's `argument=value` (the default where unset).
    build: Callable[..., Feed]
    settings: tuple[Setting, ...] = ()
    # A live source: builds it on recorded answers (called with `transport=` and `today=`;
    # `orchestration.feeds.replay`).
    replay: Callable[..., Feed] | None = None


@dataclass(frozen=True)
class FeedSpec:
    """A feed: the datasets it lands (the first from a batch's rows, the others from its
    `related` rows), and where from."""

    name: str
    datasets: tuple[RawDataset, ...]
    sources: tuple[Source, ...]
    choice: str = ""  # the variable that chooses a source; "" when there is only one
    default: str = "demo"
    span: Callable[[], DateWindow] | None = None  # landed whole over it, not by week
    # Weeks before a run's first that its first week needs (e.g. the FX rate a holiday
    # carries forward), landed with it where none was published yet.
    lead_in_weeks: int = 0

    def __post_init__(self) -> None:
        kinds = [source.kind for source in self.sources]
        if self.default not in kinds or len(set(kinds)) != len(kinds):
            raise ValueError(f"feed {self.name}: sources {kinds}, default {self.default!r}")
        if any(dataset.partitioned != (self.span is None) for dataset in self.datasets):
            raise ValueError(
                f"feed {self.name}: a span is for, and only for, unpartitioned datasets"
            )

    @property
    def resource_key(self) -> str:
        return f"{self.name}_feed"

    @property
    def asset_name(self) -> str:
        return f"raw_{self.name}"

    @property
    def chooser(self) -> str:
        """How errors name the choice: its variable, or the feed."""
        return self.choice or f"the {self.name} feed"

    def settings(self) -> tuple[Setting, ...]:
        """Every setting of every source, each variable once."""
        seen: dict[str, Setting] = {}
        for source in self.sources:
            for setting in source.settings:
                seen.setdefault(setting.env, setting)
        return tuple(seen.values())

    def source(self, kind: str) -> Source:
        for source in self.sources:
            if source.kind == kind:
                return source
        kinds = ", ".join(sorted(source.kind for source in self.sources))
        raise FeedConfigError(
            f"{self.chooser}={kind!r} is not a feed this dataset has; choose one of: {kinds}"
        )

    def resource(self, kind: str | None = None, **settings: str) -> FeedResource:
        """The feed's resource for `kind` (default: the default source) and settings
        given by variable name."""
        return FeedResource(feed=self.name, kind=kind or self.default, settings=settings)

    def resource_from_env(self) -> FeedResource:
        """The resource as the environment configures it."""
        kind = _env_or(self.choice, self.default) if self.choice else self.default
        settings = {s.env: _env_or(s.env, s.default) for s in self.settings()}
        return FeedResource(feed=self.name, kind=kind, settings=settings)

    def build(self, kind: str, settings: Mapping[str, str]) -> Feed:
        """The source `kind`, built with `settings` (by variable name)."""
        source = self.source(kind)
        arguments = {}
        for setting in source.settings:
            value = settings.get(setting.env) or setting.default
            if not value and setting.required:
                raise FeedConfigError(
                    f"{self.chooser}={kind} needs {setting.env}, {setting.required}"
                )
            arguments[setting.argument] = setting.parse(value) if value else value
        return source.build(**arguments)


def vendor_feed(
    name: str,
    datasets: tuple[RawDataset, ...],
    demo: Callable[[], Feed],
    csv: Callable[[str], Feed],
    live: Source,
    lead_in_weeks: int = 0,
) -> FeedSpec:
    """A feed with the usual three sources, chosen by `<NAME>_FEED`: `demo` (the default),
    `csv` (a folder of vendor exports, `<NAME>_CSV_DIR`, passed as `folder`) and one live
    provider."""
    prefix = name.upper()
    folder = Setting(f"{prefix}_CSV_DIR", "folder", required="a folder of vendor exports")
    return FeedSpec(
        name=name,
        datasets=datasets,
        choice=f"{prefix}_FEED",
        sources=(Source("demo", demo), Source("csv", csv, (folder,)), live),
        lead_in_weeks=lead_in_weeks,
    )


def _env_or(name: str, default: str) -> Any:
    """`EnvVar(name)` where the variable is set, else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _value(value: Any) -> str:
    """A setting's value: an `EnvVar` not yet resolved (outside a run) is read now."""
    return value.get_value() or "" if isinstance(value, dg.EnvVar) else value


class FeedResource(dg.ConfigurableResource):
    """The source chosen for one feed (`kind`), with its settings by variable name."""

    feed: str
    kind: str = "demo"
    settings: dict[str, str] = {}

    def build(self) -> Feed:
        from orchestration.feeds import feed_spec

        settings = {name: _value(value) for name, value in self.settings.items()}
        return feed_spec(self.feed).build(_value(self.kind), settings)
