-- 0020: what the importers need beside the core schema (issue 4):
-- event history (updates and deletions keep the previous version), a quarantine for rejected rows,
-- cross-source duplicate links with a cluster id and a de-duplicated layer, a country bounding-box
-- table for the "latitude and longitude look swapped" check, and inlinable parse helpers used by the
-- set-based validation in sql/queries/ingest/*.sql.

ALTER TABLE conflict.events ADD COLUMN content_hash uuid, ADD COLUMN raw_hash uuid;
COMMENT ON COLUMN conflict.events.raw_hash IS
    'md5 of the row as shipped (CSV: header line + the record''s bytes): a re-import of the same bytes skips the row '
    '(unchanged) without normalising it again; NULL when not imported from CSV';
COMMENT ON COLUMN conflict.events.content_hash IS
    'md5 of the normalised row as imported: a re-import with the same hash (and no newer timestamp) is "unchanged"';
CREATE INDEX events_run_idx ON conflict.events (ingest_run_id);

-- History ---------------------------------------------------------------------------------------------

CREATE TABLE conflict.event_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id            bigint NOT NULL,
    source_id           bigint NOT NULL REFERENCES conflict.sources (id),
    source_event_id     text NOT NULL,
    change              text NOT NULL CHECK (change IN ('update', 'delete')),
    previous            jsonb NOT NULL,
    previous_timestamp  bigint,
    new_timestamp       bigint,
    ingest_run_id       bigint REFERENCES conflict.ingest_runs (id),
    changed_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_history_event_idx ON conflict.event_history (source_id, source_event_id);
COMMENT ON TABLE conflict.event_history IS
    'Previous versions of events: one row per update (newer publisher version) or deletion (publisher''s deleted list); previous = the whole row as it was';
COMMENT ON COLUMN conflict.event_history.event_id IS 'conflict.events.id of the event (no foreign key: deleted events stay here)';

-- Quarantine --------------------------------------------------------------------------------------------

CREATE TABLE conflict.ingest_quarantine (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ingest_run_id  bigint NOT NULL REFERENCES conflict.ingest_runs (id) ON DELETE CASCADE,
    file_name      text NOT NULL,
    row_no         integer NOT NULL,
    problems       jsonb NOT NULL,
    raw            jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_quarantine_run_idx ON conflict.ingest_quarantine (ingest_run_id);
COMMENT ON TABLE conflict.ingest_quarantine IS
    'Rows refused by an import run with --quarantine: where (file, row or feature), why (problems: [{field, value, expected}]) and the row as shipped (raw)';
COMMENT ON COLUMN conflict.ingest_quarantine.row_no IS 'CSV: row number counting the header as row 1; JSON: record index (0-based); GeoJSON: feature index (0-based)';

-- Cross-source duplicates --------------------------------------------------------------------------------

CREATE TABLE conflict.event_links (
    event_id    bigint NOT NULL REFERENCES conflict.events (id) ON DELETE CASCADE,
    twin_id     bigint NOT NULL REFERENCES conflict.events (id) ON DELETE CASCADE,
    distance_m  double precision NOT NULL CHECK (distance_m >= 0),
    days_apart  integer NOT NULL CHECK (days_apart >= 0),
    method      text NOT NULL DEFAULT 'date±1d, ≤10 km geodesic, compatible actors',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, twin_id),
    CHECK (event_id < twin_id)
);
CREATE INDEX event_links_twin_idx ON conflict.event_links (twin_id);
COMMENT ON TABLE conflict.event_links IS
    'One event reported by two sources (ACLED and UCDP): dates within a day, at most 10 km apart (geodesic), compatible actors';

-- Actor compatibility key: publishers name the same actor differently
-- (ACLED "Military Forces of Mali (2021-)" = UCDP "Government of Mali"; "JNIM: Group for Support of Islam and Muslims" = "JNIM").
CREATE FUNCTION conflict.actor_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE
        WHEN n ~ '^(military|police|gendarmerie) forces of ' THEN
            'state ' || btrim(regexp_replace(regexp_replace(n, '^(military|police|gendarmerie) forces of ', ''), '( \d{4}.*)$', ''))
        WHEN n ~ '^government of ' THEN 'state ' || btrim(regexp_replace(n, '^government of ', ''))
        WHEN n ~ '^civilians' THEN 'civilians'
        WHEN n IN ('islamic state sahel province', 'islamic state sahel', 'islamic state greater sahara', 'isgs', 'is sahel', 'is') THEN 'is'
        WHEN n ~ '^(jama a nusrat|group for support of islam|gsim)' THEN 'jnim'
        WHEN name ~ '^[^:]{2,}:' THEN conflict.norm_name(split_part(name, ':', 1))
        ELSE n
    END
    FROM (SELECT conflict.norm_name(name) AS n) AS x
$$;
COMMENT ON FUNCTION conflict.actor_key(text) IS 'A coarse key for comparing actor names across publishers (dedupe): state <country>, civilians, the acronym before a colon, or the normalised name';

-- A cluster is a connected component of the links (a chain A–B–C is one cluster even when A and C are not linked):
-- the closure is computed over the linked events only (few), every other event is its own cluster.
CREATE VIEW conflict.event_clusters AS
WITH RECURSIVE edges (a, b) AS (
    SELECT event_id, twin_id FROM conflict.event_links
    UNION ALL
    SELECT twin_id, event_id FROM conflict.event_links
), reach (event_id, member) AS (
    SELECT a, b FROM edges
    UNION
    SELECT r.event_id, e.b FROM reach r JOIN edges e ON e.a = r.member
), linked AS (
    SELECT event_id, min(member) AS cluster_id FROM reach GROUP BY event_id
)
SELECT e.id AS event_id, LEAST(e.id, coalesce(l.cluster_id, e.id)) AS cluster_id
FROM conflict.events e LEFT JOIN linked l ON l.event_id = e.id;
COMMENT ON VIEW conflict.event_clusters IS 'cluster_id = the smallest event id of the connected component of event_links the event belongs to (the event itself when it has no twin)';

CREATE VIEW layers.events_dedup AS
SELECT v.*, c.cluster_id,
       (SELECT count(*) FROM conflict.event_links l WHERE l.event_id = v.id OR l.twin_id = v.id)::int AS twins
FROM layers.events v JOIN conflict.event_clusters c ON c.event_id = v.id
WHERE c.cluster_id = v.id;
COMMENT ON VIEW layers.events_dedup IS 'Events with cross-source duplicates counted once: one row per cluster (the event with the smallest id)';

-- Country bounding boxes for the swapped-coordinates check ---------------------------------------------

CREATE TABLE conflict.country_bbox (
    name_lower  text PRIMARY KEY,
    iso_num     smallint,
    lon_min double precision NOT NULL, lat_min double precision NOT NULL,
    lon_max double precision NOT NULL, lat_max double precision NOT NULL
);
COMMENT ON TABLE conflict.country_bbox IS
    'Country bounding boxes (degrees, lon/lat) for the importers'' "latitude and longitude look swapped" check; Mali from Natural Earth admin 0, neighbours rounded outward';
INSERT INTO conflict.country_bbox VALUES
    ('mali',          466, -12.30, 10.10,  4.30, 25.05),
    ('burkina faso',  854,  -5.55,  9.35,  2.45, 15.10),
    ('niger',         562,   0.15, 11.65, 16.00, 23.55),
    ('mauritania',    478, -17.10, 14.70, -4.80, 27.35),
    ('senegal',       686, -17.55, 12.30, -11.35, 16.70),
    ('guinea',        324, -15.10,  7.15, -7.60, 12.70),
    ('ivory coast',   384,  -8.65,  4.30, -2.45, 10.75),
    ('cote d''ivoire', 384, -8.65,  4.30, -2.45, 10.75),
    ('algeria',        12,  -8.70, 18.95, 12.00, 37.10),
    ('nigeria',       566,   2.65,  4.25, 14.70, 13.90),
    ('chad',          148,  13.45,  7.40, 24.00, 23.50);

-- Parse helpers (inlinable SQL: NULL for anything malformed, never an exception) -------------------------

CREATE FUNCTION conflict.ingest_make_date(y integer, m integer, d integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN y BETWEEN 1 AND 9999 AND m BETWEEN 1 AND 12 AND d >= 1
                 AND d <= (ARRAY[31, CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END,
                                 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[m]
           THEN make_date(y, m, d) END
$$;

-- 'YYYY-MM-DD', 'YYYY-MM-DD 00:00:00.000' (UCDP), 'YYYY-MM-DDT00:00:00Z', or '15 January 2023' (older ACLED exports).
CREATE FUNCTION conflict.ingest_date(s text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN s ~ '^\s*\d{4}-\d{2}-\d{2}([ T]00:00:00(\.0+)?Z?)?\s*$' THEN
            conflict.ingest_make_date(substr(btrim(s), 1, 4)::int, substr(btrim(s), 6, 2)::int, substr(btrim(s), 9, 2)::int)
        WHEN s ~* '^\s*\d{1,2} (january|february|march|april|may|june|july|august|september|october|november|december) \d{4}\s*$' THEN
            conflict.ingest_make_date(split_part(btrim(s), ' ', 3)::int,
                array_position(ARRAY['january','february','march','april','may','june','july','august','september','october','november','december'],
                               lower(split_part(btrim(s), ' ', 2))),
                split_part(btrim(s), ' ', 1)::int)
    END
$$;

-- Whole numbers ('12', '12.0'); NULL when empty or malformed.
CREATE FUNCTION conflict.ingest_int(s text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s ~ '^\s*[+-]?\d{1,15}(\.0*)?\s*$' THEN split_part(btrim(s), '.', 1)::bigint END
$$;

CREATE FUNCTION conflict.ingest_float(s text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s ~ '^\s*[+-]?(\d{1,20}(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?\s*$' THEN btrim(s)::double precision END
$$;

-- A value is present when it is not NULL and not blank.
CREATE FUNCTION conflict.ingest_blank(s text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT s IS NULL OR s ~ '^\s*$'
$$;

-- ACLED interaction codes: a numeric code (older exports, 0-8) or its label (exports since 2023).
CREATE FUNCTION conflict.acled_inter_code(s text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE
        WHEN s ~ '^\s*[0-8](\.0*)?\s*$' THEN substr(btrim(s), 1, 1)::int
        ELSE array_position(ARRAY['state forces', 'rebel group', 'political militia', 'identity militia', 'rioters',
                                  'protesters', 'civilians', 'external/other forces'], lower(btrim(s)))
    END)::smallint
$$;

CREATE FUNCTION conflict.acled_inter_label(code smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (ARRAY['State forces', 'Rebel group', 'Political militia', 'Identity militia', 'Rioters',
                  'Protesters', 'Civilians', 'External/Other forces'])[code]
$$;

-- Fast parse helpers for the common case (a valid file): plain casts, C speed, no regular expression per value.
-- Each returns exactly what its detailed twin above returns, or raises (invalid_text_representation,
-- datetime_field_overflow …). The loader runs the fast normalisation in a savepoint and, on any error or any
-- refused row, rolls it back and runs the detailed one, so every message stays the detailed path's.
-- The guards send the forms where a cast would accept more than the detailed pattern to the detailed helper:
-- more than 15 characters for a whole number, exponents and more than 20 characters for a decimal, anything but
-- a canonical YYYY-MM-DD (round trip through date output) for a date.
CREATE FUNCTION conflict.ingest_int_fast(s text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(s) <= 15 THEN NULLIF(s, '')::bigint ELSE conflict.ingest_int(s) END
$$;

CREATE FUNCTION conflict.ingest_float_fast(s text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(s) <= 20 AND strpos(s, 'e') = 0 AND strpos(s, 'E') = 0 THEN NULLIF(s, '')::double precision
                ELSE conflict.ingest_float(s) END
$$;

-- STABLE: text → date reads DateStyle. With a non-ISO DateStyle the round trip never matches and every
-- value takes the detailed helper (slower, same result).
CREATE FUNCTION conflict.ingest_date_fast(s text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(s) = 10 AND s::date::text = s THEN s::date ELSE conflict.ingest_date(s) END
$$;

CREATE FUNCTION conflict.acled_inter_code_fast(s text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(s) = 1 AND s BETWEEN '0' AND '8' THEN s::smallint
                ELSE coalesce(array_position(ARRAY['state forces', 'rebel group', 'political militia', 'identity militia', 'rioters',
                                                   'protesters', 'civilians', 'external/other forces'], lower(s))::smallint,
                              conflict.acled_inter_code(s)) END
$$;
