-- One row per sector and week in which at least one of its listings traded, as of the
-- week's last session: the last row of the week of sector_performance_daily, which
-- computes the roll-up (each listing's last bar of the week, its week-to-date change,
-- weighted by its market cap at the start of the week or equally; the sector's total cap
-- in 1e8 USD; its best and worst mover).
{{ window_replace_config('week_start') }}
select *
from {{ ref('sector_performance_daily') }}
where {{ in_window('week_start') }}
qualify row_number() over (partition by sector, week_start order by as_of_date desc) = 1
