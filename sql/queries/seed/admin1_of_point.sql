-- The region (admin level 1) holding a point, or the nearest within 20 km (geodesic).
SELECT a.name FROM conflict.admin_areas a
WHERE a.level = 1
  AND ST_DWithin(a.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, 20000)
ORDER BY ST_Distance(a.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography), a.name
LIMIT 1
