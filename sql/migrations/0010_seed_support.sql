-- 0010: natural keys that make `conflict-gis load seed` and `import roads` idempotent upserts
-- (re-loading updates rows in place instead of duplicating them; ids stay stable).

-- One place name per source: the GeoNames rows also have geonameid; curated additions have none.
CREATE UNIQUE INDEX places_source_name_uniq ON conflict.places (source_id, name);

-- A control zone period and a corridor period are identified by their key and start day.
CREATE UNIQUE INDEX control_zones_key_from_uniq ON conflict.control_zones (zone_key, valid_from);
CREATE UNIQUE INDEX corridors_key_from_uniq ON conflict.corridors (corridor_key, valid_from);

-- Roads without an OSM id (the schematic network) are identified by an edge key in tags.
CREATE UNIQUE INDEX roads_source_edge_key_uniq ON conflict.roads (source_id, (tags ->> 'edge_key'))
    WHERE tags ? 'edge_key';

COMMENT ON INDEX conflict.roads_source_edge_key_uniq IS 'Schematic road edges: tags.edge_key (axis:from>to) is unique per source';
