-- The point of the place with exactly this name (the most populous when several share it).
SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM conflict.places WHERE name = %(name)s
ORDER BY population DESC NULLS LAST, id
LIMIT 1
