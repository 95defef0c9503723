{#- Incremental strategy "window_replace": delete the target's rows matching the
    predicates (the window), then insert every row the model built, in one transaction. A
    row that left the source leaves the target too, which delete+insert on a unique key
    would not do. -#}
{% macro get_incremental_window_replace_sql(arg_dict) %}
    {%- set predicates = arg_dict["incremental_predicates"] -%}
    {%- if not predicates -%}
        {{ exceptions.raise_compiler_error("window_replace needs incremental_predicates naming the window") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ arg_dict["target_relation"] }}
    where {{ predicates | join(" and ") }};
    insert into {{ arg_dict["target_relation"] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{% endmacro %}
