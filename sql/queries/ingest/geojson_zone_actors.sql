INSERT INTO conflict.control_zone_actors (control_zone_id, actor_id) VALUES (%(zone_id)s, %(actor_id)s) ON CONFLICT DO NOTHING;
