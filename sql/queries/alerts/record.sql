-- Record computed alerts (gis_core.analysis.alerts.record): parallel arrays, in their order; returns the ids of
-- those not raised before. ON CONFLICT on (rule_id, site_id, event_id): an alert is raised once, whichever path
-- (this one or the trigger) finds it first. A NaN bearing (event within 1 m of the site) is stored as NULL.
-- The arrays travel in binary, hence the b placeholders: 6,759 alerts take 32 ms of Python to send, 110 ms as text.
INSERT INTO conflict.alerts (rule_id, site_id, event_id, distance_m, bearing_deg, message)
SELECT u.rule_id, u.site_id, u.event_id, u.distance_m, nullif(u.bearing_deg, 'NaN'), u.message
FROM unnest(%(rule_ids)b::bigint[], %(site_ids)b::bigint[], %(event_ids)b::bigint[], %(distances_m)b::float8[],
            %(bearings_deg)b::float8[], %(messages)b::text[])
     WITH ORDINALITY AS u(rule_id, site_id, event_id, distance_m, bearing_deg, message, ord)
ORDER BY u.ord
ON CONFLICT (rule_id, site_id, event_id) DO NOTHING
RETURNING id
