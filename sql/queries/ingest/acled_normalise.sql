-- ACLED rows staged as text (ingest_stg, one column per ACLED header name, row_no = CSV row with the header as row 1)
-- → ingest_norm: the columns of conflict.events, typed, plus `problems` (NULL when the row is valid; otherwise
-- text elements 'field<US>value<US>expected'). One pass over the staging table; nothing here can raise.
CREATE TEMP TABLE ingest_norm ON COMMIT DROP AS
-- The r_* texts (values as shipped) only build messages: the subquery passes them through untouched, they are trimmed
-- only where a message needs them, and ingest_norm does not keep them (a narrower table).
SELECT p.row_no, p.source_event_id, p.event_date, p.event_date_end, p.year, p.time_precision, p.disorder_type, p.event_type,
       p.sub_event_type, p.actor1, p.assoc_actor_1, p.inter1_code, p.actor2, p.assoc_actor_2, p.inter2_code, p.interaction,
       p.civilian_targeting, p.iso, p.country, p.region, p.admin1, p.admin2, p.admin3, p.location, p.longitude, p.latitude,
       p.geo_precision, p.fatalities, p.fatalities_low, p.fatalities_high, p.reported_by, p.source_scale, p.notes, p.tags,
       p.source_timestamp, p.native, p.raw_hash,
       et.disorder_type AS default_disorder_type, NULL::jsonb AS raw,
       NULLIF(array_remove(ARRAY[
           CASE WHEN p.source_event_id IS NULL THEN concat_ws(E'\x1f', 'event_id_cnty', '', 'an ACLED event id (e.g. MLI12345)') END,
           CASE WHEN p.event_date IS NULL THEN concat_ws(E'\x1f', 'event_date', coalesce(NULLIF(btrim(p.r_event_date_shipped), ''), ''), 'a date as YYYY-MM-DD (or "15 January 2023")') END,
           CASE WHEN p.event_date > current_date THEN concat_ws(E'\x1f', 'event_date', NULLIF(btrim(p.r_event_date_shipped), ''), 'a date not in the future (today is ' || current_date || ')') END,
           CASE WHEN p.event_date IS NOT NULL AND p.year IS DISTINCT FROM extract(year FROM p.event_date)::int
                THEN concat_ws(E'\x1f', 'year', coalesce(NULLIF(btrim(p.r_year_shipped), ''), ''), 'the year of event_date (' || extract(year FROM p.event_date) || ')') END,
           CASE WHEN p.time_precision IS NULL OR p.time_precision NOT BETWEEN 1 AND 3
                THEN concat_ws(E'\x1f', 'time_precision', coalesce(NULLIF(btrim(p.r_time_precision_shipped), ''), ''), 'a time precision code 1, 2 or 3') END,
           CASE WHEN p.geo_precision IS NULL OR p.geo_precision NOT BETWEEN 1 AND 3
                THEN concat_ws(E'\x1f', 'geo_precision', coalesce(NULLIF(btrim(p.r_geo_precision_shipped), ''), ''), 'a geo precision code 1, 2 or 3') END,
           CASE WHEN et.event_type IS NULL AND NOT EXISTS (SELECT 1 FROM conflict.event_types t WHERE t.event_type = p.event_type)
                THEN concat_ws(E'\x1f', 'event_type', coalesce(p.event_type, ''), 'an ACLED event type (' ||
                     (SELECT string_agg(DISTINCT t.event_type, ', ') FROM conflict.event_types t) || ')')
                WHEN et.event_type IS NULL
                THEN concat_ws(E'\x1f', 'sub_event_type', coalesce(p.sub_event_type, ''), 'a sub-event type of ''' || p.event_type || ''' (' ||
                     (SELECT string_agg(t.sub_event_type, ', ' ORDER BY t.sub_event_type) FROM conflict.event_types t WHERE t.event_type = p.event_type) || ')' ||
                     coalesce('; ''' || p.sub_event_type || ''' is a sub-event type of ''' ||
                              (SELECT min(t.event_type) FROM conflict.event_types t WHERE t.sub_event_type = p.sub_event_type) || '''', '')) END,
           CASE WHEN p.disorder_type NOT IN ('Political violence', 'Demonstrations', 'Strategic developments', 'Political violence; Demonstrations') AND NULLIF(btrim(p.r_disorder_type_shipped), '') IS NOT NULL
                THEN concat_ws(E'\x1f', 'disorder_type', NULLIF(btrim(p.r_disorder_type_shipped), ''), 'Political violence, Demonstrations, Strategic developments or "Political violence; Demonstrations"') END,
           CASE WHEN p.inter1_code IS NULL AND NULLIF(btrim(p.r_inter1_shipped), '') IS NOT NULL THEN concat_ws(E'\x1f', 'inter1', NULLIF(btrim(p.r_inter1_shipped), ''), 'an ACLED inter code 0-8 or its label (State forces, Rebel group, Political militia, Identity militia, Rioters, Protesters, Civilians, External/Other forces)') END,
           CASE WHEN p.inter2_code IS NULL AND NULLIF(btrim(p.r_inter2_shipped), '') IS NOT NULL THEN concat_ws(E'\x1f', 'inter2', NULLIF(btrim(p.r_inter2_shipped), ''), 'an ACLED inter code 0-8 or its label (State forces, Rebel group, Political militia, Identity militia, Rioters, Protesters, Civilians, External/Other forces)') END
       ] || conflict.coordinate_problems(p.latitude, p.longitude, NULLIF(btrim(p.r_latitude_shipped), ''), NULLIF(btrim(p.r_longitude_shipped), ''), p.country,
                                         b.name_lower, b.lon_min, b.lat_min, b.lon_max, b.lat_max, a0.geom) || ARRAY[
           CASE WHEN p.fatalities IS NULL THEN concat_ws(E'\x1f', 'fatalities', coalesce(NULLIF(btrim(p.r_fatalities_shipped), ''), ''), 'a whole number of deaths (0 or more)')
                WHEN p.fatalities < 0 THEN concat_ws(E'\x1f', 'fatalities', NULLIF(btrim(p.r_fatalities_shipped), ''), 'a number of deaths of 0 or more') END,
           CASE WHEN (p.iso IS NULL OR p.iso NOT BETWEEN 0 AND 999) AND NULLIF(btrim(p.r_iso_shipped), '') IS NOT NULL THEN concat_ws(E'\x1f', 'iso', NULLIF(btrim(p.r_iso_shipped), ''), 'an ISO 3166 numeric country code') END,
           CASE WHEN p.source_timestamp IS NULL AND NULLIF(btrim(p.r_timestamp_shipped), '') IS NOT NULL THEN concat_ws(E'\x1f', 'timestamp', NULLIF(btrim(p.r_timestamp_shipped), ''), 'a Unix timestamp (whole seconds)') END
       ], NULL), '{}') AS problems
FROM (
    SELECT s.row_no,
           NULLIF(btrim(s.event_id_cnty), '') AS source_event_id,
           conflict.ingest_date(s.event_date) AS event_date,
           NULL::date AS event_date_end,
           conflict.ingest_int(s.year)::int AS year,
           conflict.ingest_int(s.time_precision)::int AS time_precision,
           NULLIF(btrim(s.disorder_type), '') AS disorder_type,
           btrim(s.event_type) AS event_type,
           btrim(s.sub_event_type) AS sub_event_type,
           NULLIF(btrim(s.actor1), '') AS actor1,
           NULLIF(btrim(s.assoc_actor_1), '') AS assoc_actor_1,
           conflict.acled_inter_code(s.inter1) AS inter1_code,
           NULLIF(btrim(s.actor2), '') AS actor2,
           NULLIF(btrim(s.assoc_actor_2), '') AS assoc_actor_2,
           conflict.acled_inter_code(s.inter2) AS inter2_code,
           NULLIF(btrim(s.interaction), '') AS interaction,
           coalesce(lower(btrim(s.civilian_targeting)) IN ('civilian targeting', 'true', '1', 'yes'), false) AS civilian_targeting,
           conflict.ingest_int(s.iso) AS iso,
           NULLIF(btrim(s.country), '') AS country,
           NULLIF(btrim(s.region), '') AS region,
           NULLIF(btrim(s.admin1), '') AS admin1,
           NULLIF(btrim(s.admin2), '') AS admin2,
           NULLIF(btrim(s.admin3), '') AS admin3,
           NULLIF(btrim(s.location), '') AS location,
           conflict.ingest_float(s.longitude) AS longitude,
           conflict.ingest_float(s.latitude) AS latitude,
           conflict.ingest_int(s.geo_precision)::int AS geo_precision,
           conflict.ingest_int(s.fatalities) AS fatalities,
           NULL::bigint AS fatalities_low,
           NULL::bigint AS fatalities_high,
           NULLIF(btrim(s.source), '') AS reported_by,
           NULLIF(btrim(s.source_scale), '') AS source_scale,
           NULLIF(s.notes, '') AS notes,
           NULLIF(btrim(s.tags), '') AS tags,
           conflict.ingest_int(s."timestamp") AS source_timestamp,
           CASE WHEN s.data_id IS NULL AND s.iso3 IS NULL AND s.event_id_no_cnty IS NULL THEN '{}'::jsonb
                ELSE jsonb_strip_nulls(jsonb_build_object('data_id', s.data_id, 'iso3', s.iso3, 'event_id_no_cnty', s.event_id_no_cnty)) END AS native,
           s.ingest_raw_hash AS raw_hash,
           s.event_date AS r_event_date_shipped,
           s.year AS r_year_shipped,
           s.time_precision AS r_time_precision_shipped,
           s.geo_precision AS r_geo_precision_shipped,
           s.disorder_type AS r_disorder_type_shipped,
           s.inter1 AS r_inter1_shipped,
           s.inter2 AS r_inter2_shipped,
           s.latitude AS r_latitude_shipped,
           s.longitude AS r_longitude_shipped,
           s.fatalities AS r_fatalities_shipped,
           s.iso AS r_iso_shipped,
           s."timestamp" AS r_timestamp_shipped
    FROM ingest_stg s
    OFFSET 0
) AS p
LEFT JOIN conflict.event_types et ON et.event_type = p.event_type AND et.sub_event_type = p.sub_event_type
LEFT JOIN conflict.country_bbox b ON b.name_lower = lower(p.country)
LEFT JOIN (SELECT DISTINCT ON (lower(a.name)) lower(a.name) AS name_lower, a.geom FROM conflict.admin_areas a WHERE a.level = 0
           ORDER BY lower(a.name), a.id) a0 ON a0.name_lower = lower(p.country);
