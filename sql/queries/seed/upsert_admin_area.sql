-- An administrative area from a GeoJSON geometry (EPSG:4326), made valid and stored as MultiPolygon.
INSERT INTO conflict.admin_areas (level, name, pcode, parent_id, geom, source_id)
VALUES (%(level)s, %(name)s, %(pcode)s, %(parent_id)s,
        ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(%(geojson)s), 4326)), 3)),
        %(source_id)s)
ON CONFLICT (level, name) DO UPDATE SET
    pcode = EXCLUDED.pcode, parent_id = EXCLUDED.parent_id, geom = EXCLUDED.geom, source_id = EXCLUDED.source_id
RETURNING id, (xmax = 0) AS inserted
