{#- The rows of a raw dataset as landed, for a staging model to select from.

    Until a dataset has been landed at all, its Parquet glob matches no file and DuckDB
    refuses to read it; then this returns no rows with the source's declared columns and
    types instead, so a project that has landed only some feeds still builds the models of
    the others. The columns come from sources.yml, written from the Python dataset
    contracts (orchestration/dbt_sources.py). -#}
{% macro landed(table_name) -%}
{%- if execute -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.raw.' ~ table_name] -%}
    {%- set files = node.config.landed_files -%}
    {%- set found = run_query("select count(*) from glob('" ~ files ~ "')").columns[0].values()[0] -%}
{%- endif -%}
{%- if execute and found == 0 -%}
    {{ log("raw." ~ table_name ~ ": nothing landed at " ~ files ~ " yet; no rows", info=true) }}
    select
    {%- for name, column in node.columns.items() %}
        cast(null as {{ column.data_type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    where false
{%- else -%}
    select * from {{ source('raw', table_name) }}
{%- endif -%}
{%- endmacro %}

{#- True if `relation` is a raw source read straight from Parquet whose files have not
    been landed yet: generic tests then have nothing to test instead of failing to read. -#}
{% macro is_unlanded(relation) -%}
{%- set rendered = relation.render() if relation is not string else relation -%}
{%- if execute and "read_parquet('" in rendered -%}
    {%- set files = rendered.split("read_parquet('")[1].split("'")[0] -%}
    {%- set found = run_query("select count(*) from glob('" ~ files ~ "')").columns[0].values()[0] -%}
    {{- return(found == 0) -}}
{%- endif -%}
{{- return(false) -}}
{%- endmacro %}
