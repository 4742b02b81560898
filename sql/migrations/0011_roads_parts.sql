-- 0011: an OSM way exported as a MultiLineString is stored as one LineString row per part.
-- (source_id, osm_id) can then repeat, so the unique key becomes (source_id, osm_id, part).
ALTER TABLE conflict.roads ADD COLUMN part smallint NOT NULL DEFAULT 0 CHECK (part >= 0);
COMMENT ON COLUMN conflict.roads.part IS 'Index of the LineString within the source feature (0 for a LineString; 0..n-1 for the parts of an exploded MultiLineString)';
DROP INDEX conflict.roads_osm_uniq;
CREATE UNIQUE INDEX roads_osm_part_uniq ON conflict.roads (source_id, osm_id, part) WHERE osm_id IS NOT NULL;
