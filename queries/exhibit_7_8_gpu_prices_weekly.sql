-- Exhibits 7-8 (NVIDIA H100 / A100 GPU 价格图): the weekly price of each card of one GPU
-- family, new against used, over the trailing year, one row per card, condition and week.
--
-- Weeks run Monday to Sunday (by the marketplace's own date). Only weeks that ended on or
-- before the as-of date are shown, as in exhibits 2-5: the `gpu_weeks` weeks up to the
-- last week ended by the as-of date (as of Wednesday 2024-12-18, 2024-12-09..15), so no
-- price of a later day counts.
--
-- Units and conventions:
--   price_usd is the week's last price in USD (the marketplace's last offer of the week);
--   discount_pct is the used card's discount to the new one that week, in percent,
--   (new - used) / new on the two last prices (on both conditions' rows);
--   is_latest marks the window's last week, whose discount the exhibit's note quotes.
--
-- Run as is in any DuckDB client opened read-only on the warehouse (H100, as of
-- 2024-12-18, 52 weeks, amazon.com), or set any of the variables first:
--   SET VARIABLE as_of = DATE '2024-12-18';
--   SET VARIABLE gpu_family = 'A100';
--   SET VARIABLE gpu_weeks = 52;
--   SET VARIABLE gpu_marketplace = 'amazon.com';
SET VARIABLE as_of = CAST(coalesce(getvariable('as_of'), DATE '2024-12-18') AS DATE);
SET VARIABLE gpu_family = CAST(coalesce(getvariable('gpu_family'), 'H100') AS VARCHAR);
SET VARIABLE gpu_weeks = CAST(coalesce(getvariable('gpu_weeks'), 52) AS INTEGER);
SET VARIABLE gpu_marketplace = CAST(
    coalesce(getvariable('gpu_marketplace'), 'amazon.com') AS VARCHAR
);

with bounds as (
    select
        date_trunc('week', getvariable('as_of') + interval 1 day)::date as window_end,
        (date_trunc('week', getvariable('as_of') + interval 1 day)
            - to_days(7 * getvariable('gpu_weeks')))::date as window_start
),

in_window as (
    select prices.*
    from marts.gpu_prices_weekly as prices, bounds
    where prices.family = getvariable('gpu_family')
        and prices.marketplace = getvariable('gpu_marketplace')
        and prices.week_start >= bounds.window_start
        and prices.week_start < bounds.window_end
)

select
    product_id,
    display_name,
    condition,
    week_start,
    round(last_price_usd, 2) as price_usd,
    round(100 * new_to_used_discount, 2) as discount_pct,
    week_start = (select max(week_start) from in_window) as is_latest
from in_window
order by product_id, condition, week_start;
