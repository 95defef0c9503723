"""The exchange-sessions feed: every session of the watchlist's exchanges, from
exchange_calendars, landed whole on every run (`raw/exchange_sessions`)."""

from orchestration.feeds.lib.spec import FeedSpec, Source
from orchestration.feeds.sessions.datasets import EXCHANGE_SESSIONS
from orchestration.feeds.sessions.exchange_calendars import ExchangeSessionsFeed, session_span

FEED = FeedSpec(
    name="sessions",
    datasets=(EXCHANGE_SESSIONS,),
    default="exchange_calendars",
    sources=(Source("exchange_calendars", ExchangeSessionsFeed),),
    span=session_span,
)
