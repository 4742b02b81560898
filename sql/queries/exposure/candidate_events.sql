-- Route-exposure candidates: events in the grid cells near the route, in the time window (as_of - days, as_of].
-- Two cell sets: %(near_cells)s reach buffer_m from the route (every event); %(far_cells)s reach further, up to
-- buffer_m + the largest location uncertainty, and only events with an uncertain location can count there.
-- Both parts read only the covering index events_cell_date_idx (index-only scan).
SELECT id, longitude, latitude, event_date, fatalities, geo_precision, where_prec, event_type
FROM conflict.events
WHERE cell = ANY (%(near_cells)s::integer[]) AND event_date > %(start)s AND event_date <= %(as_of)s
UNION ALL
SELECT id, longitude, latitude, event_date, fatalities, geo_precision, where_prec, event_type
FROM conflict.events
WHERE cell = ANY (%(far_cells)s::integer[]) AND event_date > %(start)s AND event_date <= %(as_of)s
  AND (geo_precision > 1 OR where_prec > 1)
