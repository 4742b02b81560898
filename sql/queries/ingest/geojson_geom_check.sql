-- Is this GeoJSON geometry valid? Returns (valid, reason).
SELECT ST_IsValid(g), ST_IsValidReason(g) FROM (SELECT ST_GeomFromGeoJSON(%(geometry)s) AS g) x;
