-- Country (level 0) and regions (level 1) to draw, with a label point inside each polygon.
SELECT a.level, a.name, ST_AsBinary(a.geom), ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom)), s.name
FROM conflict.admin_areas a JOIN conflict.sources s ON s.id = a.source_id
WHERE a.level IN (0, 1)
ORDER BY a.level, a.name
