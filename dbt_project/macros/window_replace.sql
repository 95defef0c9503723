{#- Incremental strategy "window_replace": delete the target's rows in the run's window
    (the model's `window_column`, from `window_replace_config`), then insert every row the
    model built, in one transaction. A row that left the source leaves the target too,
    which delete+insert on a unique key would not do. The window is the one the run builds
    (`in_window`, read when the model runs). -#}
{% macro get_incremental_window_replace_sql(arg_dict) %}
    {%- set column = config.get("window_column") -%}
    {%- if not column -%}
        {{ exceptions.raise_compiler_error("window_replace needs the model's window column: configure it with window_replace_config(column)") }}
    {%- endif -%}
    {%- if arg_dict["incremental_predicates"] -%}
        {{ exceptions.raise_compiler_error("window_replace deletes the run's window of window_column; incremental_predicates would narrow the delete but not the insert") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ arg_dict["target_relation"] }}
    where {{ in_window(column, config.get("window_start_of")) }};
    insert into {{ arg_dict["target_relation"] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{% endmacro %}
