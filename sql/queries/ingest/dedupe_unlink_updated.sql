-- Updated events may have moved: their links are recomputed.
DELETE FROM conflict.event_links l USING ingest_plan pl
WHERE pl.action = 'update' AND (l.event_id = pl.event_id OR l.twin_id = pl.event_id);
