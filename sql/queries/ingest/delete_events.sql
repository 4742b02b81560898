-- ACLED deletions: an event goes (kept in event_history) unless the stored version is newer than the deletion.
CREATE TEMP TABLE ingest_plan ON COMMIT DROP AS
SELECT n.row_no, e.id AS event_id,
       CASE WHEN e.id IS NOT NULL AND (e.source_timestamp IS NULL OR n.source_timestamp >= e.source_timestamp)
            THEN 'delete' ELSE 'unchanged' END AS action
FROM ingest_norm n
LEFT JOIN conflict.events e ON e.source_id = %(source_id)s AND e.source_event_id = n.source_event_id
WHERE n.problems IS NULL;

INSERT INTO conflict.event_history (event_id, source_id, source_event_id, change, previous, previous_timestamp, new_timestamp, ingest_run_id)
SELECT e.id, e.source_id, e.source_event_id, 'delete', to_jsonb(e) - 'geom', e.source_timestamp, n.source_timestamp, %(run_id)s
FROM ingest_plan pl JOIN conflict.events e ON e.id = pl.event_id JOIN ingest_norm n ON n.row_no = pl.row_no
WHERE pl.action = 'delete';

DELETE FROM conflict.events e USING ingest_plan pl WHERE pl.action = 'delete' AND e.id = pl.event_id;
