-- ingest_norm as the bulk path fills it: the columns and types acled_normalise.sql produces (problems stays
-- NULL: the bulk path sends only valid rows). The plan, actor and insert/update queries read it unchanged.
CREATE TEMP TABLE ingest_norm (
    row_no bigint, source_event_id text, event_date date, event_date_end date, year integer,
    time_precision integer, disorder_type text, event_type text, sub_event_type text,
    actor1 text, assoc_actor_1 text, inter1_code smallint, actor2 text, assoc_actor_2 text, inter2_code smallint,
    interaction text, civilian_targeting boolean, iso bigint, country text, region text, admin1 text, admin2 text,
    admin3 text, location text, longitude double precision, latitude double precision, geo_precision integer,
    fatalities bigint, fatalities_low bigint, fatalities_high bigint, reported_by text, source_scale text,
    notes text, tags text, source_timestamp bigint, native jsonb, raw_hash uuid, default_disorder_type text,
    raw jsonb, problems text[]
) ON COMMIT DROP;
