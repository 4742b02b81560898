-- Upsert the staged roads of one source; unchanged rows are not rewritten. Returns (inserted, updated).
WITH up AS (
    INSERT INTO conflict.roads (osm_id, part, name, ref, highway, surface, schematic, geom, source_id, tags)
    SELECT osm_id, part, name, ref, highway, surface, false, ST_GeomFromWKB(wkb, 4326), %(source_id)s, tags
    FROM roads_staging
    ON CONFLICT (source_id, osm_id, part) WHERE osm_id IS NOT NULL DO UPDATE SET
        name = EXCLUDED.name, ref = EXCLUDED.ref, highway = EXCLUDED.highway, surface = EXCLUDED.surface,
        geom = EXCLUDED.geom, tags = EXCLUDED.tags
    WHERE (roads.name, roads.ref, roads.highway, roads.surface, roads.tags) IS DISTINCT FROM
          (EXCLUDED.name, EXCLUDED.ref, EXCLUDED.highway, EXCLUDED.surface, EXCLUDED.tags)
       OR NOT ST_Equals(roads.geom, EXCLUDED.geom) OR ST_NPoints(roads.geom) <> ST_NPoints(EXCLUDED.geom)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
