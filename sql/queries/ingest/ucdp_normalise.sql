-- UCDP GED rows staged as text (ingest_stg; row_no = CSV row, header = row 1) → ingest_norm (see acled_normalise.sql).
-- type_of_violence → ACLED pairs: 1 state-based and 2 non-state → Battles / Armed clash; 3 one-sided → Violence against
-- civilians / Attack. where_prec (1-7) → geo_precision: 1 → 1, 2 → 2, 3-7 → 3. date_prec (1-5) → time_precision:
-- 1 → 1, 2-3 → 2, 4-5 → 3. UCDP's own codes stay in `native`; the whole row stays in `raw`.
CREATE TEMP TABLE ingest_norm ON COMMIT DROP AS
SELECT p.row_no, p.source_event_id, p.event_date, p.event_date_end, p.year, p.time_precision, p.disorder_type,
       p.event_type, p.sub_event_type, p.actor1, p.assoc_actor_1, p.inter1_code, p.actor2, p.assoc_actor_2, p.inter2_code,
       p.interaction, p.civilian_targeting, p.iso, p.country, p.region, p.admin1, p.admin2, p.admin3, p.location,
       p.longitude, p.latitude, p.geo_precision, p.fatalities, p.fatalities_low, p.fatalities_high, p.reported_by,
       p.source_scale, p.notes, p.tags, p.source_timestamp, p.native, p.raw, p.raw_hash,
       'Political violence'::text AS default_disorder_type,
       NULLIF(array_remove(ARRAY[
           CASE WHEN p.source_event_id IS NULL OR p.r_id !~ '^\s*\d+\s*$' THEN concat_ws(E'\x1f', 'id', coalesce(p.r_id, ''), 'a UCDP event id (a whole number)') END,
           CASE WHEN p.event_date IS NULL THEN concat_ws(E'\x1f', 'date_start', coalesce(p.r_date_start, ''), 'a date as YYYY-MM-DD or YYYY-MM-DD 00:00:00.000') END,
           CASE WHEN p.r_date_end IS NOT NULL AND p.date_end IS NULL THEN concat_ws(E'\x1f', 'date_end', p.r_date_end, 'a date as YYYY-MM-DD or YYYY-MM-DD 00:00:00.000') END,
           CASE WHEN p.event_date > current_date THEN concat_ws(E'\x1f', 'date_start', p.r_date_start, 'a date not in the future (today is ' || current_date || ')') END,
           CASE WHEN p.date_end > current_date AND p.event_date <= current_date THEN concat_ws(E'\x1f', 'date_end', p.r_date_end, 'a date not in the future (today is ' || current_date || ')') END,
           CASE WHEN p.event_date > p.date_end THEN concat_ws(E'\x1f', 'date_start', p.r_date_start, 'a start on or before date_end (' || p.r_date_end || ')') END,
           CASE WHEN p.event_date IS NOT NULL AND p.year IS DISTINCT FROM extract(year FROM p.event_date)::int
                THEN concat_ws(E'\x1f', 'year', coalesce(p.r_year, ''), 'the year of date_start (' || extract(year FROM p.event_date) || ')') END,
           CASE WHEN p.tov IS NULL OR p.tov NOT BETWEEN 1 AND 3 THEN concat_ws(E'\x1f', 'type_of_violence', coalesce(p.r_tov, ''), 'a UCDP type of violence: 1 state-based, 2 non-state, 3 one-sided') END,
           CASE WHEN p.where_prec IS NULL OR p.where_prec NOT BETWEEN 1 AND 7 THEN concat_ws(E'\x1f', 'where_prec', coalesce(p.r_where_prec, ''), 'a UCDP where_prec code 1 to 7') END,
           CASE WHEN p.date_prec IS NULL OR p.date_prec NOT BETWEEN 1 AND 5 THEN concat_ws(E'\x1f', 'date_prec', coalesce(p.r_date_prec, ''), 'a UCDP date_prec code 1 to 5') END
       ] || conflict.coordinate_problems(p.latitude, p.longitude, p.r_latitude, p.r_longitude, p.country,
                                         b.name_lower, b.lon_min, b.lat_min, b.lon_max, b.lat_max, a0.geom) || ARRAY[
           CASE WHEN p.fatalities IS NULL OR p.fatalities < 0 THEN concat_ws(E'\x1f', 'best', coalesce(p.r_best, ''), 'a best estimate of deaths, a whole number of 0 or more') END,
           CASE WHEN p.r_low IS NOT NULL AND (p.fatalities_low IS NULL OR p.fatalities_low < 0) THEN concat_ws(E'\x1f', 'low', p.r_low, 'a low estimate of deaths, a whole number of 0 or more') END,
           CASE WHEN p.r_high IS NOT NULL AND (p.fatalities_high IS NULL OR p.fatalities_high < 0) THEN concat_ws(E'\x1f', 'high', p.r_high, 'a high estimate of deaths, a whole number of 0 or more') END,
           CASE WHEN p.fatalities_low > p.fatalities THEN concat_ws(E'\x1f', 'low', p.r_low, 'low <= best <= high (best is ' || p.fatalities || ')') END,
           CASE WHEN p.fatalities_high < p.fatalities THEN concat_ws(E'\x1f', 'high', p.r_high, 'low <= best <= high (best is ' || p.fatalities || ')') END,
           CASE WHEN p.deaths_neg IS NOT NULL THEN concat_ws(E'\x1f', p.deaths_neg, '<negative>', 'a number of deaths of 0 or more') END
       ], NULL), '{}') AS problems
