-- One corridor period, keyed by (corridor_key, valid_from); geometry from GeoJSON (EPSG:4326).
INSERT INTO conflict.corridors (corridor_key, name, road_ref, kind, imposed_by, restrictions, width_m, valid_from, valid_to, geom, source_id, confidence, notes)
VALUES (%(corridor_key)s, %(name)s, %(road_ref)s, %(kind)s, %(imposed_by)s, %(restrictions)s, %(width_m)s,
        %(valid_from)s, %(valid_to)s, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%(geojson)s), 4326)), %(source_id)s,
        %(confidence)s, %(notes)s)
ON CONFLICT (corridor_key, valid_from) DO UPDATE SET
    name = EXCLUDED.name, road_ref = EXCLUDED.road_ref, kind = EXCLUDED.kind, imposed_by = EXCLUDED.imposed_by,
    restrictions = EXCLUDED.restrictions, width_m = EXCLUDED.width_m, valid_to = EXCLUDED.valid_to, geom = EXCLUDED.geom,
    source_id = EXCLUDED.source_id, confidence = EXCLUDED.confidence, notes = EXCLUDED.notes
RETURNING id, (xmax = 0) AS inserted
