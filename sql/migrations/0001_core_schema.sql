-- 0001: the core schema of conflict-gis.
-- Tables live in schema `conflict`; what QGIS and the server publish lives in `layers`.
-- Storage is WGS 84 (EPSG:4326); every geometry column is typed and GiST-indexed; distances are metres.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;   -- exclusion constraints mixing = and && (validity periods)
CREATE EXTENSION IF NOT EXISTS pg_trgm;      -- close-name suggestions in the gazetteer
CREATE EXTENSION IF NOT EXISTS unaccent;     -- "Ségou" = "Segou"

CREATE SCHEMA IF NOT EXISTS conflict;
CREATE SCHEMA IF NOT EXISTS layers;
COMMENT ON SCHEMA conflict IS 'conflict-gis tables: events, zones, corridors, roads, sites, alerts and their provenance';
COMMENT ON SCHEMA layers IS 'conflict-gis published views (QGIS, OGC API - Features): stable integer keys, typed geometry';

-- Name normalisation used by every name look-up: lower case, no accents, punctuation as single spaces.
-- unaccent() is only STABLE (it reads a dictionary); naming the dictionary makes this wrapper safe to mark IMMUTABLE.
CREATE FUNCTION conflict.norm_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name)), '[^a-z0-9]+', ' ', 'g'))
$$;
COMMENT ON FUNCTION conflict.norm_name(text) IS 'Normalised name for look-ups: lower case, accents removed, punctuation folded to spaces';

-- Provenance ---------------------------------------------------------------------------------------

CREATE TABLE conflict.sources (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('report', 'dataset', 'gazetteer', 'boundaries', 'roads', 'manual', 'derived')),
    file_name   text,
    citation    text,
    url         text,
    licence     text,
    published   date,
    notes       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE conflict.sources IS 'Provenance: every record of every table points to one source (a report file, a dataset, a gazetteer)';
COMMENT ON COLUMN conflict.sources.file_name IS 'For curated facts: the situation report file the fact was read from';

CREATE TABLE conflict.ingest_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id    bigint REFERENCES conflict.sources (id),
    format       text NOT NULL,
    file_name    text,
    file_sha256  text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'dry-run')),
    inserted     integer NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated      integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    unchanged    integer NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
    deleted      integer NOT NULL DEFAULT 0 CHECK (deleted >= 0),
    rejected     integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    invoked_by   text NOT NULL DEFAULT current_user,
    options      jsonb NOT NULL DEFAULT '{}'::jsonb,
    message      text
);
COMMENT ON TABLE conflict.ingest_runs IS 'One row per import: file, checksum, counts, when and who';

-- Actors -------------------------------------------------------------------------------------------

CREATE TABLE conflict.actors (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    short_name   text,
    kind         text NOT NULL DEFAULT 'other'
                 CHECK (kind IN ('state', 'state_ally', 'rebel', 'jihadist', 'militia', 'civilians', 'protesters', 'rioters', 'external', 'other')),
    inter_code   smallint CHECK (inter_code BETWEEN 0 AND 8),
    description  text,
    source_id    bigint REFERENCES conflict.sources (id)
);
COMMENT ON TABLE conflict.actors IS 'Armed and political actors; names as publishers spell them are merged through actor_aliases';
COMMENT ON COLUMN conflict.actors.inter_code IS 'ACLED interaction code: 1 state forces, 2 rebel groups, 3 political militias, 4 identity militias, 5 rioters, 6 protesters, 7 civilians, 8 external/other forces';

CREATE TABLE conflict.actor_aliases (
    alias       text NOT NULL,
    alias_norm  text GENERATED ALWAYS AS (conflict.norm_name(alias)) STORED PRIMARY KEY,
    actor_id    bigint NOT NULL REFERENCES conflict.actors (id) ON DELETE CASCADE
);
COMMENT ON TABLE conflict.actor_aliases IS 'Every spelling of an actor (JNIM = GSIM = Jama''at Nusrat al-Islam wal-Muslimin); one normalised alias names one actor';

