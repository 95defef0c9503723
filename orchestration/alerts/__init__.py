"""Alerts: a team is told when a run fails, when an ERROR check keeps a week from being
published, and when the Monday run has not succeeded by its deadline.

`channels` sends an alert by email (SMTP) and to a chat webhook (Slack- or
Teams-compatible JSON), each configured by environment variables and off when unset;
`messages` writes what an alert says (the run, the failing asset or check, the first error
line, a link to the run), with every secret the environment holds taken out; `sensors`
holds the Dagster sensors that watch the instance and send them.

`python -m orchestration.alerts` prints which channels are on, or what is missing;
`--send-test` sends a test alert through each.
"""
