-- Point sites to mark (airport, government, military ...).
SELECT t.name, t.kind, ST_X(t.geom), ST_Y(t.geom)
FROM conflict.sites t WHERE GeometryType(t.geom) = 'POINT'
ORDER BY t.kind, t.name
