"""FX feeds: daily units of each watchlist currency per 1 USD."""
