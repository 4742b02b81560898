-- Route-exposure candidates: events in the grid cells near the route, in the time window (as_of - days, as_of],
-- as one row of parallel arrays (gis_core.analysis.exposure loads them straight into numpy).
-- near_cells reach buffer_m from the route (every event counts there); far_cells (disjoint from near_cells)
-- reach buffer_m + the largest location uncertainty, where only events with an uncertain location can count.
-- Each part is one index-only scan (migration 0030): cell = ANY(...) descends once per cell and reads only
-- the window's dates; the far part reads the partial index of uncertain events. The table is not read.
SELECT array_agg(id), array_agg(longitude), array_agg(latitude), array_agg(age_days), array_agg(fatalities),
       array_agg(exposure_code)
FROM (
    SELECT id, longitude, latitude, %(as_of)s::date - event_date AS age_days, fatalities, exposure_code
    FROM conflict.events
    WHERE cell = ANY (%(near_cells)s::integer[]) AND event_date > %(start)s AND event_date <= %(as_of)s
    UNION ALL
    SELECT id, longitude, latitude, %(as_of)s::date - event_date AS age_days, fatalities, exposure_code
    FROM conflict.events
    WHERE cell = ANY (%(far_cells)s::integer[]) AND event_date > %(start)s AND event_date <= %(as_of)s
      AND (geo_precision > 1 OR where_prec > 1)
) c
