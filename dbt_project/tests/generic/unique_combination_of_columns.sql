{#- Fails with one row per duplicated combination of `combination` (a list of columns).
    On a raw source with nothing landed yet there is nothing to test. -#}
{% test unique_combination_of_columns(model, combination) %}
{%- if is_unlanded(model) %}
select null as nothing_landed_yet where false
{%- else %}
select {{ combination | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{%- endif %}
{% endtest %}
