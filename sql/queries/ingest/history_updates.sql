-- Keep the stored version of every event about to be updated.
INSERT INTO conflict.event_history (event_id, source_id, source_event_id, change, previous, previous_timestamp, new_timestamp, ingest_run_id)
SELECT e.id, e.source_id, e.source_event_id, 'update', to_jsonb(e) - 'geom', e.source_timestamp, n.source_timestamp, %(run_id)s
FROM ingest_plan pl
JOIN conflict.events e ON e.id = pl.event_id
JOIN ingest_norm n ON n.row_no = pl.row_no
WHERE pl.action = 'update';
