-- Record computed alerts (gis_core.analysis.alerts.record): parallel arrays, in their order; returns the ids of
-- those not raised before. ON CONFLICT on (rule_id, site_id, event_id): an alert is raised once, whichever path
-- (this one or the trigger) finds it first. A NaN bearing (event within 1 m of the site) is stored as NULL.
INSERT INTO conflict.alerts (rule_id, site_id, event_id, distance_m, bearing_deg, message)
SELECT u.rule_id, u.site_id, u.event_id, u.distance_m, nullif(u.bearing_deg, 'NaN'), u.message
FROM unnest(%(rule_ids)s::bigint[], %(site_ids)s::bigint[], %(event_ids)s::bigint[], %(distances_m)s::float8[],
            %(bearings_deg)s::float8[], %(messages)s::text[])
     WITH ORDINALITY AS u(rule_id, site_id, event_id, distance_m, bearing_deg, message, ord)
ORDER BY u.ord
ON CONFLICT (rule_id, site_id, event_id) DO NOTHING
RETURNING id
