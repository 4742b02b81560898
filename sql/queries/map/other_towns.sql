-- Reference towns: the most populous places, for orientation labels.
SELECT p.name, ST_X(p.geom), ST_Y(p.geom)
FROM conflict.places p
WHERE p.name = ANY(%(names)s)
ORDER BY p.population DESC NULLS LAST
