-- Add the controllers of one zone period (already present ones are kept).
INSERT INTO conflict.control_zone_actors (control_zone_id, actor_id)
SELECT %(zone_id)s, unnest(%(actor_ids)s::bigint[])
ON CONFLICT DO NOTHING
