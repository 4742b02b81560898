-- One schematic road edge (a straight LineString between two gazetteer towns), keyed by tags.edge_key.
INSERT INTO conflict.roads (osm_id, name, ref, highway, surface, schematic, geom, source_id, tags)
VALUES (NULL, %(name)s, %(ref)s, %(highway)s, NULL, true,
        ST_SetSRID(ST_GeomFromGeoJSON(%(geojson)s), 4326), %(source_id)s, %(tags)s)
ON CONFLICT (source_id, (tags ->> 'edge_key')) WHERE tags ? 'edge_key' DO UPDATE SET
    name = EXCLUDED.name, ref = EXCLUDED.ref, highway = EXCLUDED.highway, schematic = true,
    geom = EXCLUDED.geom, tags = EXCLUDED.tags
RETURNING id, (xmax = 0) AS inserted
