"""App download feeds: daily downloads of the tracked AI apps."""
