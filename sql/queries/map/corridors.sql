-- Corridors valid on the map date: the axis and its area (buffered geodesically by width_m / 2).
SELECT c.corridor_key, c.name, c.kind, c.valid_from, ST_AsBinary(c.geom),
       ST_AsBinary(ST_Buffer(c.geom::geography, c.width_m / 2.0)::geometry), c.width_m, s.name
FROM conflict.corridors c JOIN conflict.sources s ON s.id = c.source_id
WHERE daterange(c.valid_from, c.valid_to, '[)') @> %(as_of)s::date
ORDER BY c.valid_from, c.corridor_key
