{#- The partition window a run builds: [window_start, window_end), dates in the report's
    time zone. Dagster sets them as environment variables for the dbt process
    (orchestration/assets/dbt.py): a changed environment variable makes dbt re-parse only
    the files that read it, where changed --vars would re-parse the whole project. The
    vars `window_start` and `window_end` take precedence (dbt unit tests set them). Without
    either a build covers all time, which is what a full rebuild is. -#}
{% macro window_start() -%}
date '{{ var("window_start", env_var("COMPUTE_WEEKLY_WINDOW_START", "1900-01-01")) }}'
{%- endmacro %}

{% macro window_end() -%}
date '{{ var("window_end", env_var("COMPUTE_WEEKLY_WINDOW_END", "9999-12-31")) }}'
{%- endmacro %}

{#- `column` inside the window (half-open). -#}
{% macro in_window(column) -%}
{{ column }} >= {{ window_start() }} and {{ column }} < {{ window_end() }}
{%- endmacro %}

{#- The config of a mart rebuilt window by window: the rows of the window are deleted and
    the model's rows for it inserted (strategy window_replace), so a week whose source now
    has fewer rows leaves no stale ones. The model must select exactly the rows the
    predicate covers: `column` in [start, window_end), start defaulting to window_start. -#}
{% macro window_replace_config(column, start=none) -%}
{%- set first = start if start is not none else window_start() -%}
{{ config(
    materialized="incremental",
    incremental_strategy="window_replace",
    incremental_predicates=[column ~ " >= " ~ first ~ " and " ~ column ~ " < " ~ window_end()],
    on_schema_change="fail",
) }}
{%- endmacro %}
