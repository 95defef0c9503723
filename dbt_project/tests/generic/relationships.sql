{#- dbt's built-in relationships: every non-NULL `column_name` is a `field` of `to`.
    Returns the whole failing rows rather than the orphan values alone, so a failed
    check's sample shows which rows they are (their keys). -#}
{% test relationships(model, column_name, to, field) %}
select child.*
from {{ model }} as child
left join {{ to }} as parent
    on child.{{ column_name }} = parent.{{ field }}
where child.{{ column_name }} is not null
  and parent.{{ field }} is null
{% endtest %}
