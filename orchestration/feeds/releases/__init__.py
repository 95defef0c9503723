"""The release calendar: AI product releases analysts keep in `data/release_events.csv`
(`RELEASE_EVENTS_FILE` points elsewhere), landed whole on every run
(`raw/release_events`)."""

from orchestration.feeds.lib.spec import FeedSpec, Setting, Source
from orchestration.feeds.releases.datasets import RELEASE_EVENTS
from orchestration.feeds.releases.events_file import ReleaseEventsFeed, release_span

FEED = FeedSpec(
    name="releases",
    datasets=(RELEASE_EVENTS,),
    default="file",
    sources=(Source("file", ReleaseEventsFeed, (Setting("RELEASE_EVENTS_FILE", "path"),)),),
    span=release_span,
)
