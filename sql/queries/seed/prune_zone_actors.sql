-- Drop the controllers of one zone period that the seed no longer lists.
DELETE FROM conflict.control_zone_actors
WHERE control_zone_id = %(zone_id)s AND NOT (actor_id = ANY(%(actor_ids)s::bigint[]))
