{#- Where a raw dataset's Parquet lands; COMPUTE_WEEKLY_RAW_DIR moves it (default ../raw). -#}
{% macro raw_dir() -%}
{{ env_var('COMPUTE_WEEKLY_RAW_DIR', '../raw') }}
{%- endmacro %}