FROM (
    SELECT s.row_no,
           NULLIF(btrim(s.id), '') AS source_event_id,
           conflict.ingest_date(s.date_start) AS event_date,
           conflict.ingest_date(s.date_end) AS date_end,
           NULLIF(conflict.ingest_date(s.date_end), conflict.ingest_date(s.date_start)) AS event_date_end,
           conflict.ingest_int(s.year)::int AS year,
           conflict.ingest_int(s.type_of_violence)::int AS tov,
           conflict.ingest_int(s.where_prec)::int AS where_prec,
           conflict.ingest_int(s.date_prec)::int AS date_prec,
           CASE WHEN conflict.ingest_int(s.date_prec) = 1 THEN 1 WHEN conflict.ingest_int(s.date_prec) IN (2, 3) THEN 2 ELSE 3 END AS time_precision,
           CASE WHEN conflict.ingest_int(s.where_prec) = 1 THEN 1 WHEN conflict.ingest_int(s.where_prec) = 2 THEN 2 ELSE 3 END AS geo_precision,
           'Political violence'::text AS disorder_type,
           CASE WHEN conflict.ingest_int(s.type_of_violence) = 3 THEN 'Violence against civilians' ELSE 'Battles' END AS event_type,
           CASE WHEN conflict.ingest_int(s.type_of_violence) = 3 THEN 'Attack' ELSE 'Armed clash' END AS sub_event_type,
           NULLIF(btrim(s.side_a), '') AS actor1, NULL::text AS assoc_actor_1,
           (CASE WHEN s.side_a ~* '^\s*government of ' THEN 1 END)::smallint AS inter1_code,
           NULLIF(btrim(s.side_b), '') AS actor2, NULL::text AS assoc_actor_2,
           (CASE WHEN s.side_b ~* '^\s*government of ' THEN 1 WHEN s.side_b ~* '^\s*civilians' THEN 7 END)::smallint AS inter2_code,
           NULLIF(btrim(s.conflict_name), '') AS interaction,
           conflict.ingest_int(s.type_of_violence) = 3 AS civilian_targeting,
           NULL::bigint AS iso,
           NULLIF(btrim(s.country), '') AS country,
           NULLIF(btrim(s.region), '') AS region,
           NULLIF(regexp_replace(btrim(s.adm_1), '\s+region$', '', 'i'), '') AS admin1,
           NULLIF(regexp_replace(btrim(s.adm_2), '\s+cercle$', '', 'i'), '') AS admin2,
           NULL::text AS admin3,
           NULLIF(btrim(s.where_coordinates), '') AS location,
           conflict.ingest_float(s.longitude) AS longitude,
           conflict.ingest_float(s.latitude) AS latitude,
           conflict.ingest_int(s.best) AS fatalities,
           conflict.ingest_int(s.low) AS fatalities_low,
           conflict.ingest_int(s.high) AS fatalities_high,
           NULLIF(btrim(s.source_office), '') AS reported_by,
           NULL::text AS source_scale,
           NULLIF(s.where_description, '') AS notes,
           NULL::text AS tags,
           NULL::bigint AS source_timestamp,
           jsonb_strip_nulls(jsonb_build_object(
               'relid', s.relid, 'type_of_violence', conflict.ingest_int(s.type_of_violence),
               'where_prec', conflict.ingest_int(s.where_prec), 'date_prec', conflict.ingest_int(s.date_prec),
               'conflict_new_id', conflict.ingest_int(s.conflict_new_id), 'dyad_new_id', conflict.ingest_int(s.dyad_new_id),
               'side_a_new_id', conflict.ingest_int(s.side_a_new_id), 'side_b_new_id', conflict.ingest_int(s.side_b_new_id),
               'deaths_a', conflict.ingest_int(s.deaths_a), 'deaths_b', conflict.ingest_int(s.deaths_b),
               'deaths_civilians', conflict.ingest_int(s.deaths_civilians), 'deaths_unknown', conflict.ingest_int(s.deaths_unknown),
               'event_clarity', conflict.ingest_int(s.event_clarity), 'code_status', s.code_status,
               'priogrid_gid', conflict.ingest_int(s.priogrid_gid), 'country_id', conflict.ingest_int(s.country_id),
               'dyad_name', s.dyad_name, 'number_of_sources', conflict.ingest_int(s.number_of_sources))) AS native,
           jsonb_strip_nulls(to_jsonb(s) - 'row_no' - 'ingest_raw_hash') AS raw,
           s.ingest_raw_hash AS raw_hash,
           CASE WHEN conflict.ingest_int(s.deaths_a) < 0 THEN 'deaths_a' WHEN conflict.ingest_int(s.deaths_b) < 0 THEN 'deaths_b'
                WHEN conflict.ingest_int(s.deaths_civilians) < 0 THEN 'deaths_civilians'
                WHEN conflict.ingest_int(s.deaths_unknown) < 0 THEN 'deaths_unknown' END AS deaths_neg,
           NULLIF(btrim(s.id), '') AS r_id,
           NULLIF(btrim(s.date_start), '') AS r_date_start,
           NULLIF(btrim(s.date_end), '') AS r_date_end,
           NULLIF(btrim(s.year), '') AS r_year,
           NULLIF(btrim(s.type_of_violence), '') AS r_tov,
           NULLIF(btrim(s.where_prec), '') AS r_where_prec,
           NULLIF(btrim(s.date_prec), '') AS r_date_prec,
           NULLIF(btrim(s.latitude), '') AS r_latitude,
           NULLIF(btrim(s.longitude), '') AS r_longitude,
           NULLIF(btrim(s.best), '') AS r_best,
           NULLIF(btrim(s.low), '') AS r_low,
           NULLIF(btrim(s.high), '') AS r_high
    FROM ingest_stg s
    OFFSET 0
) AS p
LEFT JOIN conflict.country_bbox b ON b.name_lower = lower(p.country)
LEFT JOIN (SELECT DISTINCT ON (lower(a.name)) lower(a.name) AS name_lower, a.geom FROM conflict.admin_areas a WHERE a.level = 0
           ORDER BY lower(a.name), a.id) a0 ON a0.name_lower = lower(p.country);
