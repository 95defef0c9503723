"""Market data feeds: daily bars of the watchlist's listings."""
