-- Places whose name or alternative name matches %(name)s after normalisation (accents, case, punctuation).
-- The most populous first: "Kati" the town before a hamlet of the same name.
SELECT DISTINCT ON (p.population, p.id) p.id, p.name, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.population
FROM conflict.place_names n
JOIN conflict.places p ON p.id = n.place_id
WHERE n.name_norm = conflict.norm_name(%(name)s)
ORDER BY p.population DESC NULLS LAST, p.id
