-- Roads of this source that the new version of the file no longer has.
DELETE FROM conflict.roads r
WHERE r.source_id = %(source_id)s AND r.osm_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM roads_staging s WHERE s.osm_id = r.osm_id AND s.part = r.part)