-- ACLED taxonomy ------------------------------------------------------------------------------------

CREATE TABLE conflict.event_types (
    event_type      text NOT NULL,
    sub_event_type  text NOT NULL,
    disorder_type   text NOT NULL,
    PRIMARY KEY (event_type, sub_event_type)
);
COMMENT ON TABLE conflict.event_types IS 'ACLED event type / sub-event type pairs (codebook 2023); events reference a pair, so a sub-event type of another type is refused';

INSERT INTO conflict.event_types (event_type, sub_event_type, disorder_type) VALUES
    ('Battles', 'Armed clash', 'Political violence'),
    ('Battles', 'Government regains territory', 'Political violence'),
    ('Battles', 'Non-state actor overtakes territory', 'Political violence'),
    ('Explosions/Remote violence', 'Chemical weapon', 'Political violence'),
    ('Explosions/Remote violence', 'Air/drone strike', 'Political violence'),
    ('Explosions/Remote violence', 'Suicide bomb', 'Political violence'),
    ('Explosions/Remote violence', 'Shelling/artillery/missile attack', 'Political violence'),
    ('Explosions/Remote violence', 'Remote explosive/landmine/IED', 'Political violence'),
    ('Explosions/Remote violence', 'Grenade', 'Political violence'),
    ('Violence against civilians', 'Sexual violence', 'Political violence'),
    ('Violence against civilians', 'Attack', 'Political violence'),
    ('Violence against civilians', 'Abduction/forced disappearance', 'Political violence'),
    ('Protests', 'Peaceful protest', 'Demonstrations'),
    ('Protests', 'Protest with intervention', 'Demonstrations'),
    ('Protests', 'Excessive force against protesters', 'Political violence; Demonstrations'),
    ('Riots', 'Violent demonstration', 'Demonstrations'),
    ('Riots', 'Mob violence', 'Political violence'),
    ('Strategic developments', 'Agreement', 'Strategic developments'),
    ('Strategic developments', 'Arrests', 'Strategic developments'),
    ('Strategic developments', 'Change to group/activity', 'Strategic developments'),
    ('Strategic developments', 'Disrupted weapons use', 'Strategic developments'),
    ('Strategic developments', 'Headquarters or base established', 'Strategic developments'),
    ('Strategic developments', 'Looting/property destruction', 'Strategic developments'),
    ('Strategic developments', 'Non-violent transfer of territory', 'Strategic developments'),
    ('Strategic developments', 'Other', 'Strategic developments');

-- Gazetteer and boundaries ---------------------------------------------------------------------------

CREATE TABLE conflict.places (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    geonameid   bigint UNIQUE,
    kind        text NOT NULL DEFAULT 'populated place',
    admin1      text,
    population  integer CHECK (population >= 0),
    geom        geometry(Point, 4326) NOT NULL,
    source_id   bigint NOT NULL REFERENCES conflict.sources (id),
    notes       text
);
CREATE INDEX places_geom_gix ON conflict.places USING gist (geom);
COMMENT ON TABLE conflict.places IS 'Gazetteer of populated places (GeoNames plus curated additions with cited coordinates)';

CREATE TABLE conflict.place_names (
    place_id   bigint NOT NULL REFERENCES conflict.places (id) ON DELETE CASCADE,
    name       text NOT NULL,
    name_norm  text GENERATED ALWAYS AS (conflict.norm_name(name)) STORED,
    PRIMARY KEY (place_id, name_norm)
);
CREATE INDEX place_names_norm_idx ON conflict.place_names (name_norm);
CREATE INDEX place_names_norm_trgm ON conflict.place_names USING gin (name_norm gin_trgm_ops);
COMMENT ON TABLE conflict.place_names IS 'Every name of a place (official, without accents, alternative spellings: Tombouctou = Timbuktu)';

