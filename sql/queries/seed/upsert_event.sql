-- A curated event, keyed by (source, source_event_id). geom is generated from longitude/latitude.
INSERT INTO conflict.events (
    source_id, source_event_id, event_date, event_date_end, time_precision, disorder_type,
    event_type, sub_event_type, actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction,
    actor1_id, actor2_id, iso, country, region, admin1, location, longitude, latitude, geo_precision,
    fatalities, fatalities_low, fatalities_high, reported_by, source_scale, notes, tags, confidence, native)
SELECT %(source_id)s, %(source_event_id)s, %(event_date)s, %(event_date_end)s, %(time_precision)s, t.disorder_type,
    %(event_type)s, %(sub_event_type)s, %(actor1)s, %(assoc_actor_1)s, %(inter1)s, %(actor2)s, %(assoc_actor_2)s,
    %(inter2)s, %(interaction)s, %(actor1_id)s, %(actor2_id)s, 466, 'Mali', 'Western Africa', %(admin1)s, %(location)s,
    %(lon)s, %(lat)s, %(geo_precision)s, %(fatalities)s, %(fatalities_low)s, %(fatalities_high)s, %(reported_by)s,
    'Other', %(notes)s, %(tags)s, %(confidence)s, %(native)s
FROM conflict.event_types t
WHERE t.event_type = %(event_type)s AND t.sub_event_type = %(sub_event_type)s
ON CONFLICT (source_id, source_event_id) DO UPDATE SET
    event_date = EXCLUDED.event_date, event_date_end = EXCLUDED.event_date_end, time_precision = EXCLUDED.time_precision,
    disorder_type = EXCLUDED.disorder_type, event_type = EXCLUDED.event_type, sub_event_type = EXCLUDED.sub_event_type,
    actor1 = EXCLUDED.actor1, assoc_actor_1 = EXCLUDED.assoc_actor_1, inter1 = EXCLUDED.inter1,
    actor2 = EXCLUDED.actor2, assoc_actor_2 = EXCLUDED.assoc_actor_2, inter2 = EXCLUDED.inter2,
    interaction = EXCLUDED.interaction, actor1_id = EXCLUDED.actor1_id, actor2_id = EXCLUDED.actor2_id,
    admin1 = EXCLUDED.admin1, location = EXCLUDED.location, longitude = EXCLUDED.longitude, latitude = EXCLUDED.latitude,
    geo_precision = EXCLUDED.geo_precision, fatalities = EXCLUDED.fatalities, fatalities_low = EXCLUDED.fatalities_low,
    fatalities_high = EXCLUDED.fatalities_high, reported_by = EXCLUDED.reported_by, notes = EXCLUDED.notes,
    tags = EXCLUDED.tags, confidence = EXCLUDED.confidence, native = EXCLUDED.native, updated_at = now()
RETURNING id, (xmax = 0) AS inserted
