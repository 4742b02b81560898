-- Decide what each valid row does: insert (new), update (a newer version) or nothing (unchanged).
-- A row with a publisher timestamp (ACLED) updates only when its timestamp is newer than the stored one;
-- a row without one (UCDP, GeoJSON) updates when its content hash differs.
CREATE TEMP TABLE ingest_plan ON COMMIT DROP AS
SELECT n.row_no, e.id AS event_id, h.hash,
       CASE WHEN e.id IS NULL THEN 'insert'
            WHEN n.source_timestamp IS NOT NULL AND e.source_timestamp IS NOT NULL
                 THEN CASE WHEN n.source_timestamp > e.source_timestamp THEN 'update' ELSE 'unchanged' END
            WHEN e.content_hash IS DISTINCT FROM h.hash THEN 'update'
            ELSE 'unchanged' END AS action
FROM ingest_norm n
CROSS JOIN LATERAL (
    SELECT CASE WHEN n.source_timestamp IS NULL THEN md5(ROW(
        n.source_event_id, n.event_date, n.event_date_end, n.time_precision, n.disorder_type, n.event_type, n.sub_event_type,
        n.actor1, n.assoc_actor_1, n.inter1_code, n.actor2, n.assoc_actor_2, n.inter2_code, n.interaction, n.civilian_targeting,
        n.iso, n.country, n.region, n.admin1, n.admin2, n.admin3, n.location, n.longitude, n.latitude, n.geo_precision,
        n.fatalities, n.fatalities_low, n.fatalities_high, n.reported_by, n.source_scale, n.notes, n.tags, n.native)::text)::uuid
    END AS hash
) AS h
LEFT JOIN conflict.events e ON e.source_id = %(source_id)s AND e.source_event_id = n.source_event_id
WHERE n.problems IS NULL;
