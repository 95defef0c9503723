{#- The change of a bar since its period's base, as a fraction, or NULL.

    `period` is week, month or year. The base is the listing's bar on its exchange's last
    session before the period starts (`<period>_base_date`); the bar found just before the
    period (`<period>_found_date`) must be that very session, else the base bar is absent
    and the change is NULL rather than computed from an older bar. Adjusted closes are used
    when both bars have one, else closes, so a change never mixes the two. -#}
{% macro period_change(period) -%}
case
    when {{ period }}_found_date = {{ period }}_base_date then
        case
            when adj_close is not null and {{ period }}_found_adj_close is not null
                then adj_close / {{ period }}_found_adj_close - 1
            else close / {{ period }}_found_close - 1
        end
end
{%- endmacro %}
