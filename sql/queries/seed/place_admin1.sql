-- Each place's region (admin level 1) by point in polygon; places just outside the generalised
-- boundaries (border towns) take the nearest region within 20 km, measured geodesically.
UPDATE conflict.places p
SET admin1 = (
    SELECT a.name FROM conflict.admin_areas a
    WHERE a.level = 1 AND ST_DWithin(a.geom::geography, p.geom::geography, 20000)
    ORDER BY ST_Distance(a.geom::geography, p.geom::geography), a.name
    LIMIT 1)
WHERE p.source_id = ANY(%(source_ids)s)
