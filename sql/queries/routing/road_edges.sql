-- Every road of the network as an edge: its id, whether it is schematic, and its vertices (lon/lat).
-- Edges join where they share an exact endpoint coordinate (the seed's towns); length is geodesic.
SELECT id, schematic, coalesce(name, ref, '') AS name, ST_AsBinary(geom) AS wkb,
       ST_Length(geom::geography) AS length_m
FROM conflict.roads
