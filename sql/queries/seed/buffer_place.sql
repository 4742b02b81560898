-- A geodesic buffer of radius_m metres around a point, as a typed MultiPolygon (EWKB).
SELECT ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(radius_m)s, 'quad_segs=16')::geometry)::geometry(MultiPolygon, 4326)
