-- 0030: analysis support — metric buffers, the route-exposure index, proximity alerts (trigger + NOTIFY).
-- Formulas and parameters: docs/risk-model.md. Distances are metres; buffers are geodesically right anywhere
-- (local azimuthal equidistant projection centred on the geometry, never one UTM zone for all of Mali).

-- Buffers ----------------------------------------------------------------------------------------------------

-- The PROJ string of the azimuthal equidistant projection centred on a geometry's centroid.
-- gis_core.analysis.buffers.aeqd_for() builds the very same string, so Python and SQL buffer alike.
CREATE FUNCTION conflict.aeqd_proj(g geometry) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT format('+proj=aeqd +lat_0=%s +lon_0=%s +datum=WGS84 +units=m +no_defs', ST_Y(c), ST_X(c))
    FROM (SELECT ST_Centroid(g) AS c) x
$$;

CREATE FUNCTION conflict.buffer_m(g geometry, radius_m double precision, quad_segs integer DEFAULT 32)
RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_SetSRID(ST_Transform(ST_Buffer(ST_Transform(g, p), radius_m, 'quad_segs=' || quad_segs), p, 4326), 4326)
    FROM (SELECT conflict.aeqd_proj(g) AS p) x
$$;
COMMENT ON FUNCTION conflict.buffer_m(geometry, double precision, integer) IS
    'Buffer a EPSG:4326 geometry by radius_m metres in an azimuthal equidistant projection centred on it (result EPSG:4326)';

CREATE FUNCTION conflict.corridor_area(axis geometry, width_m double precision) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT conflict.buffer_m(axis, width_m / 2.0) $$;
COMMENT ON FUNCTION conflict.corridor_area(geometry, double precision) IS
    'The area of a corridor: its axis buffered by width_m / 2 on each side';

CREATE VIEW layers.corridor_areas AS
SELECT c.id, c.corridor_key, c.name, c.kind, c.width_m, c.valid_from, c.valid_to,
       conflict.corridor_area(c.geom, c.width_m)::geometry(MultiPolygon, 4326) AS geom
FROM conflict.corridors c;
COMMENT ON VIEW layers.corridor_areas IS 'Corridor areas (axis buffered by width_m / 2 each side), for maps';

-- Route exposure: a grid key and a covering index --------------------------------------------------------------

