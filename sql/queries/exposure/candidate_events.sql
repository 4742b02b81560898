-- Route-exposure candidates: events in the grid cells near the route, in the time window (as_of - days, as_of].
-- Cells come as ranges of keys (near_lo[i] .. near_hi[i]), one or a few per grid row.
-- The near ranges reach buffer_m from the route (every event counts there); the far ranges reach
-- buffer_m + the largest location uncertainty, where only events with an uncertain location can count.
-- Each range is one index-only range scan of events_cell_date_idx (migration 0030): the table is not read.
-- (OFFSET 0 keeps the LATERAL subquery a per-range index scan; flattened, the planner may scan by date.)
SELECT e.*
FROM unnest(%(near_lo)s::integer[], %(near_hi)s::integer[]) AS r(lo, hi)
CROSS JOIN LATERAL (
    SELECT id, longitude, latitude, (%(as_of)s::date - event_date) AS age_days, fatalities, geo_precision, where_prec, event_type
    FROM conflict.events
    WHERE cell BETWEEN r.lo AND r.hi AND event_date > %(start)s AND event_date <= %(as_of)s
    OFFSET 0) e
UNION ALL
SELECT e.*
FROM unnest(%(far_lo)s::integer[], %(far_hi)s::integer[]) AS r(lo, hi)
CROSS JOIN LATERAL (
    SELECT id, longitude, latitude, (%(as_of)s::date - event_date) AS age_days, fatalities, geo_precision, where_prec, event_type
    FROM conflict.events
    WHERE cell BETWEEN r.lo AND r.hi AND event_date > %(start)s AND event_date <= %(as_of)s
      AND (geo_precision > 1 OR where_prec > 1)
    OFFSET 0) e
