-- 0031: alerts, the batch path (gis_core.analysis.alerts.match, `conflict-gis alerts check`).
-- The live path (trigger + conflict.match_alerts, 0030) is unchanged. The batch path asks SQL only for candidate
-- (rule, site, event) triples found by box, and Python computes distance and bearing of point sites together,
-- one geodesic inverse problem per candidate (pyproj Geod.inv on the WGS 84 ellipsoid), then the message.
-- Design and measurements: docs/risk-model.md, "Alerts: why it is fast".

-- Search envelopes ---------------------------------------------------------------------------------------------

-- The lon/lat box (EPSG:4326) holding every point within radius_m metres (geodesic, WGS 84) of (lon, lat): a
-- pre-filter for an index, never a distance. Bounds: a geodesic of length r moves at most r / M_min in latitude
-- (M_min = 110574.27 m per degree, the meridian degree at the equator) and at most r / (a cos(phi_max)) in
-- longitude (a = 6378137 m, 111319.49 m per degree; phi_max = the highest |latitude| it can reach). Both are
-- widened by 0.1 % and 1e-6 degree against rounding. Near a pole (phi_max >= 89.99) the box spans every longitude.
-- A box that crosses the antimeridian is cut there and misses the part across: callers send those points
-- (conflict.search_crosses_antimeridian) to the geography path instead. Plain expressions, so the planner inlines
-- them into the index condition. Tested against pyproj (points on the geodesic circle, up to 89.9 degrees).
CREATE FUNCTION conflict.search_dlat(radius_m double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT radius_m * 1.001 / 110574.0 + 1e-6
$$;

CREATE FUNCTION conflict.search_dlon(lat double precision, radius_m double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN abs(lat) + conflict.search_dlat(radius_m) >= 89.99 THEN 360.0
                ELSE radius_m * 1.001 / (111319.49 * cos(radians(abs(lat) + conflict.search_dlat(radius_m)))) + 1e-6 END
$$;

CREATE FUNCTION conflict.search_envelope(lon double precision, lat double precision, radius_m double precision)
RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_MakeEnvelope(greatest(lon - conflict.search_dlon(lat, radius_m), -180.0), lat - conflict.search_dlat(radius_m),
                           least(lon + conflict.search_dlon(lat, radius_m), 180.0), lat + conflict.search_dlat(radius_m), 4326)
$$;
COMMENT ON FUNCTION conflict.search_envelope(double precision, double precision, double precision) IS
    'Lon/lat box holding every point within radius_m metres (geodesic) of (lon, lat), an index pre-filter; cut at the antimeridian';

CREATE FUNCTION conflict.search_crosses_antimeridian(lon double precision, lat double precision, radius_m double precision)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT conflict.search_dlon(lat, radius_m) < 180.0 AND abs(lon) + conflict.search_dlon(lat, radius_m) > 180.0
$$;
COMMENT ON FUNCTION conflict.search_crosses_antimeridian(double precision, double precision, double precision) IS
    'Whether conflict.search_envelope(lon, lat, radius_m) was cut at the antimeridian (then it misses points across it)';

-- Site indexes for the candidate search ------------------------------------------------------------------------

-- Point sites (the common case) get an SP-GiST index: probing it with one event's box costs ~4 µs against
-- ~12 µs for the GiST index on every site (10,000 sites, 1,000 probes finding 8,668 sites: 11-13 ms against
-- 16-19 ms; with empty boxes, 7-8 ms against 11-17 ms). It indexes the expression geom::geometry(Point, 4326),
-- which the batch query uses too: the planner can then only use this index for it, whatever it thinks of the
-- two indexes' sizes (with geom itself, it chose sites_geom_gix at 3,000 sites).
-- Routes and areas get their own small GiST index, so that looking for them costs next to nothing when there
-- are few or none. sites_geom_gix (0001) stays: it serves every other spatial query on sites.
CREATE INDEX sites_point_spgist ON conflict.sites USING spgist ((geom::geometry(Point, 4326)))
    WHERE GeometryType(geom) = 'POINT';
CREATE INDEX sites_shape_gix ON conflict.sites USING gist (geom) WHERE GeometryType(geom) <> 'POINT';
-- How many sites are points: without it the planner takes 99.5 % of the sites for routes or areas and reads the
-- whole table to learn that there are none; with it, one look at the (empty) sites_shape_gix.
CREATE STATISTICS conflict.sites_geometry_type ON (GeometryType(geom)) FROM conflict.sites;

-- The message in two parts -------------------------------------------------------------------------------------

-- "12 km NE of Bamako-Sénou airport" (or "at Bamako-Sénou airport" within 1 m). gis_core.analysis.alerts builds
-- the same text in Python for the batch path (tested against this function, rounding and sector edges included).
CREATE FUNCTION conflict.alert_place_text(distance_m double precision, bearing_deg double precision, site text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN distance_m < 1 OR bearing_deg IS NULL THEN 'at ' || site
                ELSE conflict.distance_text(distance_m) || ' ' || conflict.compass_point(bearing_deg) || ' of ' || site END
$$;

-- "Battles (Armed clash) at Kati on 2026-04-25, 14 fatalities (JNIM vs FAMa)": the event's part, computed once
-- per event by the batch path.
CREATE FUNCTION conflict.alert_event_text(event_type text, sub_event_type text, location text, event_date date,
                                          fatalities integer, actor1 text, actor2 text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT event_type || ' (' || sub_event_type || ')'
        || coalesce(' at ' || nullif(location, ''), '')
        || ' on ' || to_char(event_date, 'YYYY-MM-DD')
        || ', ' || fatalities || CASE WHEN fatalities = 1 THEN ' fatality' ELSE ' fatalities' END
        || coalesce(' (' || nullif(actor1, '') || coalesce(' vs ' || nullif(actor2, ''), '') || ')', '')
$$;

-- Same signature and same text as in 0030, now the two parts joined (one definition of each part). Still plain
-- expressions, neither STRICT nor more immutable than their bodies, so that the planner inlines all three.
CREATE OR REPLACE FUNCTION conflict.alert_message(distance_m double precision, bearing_deg double precision, site text,
                                                  event_type text, sub_event_type text, location text, event_date date,
                                                  fatalities integer, actor1 text, actor2 text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT conflict.alert_place_text(distance_m, bearing_deg, site) || ': '
        || conflict.alert_event_text(event_type, sub_event_type, location, event_date, fatalities, actor1, actor2)
$$;
