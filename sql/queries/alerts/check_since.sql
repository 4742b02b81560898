-- Raise (once) the alerts of stored events dated on or after %(since)s; returns the new alerts' ids.
-- ON CONFLICT on (rule_id, site_id, event_id): running again raises nothing new.
INSERT INTO conflict.alerts (rule_id, site_id, event_id, distance_m, bearing_deg, message)
SELECT m.rule_id, m.site_id, m.event_id, m.distance_m, m.bearing_deg, m.message
FROM conflict.match_alerts(ARRAY(SELECT id FROM conflict.events WHERE event_date >= %(since)s)) m
ON CONFLICT (rule_id, site_id, event_id) DO NOTHING
RETURNING id
