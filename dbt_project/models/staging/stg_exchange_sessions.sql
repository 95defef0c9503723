-- One row per exchange and trading session.
select
    cast(exchange as varchar) as exchange,
    cast(date as date) as session_date,
    cast(calendar_code as varchar) as calendar_code,
    cast(is_fallback as boolean) as is_fallback
from ({{ landed('exchange_sessions') }}) as landed
