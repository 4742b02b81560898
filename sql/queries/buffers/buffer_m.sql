-- A EPSG:4326 geometry (WKB) buffered by %(radius_m)s metres on the server (conflict.buffer_m, migration 0030).
SELECT ST_AsBinary(conflict.buffer_m(ST_SetSRID(ST_GeomFromWKB(%(wkb)s), 4326), %(radius_m)s))
