"""compute-weekly: the data behind an AI-compute weekly tracker, built every week.

`dagster ... -m orchestration` loads `defs` below. It is built lazily, so importing a
module of the package (in a unit test, say) does not load the dbt manifest.
"""

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    from orchestration.project import prepare_manifest_if_dev

    prepare_manifest_if_dev()  # before the dbt assets read the manifest

    from orchestration.definitions import build_definitions

    return build_definitions()
