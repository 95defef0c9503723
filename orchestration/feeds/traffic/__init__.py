"""Website traffic feeds: daily visits of the tracked AI sites."""
