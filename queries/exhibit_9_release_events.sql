-- Exhibit 9 (OpenAI 12 天发布季汇总 and the like): the AI product releases of the report
-- week, by Beijing date (Monday to Sunday, Asia/Shanghai), that contains the as-of date,
-- and of every release season one of them belongs to, from the season's first day, all
-- up to the as-of date, in the exhibit's columns: event (发布季日程: `day8` for the eighth
-- of a season, else the vendor), Pacific date (太平洋时间), Beijing date (北京时间),
-- product (新产品) and highlight (亮点). A season is the events whose ids share a prefix
-- and end in their day's number (openai-12-days-01 ... openai-12-days-12).
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

with events as (
    select
        *,
        nullif(regexp_extract(event_id, '^(.+)-([0-9]+)$', 1), '') as season,
        nullif(regexp_extract(event_id, '^(.+)-([0-9]+)$', 2), '') as day_number
    from marts.release_events
    where beijing_date <= getvariable('as_of')
),

this_week as (
    select * from events
    where week_start = date_trunc('week', getvariable('as_of'))::date
)

select
    coalesce('day' || cast(day_number as integer), vendor) as event,
    event_id,
    season,
    vendor,
    pacific_date,
    beijing_date,
    strftime(timezone('Asia/Shanghai', event_at), '%H:%M') as beijing_time,
    coalesce(product_zh, product) as product,
    coalesce(highlight_zh, highlight) as highlight,
    source_url
from events
where event_id in (select event_id from this_week)
    or season in (select season from this_week where season is not null)
order by beijing_date, event_at nulls last, event_id;
