-- Newer versions replace the stored row in place (same id: links, alerts and history keep pointing at it).
UPDATE conflict.events e SET
    event_date = n.event_date, event_date_end = n.event_date_end, time_precision = n.time_precision,
    disorder_type = coalesce(n.disorder_type, n.default_disorder_type), event_type = n.event_type, sub_event_type = n.sub_event_type,
    actor1 = n.actor1, assoc_actor_1 = n.assoc_actor_1, inter1 = conflict.acled_inter_label(n.inter1_code),
    actor2 = n.actor2, assoc_actor_2 = n.assoc_actor_2, inter2 = conflict.acled_inter_label(n.inter2_code),
    interaction = n.interaction, civilian_targeting = n.civilian_targeting,
    actor1_id = m1.actor_id, actor2_id = m2.actor_id,
    iso = n.iso::smallint, country = n.country, region = n.region, admin1 = n.admin1, admin2 = n.admin2, admin3 = n.admin3,
    location = n.location, longitude = n.longitude, latitude = n.latitude, geo_precision = n.geo_precision,
    fatalities = n.fatalities, fatalities_low = n.fatalities_low, fatalities_high = n.fatalities_high,
    reported_by = n.reported_by, source_scale = n.source_scale, notes = n.notes, tags = n.tags,
    source_timestamp = n.source_timestamp, native = n.native, raw = n.raw, content_hash = pl.hash, raw_hash = n.raw_hash,
    ingest_run_id = %(run_id)s, updated_at = now()
FROM ingest_plan pl
JOIN ingest_norm n ON n.row_no = pl.row_no
LEFT JOIN ingest_actor_map m1 ON m1.name = n.actor1
LEFT JOIN ingest_actor_map m2 ON m2.name = n.actor2
WHERE pl.action = 'update' AND e.id = pl.event_id;
