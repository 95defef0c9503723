"""Data quality of the raw feeds: the rules each landed week must pass, and their reports.

Every raw week is audited before it is published (write-audit-publish, see
`orchestration.ingest`): rules of ERROR severity keep a bad week from replacing the
previous good one; WARN rules report and let it through.
"""
