INSERT INTO conflict.alert_rules (name, site_id, radius_m, event_types, min_fatalities)
VALUES (%(name)s, %(site_id)s, %(radius_m)s, %(event_types)s, %(min_fatalities)s)
ON CONFLICT (name) DO UPDATE SET site_id = EXCLUDED.site_id, radius_m = EXCLUDED.radius_m,
    event_types = EXCLUDED.event_types, min_fatalities = EXCLUDED.min_fatalities, active = true
RETURNING id
