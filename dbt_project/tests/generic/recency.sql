{#- Fails if the newest `column_name` lags the newest date of `reference` (a SQL
    expression, e.g. a scalar subquery on another model) by more than `max_lag_days`.
    Measured on the data's own timeline, not the wall clock: a history landed for 2024
    is not "late" in 2026, but traffic a month behind the market data is. Passes when
    either side has no rows yet. -#}
{% test recency(model, column_name, reference, max_lag_days) %}
with newest as (
    select max({{ column_name }}) as newest_date, ({{ reference }}) as reference_date
    from {{ model }}
)
select *, datediff('day', newest_date, reference_date) as lag_days
from newest
where newest_date is not null
  and reference_date is not null
  and datediff('day', newest_date, reference_date) > {{ max_lag_days }}
{% endtest %}
