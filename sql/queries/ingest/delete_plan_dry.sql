SELECT count(*) FILTER (WHERE e.id IS NOT NULL AND (e.source_timestamp IS NULL OR n.source_timestamp >= e.source_timestamp)),
       count(*) FILTER (WHERE NOT (e.id IS NOT NULL AND (e.source_timestamp IS NULL OR n.source_timestamp >= e.source_timestamp)))
FROM ingest_norm n
LEFT JOIN conflict.events e ON e.source_id = %(source_id)s AND e.source_event_id = n.source_event_id
WHERE n.problems IS NULL;
