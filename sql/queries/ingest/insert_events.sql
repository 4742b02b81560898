-- New events, in file order: ingest_norm is scanned in the order it was written (the staging order) and probes
-- a hash of the plan (the loader makes the planner pick it). No ORDER BY: sorting 1 M wide rows spilled ~460 MB
-- to disk (docs/importers.md, "Speed").
INSERT INTO conflict.events (
    source_id, source_event_id, event_date, event_date_end, time_precision, disorder_type, event_type, sub_event_type,
    actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction, civilian_targeting, actor1_id, actor2_id,
    iso, country, region, admin1, admin2, admin3, location, longitude, latitude, geo_precision,
    fatalities, fatalities_low, fatalities_high, reported_by, source_scale, notes, tags,
    source_timestamp, native, raw, content_hash, raw_hash, ingest_run_id)
SELECT %(source_id)s, n.source_event_id, n.event_date, n.event_date_end, n.time_precision,
       coalesce(n.disorder_type, n.default_disorder_type), n.event_type, n.sub_event_type,
       n.actor1, n.assoc_actor_1, conflict.acled_inter_label(n.inter1_code),
       n.actor2, n.assoc_actor_2, conflict.acled_inter_label(n.inter2_code), n.interaction, n.civilian_targeting,
       m1.actor_id, m2.actor_id,
       n.iso::smallint, n.country, n.region, n.admin1, n.admin2, n.admin3, n.location, n.longitude, n.latitude, n.geo_precision,
       n.fatalities, n.fatalities_low, n.fatalities_high, n.reported_by, n.source_scale, n.notes, n.tags,
       n.source_timestamp, n.native, n.raw, pl.hash, n.raw_hash, %(run_id)s
FROM ingest_norm n
JOIN ingest_plan pl ON pl.row_no = n.row_no
LEFT JOIN ingest_actor_map m1 ON m1.name = n.actor1
LEFT JOIN ingest_actor_map m2 ON m2.name = n.actor2
WHERE pl.action = 'insert';
