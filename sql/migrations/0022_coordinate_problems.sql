-- The coordinate checks the ACLED and UCDP normalisations share (sql/queries/ingest/*_normalise.sql), written
-- once: range, (0, 0), and "latitude and longitude look swapped" (outside the country's box, inside it with the
-- two exchanged, and inside the country's outline when one is loaded). Returns one problem per failed check
-- ('field<US>value<US>expected', as the normalisations' other checks) and NULL for each passed one, in that
-- order; the caller's array_remove drops the NULLs. lat_shown / lon_shown: the values as shipped, trimmed, for
-- the messages. Plain SQL, neither STRICT nor a CASE at the top: the planner inlines it into the normalisation.
CREATE FUNCTION conflict.coordinate_problems(
    lat double precision, lon double precision, lat_shown text, lon_shown text, country text,
    box_name text, lon_min double precision, lat_min double precision, lon_max double precision, lat_max double precision,
    outline geometry)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ARRAY[
        CASE WHEN lat IS NULL THEN concat_ws(E'\x1f', 'latitude', coalesce(lat_shown, ''), 'a latitude in decimal degrees')
             WHEN lat NOT BETWEEN -90 AND 90 THEN concat_ws(E'\x1f', 'latitude', lat_shown, 'a latitude between -90 and 90') END,
        CASE WHEN lon IS NULL THEN concat_ws(E'\x1f', 'longitude', coalesce(lon_shown, ''), 'a longitude in decimal degrees')
             WHEN lon NOT BETWEEN -180 AND 180 THEN concat_ws(E'\x1f', 'longitude', lon_shown, 'a longitude between -180 and 180') END,
        CASE WHEN lat = 0 AND lon = 0
             THEN concat_ws(E'\x1f', 'latitude/longitude', '0, 0', 'a real location ((0, 0) is a missing-coordinates placeholder)') END,
        CASE WHEN box_name IS NOT NULL AND lat BETWEEN -90 AND 90 AND lon BETWEEN -90 AND 90
              AND NOT (lon BETWEEN lon_min AND lon_max AND lat BETWEEN lat_min AND lat_max)
              AND (lat BETWEEN lon_min AND lon_max AND lon BETWEEN lat_min AND lat_max)
              AND (outline IS NULL OR ST_Intersects(outline, ST_SetSRID(ST_MakePoint(lat, lon), 4326)))
             THEN concat_ws(E'\x1f', 'latitude/longitude', lat_shown || ', ' || lon_shown,
                  'a point in ' || country || ': latitude and longitude look swapped (the point is outside ' || country ||
                  ', and inside it with the two exchanged)') END
    ]
$$;
COMMENT ON FUNCTION conflict.coordinate_problems(double precision, double precision, text, text, text, text, double precision,
    double precision, double precision, double precision, geometry) IS
    'Coordinate checks shared by the importers'' normalisations: range, (0, 0), swapped latitude/longitude';
