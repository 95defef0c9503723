{#- The partition window a run builds: [window_start, window_end), dates in the report's
    time zone. Dagster sets them as environment variables for the dbt process
    (orchestration/assets/dbt.py); the vars `window_start` and `window_end` take precedence
    (dbt unit tests set them, and a user may by hand). Without either a build covers all
    time, which is what a full rebuild is.

    The window is read when a model runs, not when dbt parses the project (`execute` is
    false then). A parse records every environment variable a file reads, and dbt parses
    the file again whenever that variable's value changes: the window changes every run,
    so every window mart would be parsed again every run (about 0.8 s of a weekly run's
    dbt on two CPUs). Nothing a parse keeps depends on the window: the marts' configs name
    their window column (`window_replace_config`), not its dates, and the SQL a model ran,
    in dbt's compiled/ and run/ folders, still shows the dates. -#}
{% macro window_start() -%}
date '{{ window_bound("window_start", "COMPUTE_WEEKLY_WINDOW_START", "1900-01-01") }}'
{%- endmacro %}

{% macro window_end() -%}
date '{{ window_bound("window_end", "COMPUTE_WEEKLY_WINDOW_END", "9999-12-31") }}'
{%- endmacro %}

{#- One bound of the window when a model runs: the var `name`, else the environment
    variable `env`, else `all_time`; while dbt parses, `all_time`. -#}
{% macro window_bound(name, env, all_time) -%}
{%- if execute -%}
{{ var(name, env_var(env, all_time)) }}
{%- else -%}
{{ all_time }}
{%- endif -%}
{%- endmacro %}

{#- The first day a mart's rows for the window cover: the window's start, or with
    `start_of` ('month', 'year') the start of its month or year. -#}
{% macro window_first(start_of=none) -%}
{%- if start_of is none -%}
{{ window_start() }}
{%- else -%}
date_trunc('{{ start_of }}', {{ window_start() }})
{%- endif -%}
{%- endmacro %}

{#- `column` inside the window (half-open), from `window_first(start_of)`. -#}
{% macro in_window(column, start_of=none) -%}
{{ column }} >= {{ window_first(start_of) }} and {{ column }} < {{ window_end() }}
{%- endmacro %}

{#- The config of a mart rebuilt window by window: the rows of the window are deleted and
    the model's rows for it inserted (strategy window_replace), so a week whose source now
    has fewer rows leaves no stale ones. The model must select exactly the rows
    `in_window(column, start_of)` covers. -#}
{% macro window_replace_config(column, start_of=none) -%}
{{ config(
    materialized="incremental",
    incremental_strategy="window_replace",
    window_column=column,
    window_start_of=start_of,
    on_schema_change="fail",
) }}
{%- endmacro %}
