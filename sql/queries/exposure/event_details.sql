-- Descriptions of the events named in a profile (top contributors only).
SELECT id, sub_event_type, location, actor1, actor2, source_event_id, event_date, event_type
FROM conflict.events WHERE id = ANY (%(ids)s::bigint[])