CREATE TABLE conflict.admin_areas (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    level      smallint NOT NULL CHECK (level BETWEEN 0 AND 3),
    name       text NOT NULL,
    pcode      text,
    parent_id  bigint REFERENCES conflict.admin_areas (id),
    geom       geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source_id  bigint NOT NULL REFERENCES conflict.sources (id),
    UNIQUE (level, name)
);
CREATE INDEX admin_areas_geom_gix ON conflict.admin_areas USING gist (geom);
COMMENT ON TABLE conflict.admin_areas IS 'Administrative boundaries: 0 country, 1 region, 2 cercle, 3 commune';

-- Events -----------------------------------------------------------------------------------------------

CREATE TABLE conflict.events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id         bigint NOT NULL,  -- → conflict.sources (id): checked per statement, see events_check_refs below
    source_event_id   text NOT NULL,
    event_date        date NOT NULL,
    event_date_end    date,
    time_precision    smallint NOT NULL CHECK (time_precision BETWEEN 1 AND 3),
    disorder_type     text CHECK (disorder_type IN ('Political violence', 'Demonstrations', 'Strategic developments', 'Political violence; Demonstrations')),
    event_type        text NOT NULL,
    sub_event_type    text NOT NULL,
    actor1            text,
    assoc_actor_1     text,
    inter1            text,
    actor2            text,
    assoc_actor_2     text,
    inter2            text,
    interaction       text,
    civilian_targeting boolean NOT NULL DEFAULT false,
    actor1_id         bigint,  -- → conflict.actors (id), checked per statement
    actor2_id         bigint,  -- → conflict.actors (id), checked per statement
    iso               smallint,
    country           text,
    region            text,
    admin1            text,
    admin2            text,
    admin3            text,
    location          text,
    longitude         double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    latitude          double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    geo_precision     smallint NOT NULL CHECK (geo_precision BETWEEN 1 AND 3),
    geom              geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED,
    fatalities        integer NOT NULL DEFAULT 0 CHECK (fatalities >= 0),
    fatalities_low    integer CHECK (fatalities_low >= 0),
    fatalities_high   integer CHECK (fatalities_high >= 0),
    reported_by       text,
    source_scale      text,
    notes             text,
    tags              text,
    confidence        text CHECK (confidence IN ('high', 'medium', 'low')),
    source_timestamp  bigint,
    native            jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw               jsonb,
    ingest_run_id     bigint,  -- → conflict.ingest_runs (id), checked per statement
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_id, source_event_id),
    CONSTRAINT events_date_range CHECK (event_date_end IS NULL OR event_date_end >= event_date),
    CONSTRAINT events_fatalities_order CHECK (
        (fatalities_low IS NULL OR fatalities_low <= fatalities)
        AND (fatalities_high IS NULL OR fatalities <= fatalities_high))
);
CREATE INDEX events_geom_gix ON conflict.events USING gist (geom);

-- Integrity without per-row foreign-key triggers (bulk imports write 1 M rows; a row-level FK costs one
-- SPI look-up per row and column: 4 of them were ~40 % of an import, docs/importers.md "Speed").
--
-- 1. The ACLED pair is a CHECK on the constant list of conflict.event_types, generated here from that table
--    (one source of truth). A codebook change is a migration that inserts the pair and rebuilds this CHECK.
DO $$
BEGIN
    EXECUTE (
        SELECT format('ALTER TABLE conflict.events ADD CONSTRAINT events_event_type_pair CHECK ((event_type, sub_event_type) IN (%s))',
                      string_agg(format('(%L, %L)', t.event_type, t.sub_event_type), ', ' ORDER BY t.event_type, t.sub_event_type))
        FROM conflict.event_types t);
END
$$;
COMMENT ON CONSTRAINT events_event_type_pair ON conflict.events IS
    'ACLED event type / sub-event type pair: the rows of conflict.event_types when the constraint was built';

