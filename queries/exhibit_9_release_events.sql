-- Exhibit 9 (OpenAI 12 天发布季汇总 and the like): the AI product releases of the report
-- week, by Beijing date (Monday to Sunday, Asia/Shanghai), that contains the as-of date,
-- up to the as-of date, in the exhibit's columns: event (发布季日程), Pacific date
-- (太平洋时间), Beijing date (北京时间), product (新产品) and highlight (亮点).
--
-- Needs marts.release_events (one row per event, with its pacific_date and beijing_date;
-- an event without a known time keeps its local date in both). Without that table the
-- query fails with "Table with name release_events does not exist": the report leaves
-- exhibit 9 out then.
--
-- Units and conventions:
--   dates are calendar dates in each zone (a 10:00 Pacific announcement on 12/5 is 12/6
--   in Beijing); beijing_time is HH:MM in Beijing where the time is known;
--   product and highlight in Chinese where the event has them, else in English;
--   events in Beijing order; only those on or before the as-of date (a report as of
--   Wednesday does not list Thursday's release, even if the file already has it).
--
-- Run as is in any DuckDB client opened read-only on the warehouse (as of 2024-12-18),
-- or set the date first:
--   SET VARIABLE as_of = DATE '2024-12-18';
SET VARIABLE as_of = CAST(coalesce(getvariable('as_of'), DATE '2024-12-18') AS DATE);

select
    event_id as event,
    vendor,
    pacific_date,
    beijing_date,
    strftime(timezone('Asia/Shanghai', event_at), '%H:%M') as beijing_time,
    coalesce(product_zh, product) as product,
    coalesce(highlight_zh, highlight) as highlight,
    source_url
from marts.release_events
where week_start = date_trunc('week', getvariable('as_of'))::date
    and beijing_date <= getvariable('as_of')
order by beijing_date, event_at nulls last, event_id;
