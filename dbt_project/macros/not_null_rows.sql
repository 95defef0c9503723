{#- dbt's not_null test returns the NULL column alone (seven bare NULLs) unless failures
    are stored; this one returns the whole failing rows, so a failed check's sample shows
    the rows' keys (symbol, date). Found before dbt's own by dispatch (root project first). -#}
{% macro default__test_not_null(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is null
{% endmacro %}
