-- The live path's matching (conflict.match_alerts, all in SQL) for the events %(event_ids)s. The batch path
-- uses it for events whose search box crosses the antimeridian.
SELECT rule_id, site_id, event_id, distance_m, bearing_deg, message
FROM conflict.match_alerts(%(event_ids)s::bigint[])
