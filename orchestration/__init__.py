"""compute-weekly: the data behind an AI-compute weekly tracker, built every week.

`dagster ... -m orchestration` loads `defs` below. It is built lazily, so importing a
module of the package (in a unit test, say) does not load the dbt manifest.

Once built, the definitions and everything imported to build them (Dagster, dbt's
manifest, the exchange calendars) live as long as the process, so they are moved out of
the garbage collector's sight (`gc.freeze`): its full collections stop re-scanning them,
which cost every CLI run time, mostly at exit (benchmarks/README.md). Objects are still
freed when their last reference goes; only reference cycles among these startup objects
would be kept.
"""

import gc

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    from orchestration.project import prepare_manifest_if_dev

    prepare_manifest_if_dev()  # before the dbt assets read the manifest

    from orchestration.definitions import build_definitions

    definitions = build_definitions()
    gc.freeze()
    return definitions
