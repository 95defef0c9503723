"""On-demand benchmarks of compute-weekly: `python -m benchmarks` (see `benchmarks.run`).

Nothing here is imported by the pipeline or the tests; timings are never asserted in tests.
"""
