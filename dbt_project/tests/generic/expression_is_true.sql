{#- Fails with the rows where `expression` is not true (rows where it is NULL fail too). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