-- 0.05 degree cells (about 5.5 km): cell = row * 10000 + column. gis_core.analysis.exposure.CELL_DEG matches.
CREATE FUNCTION conflict.cell_of(lon double precision, lat double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (floor((lat + 90.0) / 0.05)::integer) * 10000 + floor((lon + 180.0) / 0.05)::integer
$$;

-- UCDP where_prec from the publisher's codes, NULL for other sources (or a value that is not 1..7).
-- Not STRICT and no regex: a STRICT SQL function whose body is a CASE cannot be inlined, and the generated
-- columns below then call it (and exposure_code) through the executor per row: 5.5 s per million rows
-- instead of 1.4 s (measured on an INSERT of 1 M rows; the results are identical).
CREATE FUNCTION conflict.where_prec_of(native jsonb) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN native ->> 'where_prec' IN ('1', '2', '3', '4', '5', '6', '7') THEN (native ->> 'where_prec')::smallint END
$$;

-- The route-exposure kernel's code of an event: type code * 100 + location code. Type codes 1-6 follow
-- gis_core.analysis.exposure.TYPE_CODES (0: any other type); the location code is the ACLED geo_precision (1-3),
-- or 10 + the UCDP where_prec (11-17) when native carries one. Python decodes it into the type weight and the
-- location uncertainty of gis_core.analysis.risk_model (tests/test_exposure.py checks both sides agree).
CREATE FUNCTION conflict.exposure_code(event_type text, geo_precision smallint, native jsonb) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((CASE event_type WHEN 'Battles' THEN 1 WHEN 'Explosions/Remote violence' THEN 2
                             WHEN 'Violence against civilians' THEN 3 WHEN 'Riots' THEN 4 WHEN 'Protests' THEN 5
                             WHEN 'Strategic developments' THEN 6 ELSE 0 END) * 100
            + coalesce(10 + conflict.where_prec_of(native), geo_precision))::smallint
$$;

ALTER TABLE conflict.events
    ADD COLUMN cell integer GENERATED ALWAYS AS (conflict.cell_of(longitude, latitude)) STORED,
    ADD COLUMN where_prec smallint GENERATED ALWAYS AS (conflict.where_prec_of(native)) STORED,
    ADD COLUMN exposure_code smallint GENERATED ALWAYS AS (conflict.exposure_code(event_type, geo_precision, native)) STORED;
COMMENT ON COLUMN conflict.events.cell IS 'Route-exposure grid key: 0.05 degree cell (row * 10000 + column), see docs/risk-model.md';
COMMENT ON COLUMN conflict.events.where_prec IS 'UCDP where_prec copied out of native (NULL for other sources)';
COMMENT ON COLUMN conflict.events.exposure_code IS 'Route-exposure kernel code: type code * 100 + location code (conflict.exposure_code)';

-- Covering: a route's profile reads only these indexes (index-only scans), never the table. The key is
-- (cell, event_date): the route asks for each cell by equality, so the date window is one tight range per cell.
-- The partial twin holds only the events whose location is uncertain, the only ones that can count beyond
-- the buffer (up to buffer + 25 km): the wide ring around the route reads 1 row in 5 instead of all.
CREATE INDEX events_cell_date_idx ON conflict.events (cell, event_date)
    INCLUDE (id, longitude, latitude, fatalities, exposure_code);
CREATE INDEX events_cell_date_uncertain_idx ON conflict.events (cell, event_date)
    INCLUDE (id, longitude, latitude, fatalities, exposure_code)
    WHERE geo_precision > 1 OR where_prec > 1;

-- Alerts -------------------------------------------------------------------------------------------------------

-- Sites carry their geography (exact geodesic tests, no cast per pair) with a GiST index: an alert match is one
-- index probe per event, ST_DWithin(sites.geog, event, radius_m) on the WGS 84 spheroid.
ALTER TABLE conflict.sites ADD COLUMN geog geography GENERATED ALWAYS AS (geom::geography) STORED;
COMMENT ON COLUMN conflict.sites.geog IS 'geom as geography (stored): the alert match tests distances on it, index sites_geog_idx';
CREATE INDEX sites_geog_idx ON conflict.sites USING gist (geog);

-- The message helpers below are plain-expression SQL functions, neither STRICT nor more immutable than their
-- bodies, so that the planner inlines them (a function call per alert costs ~3 µs; inlined, ~0.3 µs).

-- 16 compass points. (bearing + 11.25) / 22.5 is computed in float8; only when it lies within 1e-9 of a sector
-- edge is the exact numeric form used, so the result is the numeric one everywhere.
CREATE FUNCTION conflict.compass_point(bearing_deg double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (ARRAY['N','NNE','NE','ENE','E','ESE','SE','SSE','S','SSW','SW','WSW','W','WNW','NW','NNW'])
           [CASE WHEN abs((bearing_deg + 11.25) / 22.5 - round((bearing_deg + 11.25) / 22.5)) > 1e-9
                 THEN floor((bearing_deg + 11.25) / 22.5)::integer % 16
                 ELSE floor(((bearing_deg + 11.25)::numeric % 360) / 22.5)::integer END + 1]
$$;

-- STABLE, not IMMUTABLE: to_char() is STABLE, and a function declared more immutable than its body is not inlined.
CREATE FUNCTION conflict.distance_text(distance_m double precision) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN distance_m < 1000 THEN round(distance_m)::text || ' m'
                WHEN distance_m < 10000 THEN to_char(distance_m / 1000.0, 'FM990.0') || ' km'
                ELSE round(distance_m / 1000.0)::text || ' km' END
$$;

-- "12 km NE of Bamako-Sénou airport: Battles (Armed clash) at Kati on 2026-04-25, 14 fatalities (JNIM vs FAMa)"
CREATE FUNCTION conflict.alert_message(distance_m double precision, bearing_deg double precision, site text,
                                       event_type text, sub_event_type text, location text, event_date date,
                                       fatalities integer, actor1 text, actor2 text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN distance_m < 1 OR bearing_deg IS NULL THEN 'at ' || site
                ELSE conflict.distance_text(distance_m) || ' ' || conflict.compass_point(bearing_deg) || ' of ' || site END
        || ': ' || event_type || ' (' || sub_event_type || ')'
        || coalesce(' at ' || nullif(location, ''), '')
        || ' on ' || to_char(event_date, 'YYYY-MM-DD')
        || ', ' || fatalities || CASE WHEN fatalities = 1 THEN ' fatality' ELSE ' fatalities' END
        || coalesce(' (' || nullif(actor1, '') || coalesce(' vs ' || nullif(actor2, ''), '') || ')', '')
$$;

-- The alerts the given events raise: every active rule, every site it covers, within radius_m (geodesic).
-- Three steps, each computed once per row (MATERIALIZED keeps the planner from copying the distance and bearing
-- expressions into every place the message uses them):
--   pairs: one probe of sites_geog_idx per event and rule, ST_DWithin on the spheroid (exact);
--   m:     distance (to the nearest point of a route or polygon) and bearing only for the pairs found;
--   then the message, from plain columns.
-- jit = off: the row estimates of a generic plan make the planner JIT-compile (~25 ms) a query that runs in less.
CREATE FUNCTION conflict.match_alerts(event_ids bigint[])
RETURNS TABLE (rule_id bigint, site_id bigint, event_id bigint, distance_m double precision,
               bearing_deg double precision, message text)
LANGUAGE sql STABLE PARALLEL SAFE SET jit = off AS $$
    WITH ev AS MATERIALIZED (
        SELECT e.id, e.geom, e.geom::geography AS geog, e.fatalities, e.event_type, e.sub_event_type, e.location,
               e.event_date, e.actor1, e.actor2
        FROM conflict.events e WHERE e.id = ANY (event_ids)
    ), pairs AS MATERIALIZED (
        SELECT r.id AS rule_id, s.id AS site_id, s.name AS site_name, s.geom AS site_geom, s.geog AS site_geog, e.*
        FROM ev e
        JOIN conflict.alert_rules r
          ON r.active AND e.fatalities >= r.min_fatalities
         AND (r.event_types IS NULL OR e.event_type = ANY (r.event_types))
        JOIN conflict.sites s
          ON (r.site_id IS NULL OR s.id = r.site_id)
         AND ST_DWithin(s.geog, e.geog, r.radius_m)
    ), m AS MATERIALIZED (
        SELECT p.*, d.distance_m,
               CASE WHEN d.distance_m < 1 THEN NULL
                    -- a point site is its own closest point (ST_ClosestPoint returns it unchanged): skip the copy
                    WHEN ST_GeometryType(p.site_geom) = 'ST_Point' THEN degrees(ST_Azimuth(p.site_geog, p.geog))
                    ELSE degrees(ST_Azimuth(ST_ClosestPoint(p.site_geom, p.geom)::geography, p.geog)) END AS bearing_deg
        FROM pairs p CROSS JOIN LATERAL (SELECT ST_Distance(p.site_geog, p.geog) AS distance_m) d
    )
    SELECT m.rule_id, m.site_id, m.id, m.distance_m, m.bearing_deg,
           conflict.alert_message(m.distance_m, m.bearing_deg, m.site_name, m.event_type, m.sub_event_type,
                                  m.location, m.event_date, m.fatalities, m.actor1, m.actor2)
    FROM m
$$;
COMMENT ON FUNCTION conflict.match_alerts(bigint[]) IS
    'Alerts raised by the given events (rule, site, event, geodesic distance in metres, bearing from the site, message)';

-- One alert as the JSON line `conflict-gis alerts watch` prints (and the NOTIFY payload).
CREATE FUNCTION conflict.alert_json(alert_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'alert_id', a.id, 'rule', r.name, 'site', s.name, 'event_id', a.event_id,
        'event_date', e.event_date, 'event_type', e.event_type, 'fatalities', e.fatalities,
        'lon', e.longitude, 'lat', e.latitude,
        'distance_m', round(a.distance_m::numeric, 1), 'bearing_deg', round(a.bearing_deg::numeric, 1),
        'message', a.message, 'created_at', a.created_at)::text
    FROM conflict.alerts a
    JOIN conflict.alert_rules r ON r.id = a.rule_id
    JOIN conflict.sites s ON s.id = a.site_id
    JOIN conflict.events e ON e.id = a.event_id
    WHERE a.id = alert_id
$$;

-- Statement-level: one set-based match per INSERT/COPY/UPDATE statement, not one per row.
CREATE FUNCTION conflict.raise_alerts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM conflict.alert_rules WHERE active) THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(id) INTO ids FROM new_events;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    FOR new_id IN
        INSERT INTO conflict.alerts (rule_id, site_id, event_id, distance_m, bearing_deg, message)
        SELECT m.rule_id, m.site_id, m.event_id, m.distance_m, m.bearing_deg, m.message
        FROM conflict.match_alerts(ids) m
        ON CONFLICT (rule_id, site_id, event_id) DO NOTHING
        RETURNING id
    LOOP
        PERFORM pg_notify('conflict_alerts', conflict.alert_json(new_id));
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflict.raise_alerts() IS
    'Trigger: raise (once) and NOTIFY conflict_alerts the alerts of inserted or updated events';

CREATE TRIGGER events_raise_alerts_ins AFTER INSERT ON conflict.events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION conflict.raise_alerts();
CREATE TRIGGER events_raise_alerts_upd AFTER UPDATE ON conflict.events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION conflict.raise_alerts();

GRANT SELECT ON layers.corridor_areas TO conflict_reader, conflict_writer;
