-- A gazetteer place, keyed by (source, name); lon/lat in degrees (EPSG:4326).
INSERT INTO conflict.places (name, geonameid, kind, population, geom, source_id, notes)
VALUES (%(name)s, %(geonameid)s, 'populated place', %(population)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(source_id)s, %(notes)s)
ON CONFLICT (source_id, name) DO UPDATE SET
    geonameid = EXCLUDED.geonameid, population = EXCLUDED.population, geom = EXCLUDED.geom, notes = EXCLUDED.notes
RETURNING id, (xmax = 0) AS inserted
