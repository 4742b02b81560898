-- The raise_alerts trigger's work for the events of one run loaded with it disabled: each alert once.
-- Nothing to do (and no scan) when no rule is active.
INSERT INTO conflict.alerts (rule_id, site_id, event_id, distance_m, bearing_deg, message)
SELECT m.rule_id, m.site_id, m.event_id, m.distance_m, m.bearing_deg, m.message
FROM conflict.match_alerts(ARRAY(SELECT e.id FROM conflict.events e WHERE e.ingest_run_id = %(run_id)s
                                 AND EXISTS (SELECT 1 FROM conflict.alert_rules WHERE active))) m
ON CONFLICT (rule_id, site_id, event_id) DO NOTHING
RETURNING id;