-- 2. source_id, actor1_id, actor2_id and ingest_run_id are checked once per statement, set-based, over the
--    statement's new rows (one anti-join per column instead of one look-up per row), and the referenced rows
--    are locked FOR KEY SHARE as a foreign key would lock them. The referenced tables refuse to delete (or
--    renumber) a row that events still point to. Errors are foreign_key_violation and name the reference.
-- The check of one reference column: lock the referenced rows that exist (as a foreign key would) and raise
-- foreign_key_violation, naming the constraint, for the smallest id that does not.
CREATE FUNCTION conflict.require_referenced(target regclass, ids bigint[], constraint_name text, key_label text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    EXECUTE format('WITH found AS (SELECT p.id FROM %s p WHERE p.id = ANY ($1) FOR KEY SHARE)
                    SELECT min(id) FROM unnest($1) AS ids (id) WHERE id NOT IN (SELECT id FROM found)', target)
        INTO missing USING ids;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "events" violates foreign key constraint "%"', constraint_name
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = constraint_name, TABLE = 'events', SCHEMA = 'conflict',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', key_label, missing,
                                  (SELECT relname FROM pg_class WHERE oid = target));
    END IF;
END
$$;

CREATE FUNCTION conflict.events_check_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    source_ids bigint[];
    actor_ids bigint[];
    run_ids bigint[];
BEGIN
    -- One scan of the transition table (1 M rows on a bulk import): the distinct reference combinations are
    -- few (one source, one run, a few hundred actors), so a hash aggregate reduces them first.
    WITH combos AS (SELECT source_id, actor1_id, actor2_id, ingest_run_id FROM new_refs
                    GROUP BY source_id, actor1_id, actor2_id, ingest_run_id)
    SELECT array_agg(DISTINCT source_id),
           (SELECT array_agg(DISTINCT a.id) FROM combos c CROSS JOIN LATERAL (VALUES (c.actor1_id), (c.actor2_id)) AS a (id)
            WHERE a.id IS NOT NULL),
           array_agg(DISTINCT ingest_run_id) FILTER (WHERE ingest_run_id IS NOT NULL)
    INTO source_ids, actor_ids, run_ids
    FROM combos;
    PERFORM conflict.require_referenced('conflict.sources', source_ids, 'events_source_id_fkey', 'source_id');
    PERFORM conflict.require_referenced('conflict.actors', actor_ids, 'events_actor_id_fkey', 'actor1_id or actor2_id');
    PERFORM conflict.require_referenced('conflict.ingest_runs', run_ids, 'events_ingest_run_id_fkey', 'ingest_run_id');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflict.events_check_refs() IS
    'Statement-level foreign keys of conflict.events (source_id, actor1_id, actor2_id, ingest_run_id): set-based check and FOR KEY SHARE lock';
CREATE TRIGGER events_check_refs_ins AFTER INSERT ON conflict.events
    REFERENCING NEW TABLE AS new_refs FOR EACH STATEMENT EXECUTE FUNCTION conflict.events_check_refs();
CREATE TRIGGER events_check_refs_upd AFTER UPDATE ON conflict.events
    REFERENCING NEW TABLE AS new_refs FOR EACH STATEMENT EXECUTE FUNCTION conflict.events_check_refs();

CREATE FUNCTION conflict.refuse_delete_referenced_by_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    used boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'sources' THEN
        used := EXISTS (SELECT 1 FROM conflict.events e WHERE e.source_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'actors' THEN
        used := EXISTS (SELECT 1 FROM conflict.events e WHERE e.actor1_id = OLD.id)
             OR EXISTS (SELECT 1 FROM conflict.events e WHERE e.actor2_id = OLD.id);
    ELSE
        used := EXISTS (SELECT 1 FROM conflict.events e WHERE e.ingest_run_id = OLD.id);
    END IF;
    IF used THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "events_%_fkey" on table "events"',
                        TG_TABLE_NAME, CASE TG_TABLE_NAME WHEN 'sources' THEN 'source_id' WHEN 'actors' THEN 'actor_id' ELSE 'ingest_run_id' END
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "events".', OLD.id);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION conflict.refuse_delete_referenced_by_events() IS
    'The referenced side of the statement-level foreign keys of conflict.events (NO ACTION semantics)';
CREATE TRIGGER sources_events_refs BEFORE DELETE OR UPDATE OF id ON conflict.sources
    FOR EACH ROW EXECUTE FUNCTION conflict.refuse_delete_referenced_by_events();
CREATE TRIGGER actors_events_refs BEFORE DELETE OR UPDATE OF id ON conflict.actors
    FOR EACH ROW EXECUTE FUNCTION conflict.refuse_delete_referenced_by_events();
CREATE TRIGGER ingest_runs_events_refs BEFORE DELETE OR UPDATE OF id ON conflict.ingest_runs
    FOR EACH ROW EXECUTE FUNCTION conflict.refuse_delete_referenced_by_events();

CREATE INDEX events_date_idx ON conflict.events (event_date);
CREATE INDEX events_type_idx ON conflict.events (event_type);
COMMENT ON TABLE conflict.events IS 'Geolocated conflict events, ACLED-compatible; (source, source_event_id) is unique';
COMMENT ON COLUMN conflict.events.time_precision IS 'ACLED time precision: 1 exact day, 2 within a week, 3 within a month';
COMMENT ON COLUMN conflict.events.geo_precision IS 'ACLED geo precision: 1 exact town, 2 near / part of a region, 3 coarse (district, region)';
COMMENT ON COLUMN conflict.events.fatalities IS 'Best estimate of deaths (UCDP: best); fatalities_low/high hold the range when the publisher gives one';
COMMENT ON COLUMN conflict.events.reported_by IS 'The publisher''s own "source" field (newspapers, NGOs) as shipped';
COMMENT ON COLUMN conflict.events.native IS 'Publisher codes kept as shipped (UCDP where_prec, date_prec, type_of_violence …)';
COMMENT ON COLUMN conflict.events.source_timestamp IS 'ACLED timestamp: the version of the record; a newer one updates the event';

-- Control zones and corridors --------------------------------------------------------------------------

CREATE TABLE conflict.control_zones (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_key      text NOT NULL,
    name          text NOT NULL,
    kind          text NOT NULL DEFAULT 'control' CHECK (kind IN ('control', 'curfew', 'restriction')),
    status        text CHECK (status IN ('full', 'contested', 'influence')),
    restrictions  text,
    valid_from    date NOT NULL,
    valid_to      date,
    geom          geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source_id     bigint NOT NULL REFERENCES conflict.sources (id),
    confidence    text CHECK (confidence IN ('high', 'medium', 'low')),
    notes         text,
    CONSTRAINT control_zones_status_needed CHECK (kind <> 'control' OR status IS NOT NULL),
    CONSTRAINT control_zones_period CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT control_zones_no_overlap EXCLUDE USING gist (zone_key WITH =, daterange(valid_from, valid_to, '[)') WITH &&)
);
CREATE INDEX control_zones_geom_gix ON conflict.control_zones USING gist (geom);
COMMENT ON TABLE conflict.control_zones IS 'Who controls an area, one row per period; a zone (zone_key) never has two overlapping periods';
COMMENT ON COLUMN conflict.control_zones.valid_to IS 'First day the period no longer applies (exclusive); NULL while it still applies';

CREATE TABLE conflict.control_zone_actors (
    control_zone_id  bigint NOT NULL REFERENCES conflict.control_zones (id) ON DELETE CASCADE,
    actor_id         bigint NOT NULL REFERENCES conflict.actors (id),
    PRIMARY KEY (control_zone_id, actor_id)
);
COMMENT ON TABLE conflict.control_zone_actors IS 'The controller(s) of a zone period (Kidal 2026: FLA and JNIM)';

CREATE TABLE conflict.corridors (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    corridor_key   text NOT NULL,
    name           text NOT NULL,
    road_ref       text,
    kind           text NOT NULL CHECK (kind IN ('blockade', 'restricted', 'closed')),
    imposed_by     bigint REFERENCES conflict.actors (id),
    restrictions   text,
    width_m        double precision NOT NULL CHECK (width_m > 0 AND width_m <= 200000),
    valid_from     date NOT NULL,
    valid_to       date,
    geom           geometry(MultiLineString, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source_id      bigint NOT NULL REFERENCES conflict.sources (id),
    confidence     text CHECK (confidence IN ('high', 'medium', 'low')),
    notes          text,
    CONSTRAINT corridors_period CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT corridors_no_overlap EXCLUDE USING gist (corridor_key WITH =, daterange(valid_from, valid_to, '[)') WITH &&)
);
CREATE INDEX corridors_geom_gix ON conflict.corridors USING gist (geom);
COMMENT ON TABLE conflict.corridors IS 'Blockaded, restricted or closed road axes, with a width in metres and a validity period';
COMMENT ON COLUMN conflict.corridors.width_m IS 'Full width of the corridor area in metres (the axis is buffered by width_m / 2 on each side)';

-- Roads, sites, alerts ------------------------------------------------------------------------------------

CREATE TABLE conflict.roads (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    osm_id       bigint,
    name         text,
    ref          text,
    highway      text,
    surface      text,
    schematic    boolean NOT NULL DEFAULT false,
    source_node  bigint,
    target_node  bigint,
    geom         geometry(LineString, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source_id    bigint NOT NULL REFERENCES conflict.sources (id),
    tags         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX roads_geom_gix ON conflict.roads USING gist (geom);
CREATE UNIQUE INDEX roads_osm_uniq ON conflict.roads (source_id, osm_id) WHERE osm_id IS NOT NULL;
COMMENT ON TABLE conflict.roads IS 'Road network for routing; schematic = digitised through towns, not surveyed';

CREATE TABLE conflict.sites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('airport', 'bridge', 'government', 'media', 'diplomatic', 'military', 'logistics', 'office', 'route', 'other')),
    status      text,
    geom        geometry(Geometry, 4326) NOT NULL
                CHECK (ST_IsValid(geom) AND GeometryType(geom) IN ('POINT', 'LINESTRING', 'MULTILINESTRING', 'POLYGON', 'MULTIPOLYGON')),
    source_id   bigint NOT NULL REFERENCES conflict.sources (id),
    notes       text,
    UNIQUE (name)
);
CREATE INDEX sites_geom_gix ON conflict.sites USING gist (geom);
COMMENT ON TABLE conflict.sites IS 'Places to protect (airport, bridges, offices) and routes watched by alert rules';

CREATE TABLE conflict.alert_rules (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    site_id         bigint REFERENCES conflict.sites (id) ON DELETE CASCADE,
    radius_m        double precision NOT NULL CHECK (radius_m > 0 AND radius_m <= 500000),
    event_types     text[],
    min_fatalities  integer NOT NULL DEFAULT 0 CHECK (min_fatalities >= 0),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE conflict.alert_rules IS 'Proximity rules: a site (or every site when site_id is NULL), a radius in metres, event types, a fatality floor';

CREATE TABLE conflict.alerts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id      bigint NOT NULL REFERENCES conflict.alert_rules (id) ON DELETE CASCADE,
    site_id      bigint NOT NULL REFERENCES conflict.sites (id) ON DELETE CASCADE,
    event_id     bigint NOT NULL REFERENCES conflict.events (id) ON DELETE CASCADE,
    distance_m   double precision NOT NULL CHECK (distance_m >= 0),
    bearing_deg  double precision CHECK (bearing_deg >= 0 AND bearing_deg < 360),
    message      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (rule_id, site_id, event_id)
);
CREATE INDEX alerts_created_idx ON conflict.alerts (created_at);
COMMENT ON TABLE conflict.alerts IS 'Raised alerts; (rule, site, event) is unique, so an alert is never raised twice';
COMMENT ON COLUMN conflict.alerts.bearing_deg IS 'Bearing from the site to the event, degrees clockwise from true north';

-- Published layers (views: stable integer key `id`, typed geometry) -----------------------------------------

CREATE VIEW layers.events AS
SELECT e.id, s.name AS source, e.source_event_id, e.event_date, e.time_precision, e.disorder_type,
       e.event_type, e.sub_event_type, e.actor1, e.actor2, e.admin1, e.admin2, e.location,
       e.geo_precision, e.fatalities, e.notes, e.geom::geometry(Point, 4326) AS geom
FROM conflict.events e JOIN conflict.sources s ON s.id = e.source_id;

CREATE VIEW layers.control_zones AS
SELECT z.id, z.zone_key, z.name, z.kind, z.status,
       (SELECT string_agg(a.name, ' + ' ORDER BY a.name) FROM conflict.control_zone_actors za
          JOIN conflict.actors a ON a.id = za.actor_id WHERE za.control_zone_id = z.id) AS controllers,
       z.restrictions, z.valid_from, z.valid_to, s.name AS source, z.confidence,
       z.geom::geometry(MultiPolygon, 4326) AS geom
FROM conflict.control_zones z JOIN conflict.sources s ON s.id = z.source_id;

CREATE VIEW layers.corridors AS
SELECT c.id, c.corridor_key, c.name, c.road_ref, c.kind, a.name AS imposed_by, c.restrictions, c.width_m,
       c.valid_from, c.valid_to, s.name AS source, c.confidence, c.geom::geometry(MultiLineString, 4326) AS geom
FROM conflict.corridors c JOIN conflict.sources s ON s.id = c.source_id
LEFT JOIN conflict.actors a ON a.id = c.imposed_by;

CREATE VIEW layers.sites AS
SELECT t.id, t.name, t.kind, t.status, s.name AS source, t.geom::geometry(Point, 4326) AS geom
FROM conflict.sites t JOIN conflict.sources s ON s.id = t.source_id
WHERE GeometryType(t.geom) = 'POINT';

CREATE VIEW layers.places AS
SELECT p.id, p.name, p.kind, p.admin1, p.population, s.name AS source, p.geom::geometry(Point, 4326) AS geom
FROM conflict.places p JOIN conflict.sources s ON s.id = p.source_id;

CREATE VIEW layers.admin_areas AS
SELECT a.id, a.level, a.name, a.pcode, s.name AS source, a.geom::geometry(MultiPolygon, 4326) AS geom
FROM conflict.admin_areas a JOIN conflict.sources s ON s.id = a.source_id;

CREATE VIEW layers.roads AS
SELECT r.id, r.name, r.ref, r.highway, r.surface, r.schematic, s.name AS source,
       r.geom::geometry(LineString, 4326) AS geom
FROM conflict.roads r JOIN conflict.sources s ON s.id = r.source_id;

CREATE VIEW layers.alerts AS
SELECT a.id, r.name AS rule, t.name AS site, a.event_id, a.distance_m, a.bearing_deg, a.message, a.created_at,
       e.event_date, e.event_type, e.fatalities, e.geom::geometry(Point, 4326) AS geom
FROM conflict.alerts a JOIN conflict.alert_rules r ON r.id = a.rule_id
JOIN conflict.sites t ON t.id = a.site_id JOIN conflict.events e ON e.id = a.event_id;

-- Roles: the owner is the role that runs migrations; a writer for ingest; a read-only reader for QGIS and the server.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'conflict_writer') THEN
        CREATE ROLE conflict_writer LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'conflict_reader') THEN
        CREATE ROLE conflict_reader LOGIN;
    END IF;
END
$$;
COMMENT ON ROLE conflict_reader IS 'conflict-gis read-only role (QGIS, HTTP server)';
COMMENT ON ROLE conflict_writer IS 'conflict-gis ingest role: reads and writes rows, cannot change the schema';

GRANT USAGE ON SCHEMA conflict, layers TO conflict_reader, conflict_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA conflict, layers TO conflict_reader, conflict_writer;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA conflict TO conflict_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA conflict TO conflict_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA conflict GRANT SELECT ON TABLES TO conflict_reader, conflict_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA layers GRANT SELECT ON TABLES TO conflict_reader, conflict_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA conflict GRANT INSERT, UPDATE, DELETE ON TABLES TO conflict_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA conflict GRANT USAGE ON SEQUENCES TO conflict_writer;
