-- The first staged feature whose geometry PostGIS finds invalid, with the reason.
SELECT feature, ST_IsValidReason(ST_GeomFromWKB(wkb, 4326))
FROM roads_staging
WHERE NOT ST_IsValid(ST_GeomFromWKB(wkb, 4326)) OR GeometryType(ST_GeomFromWKB(wkb, 4326)) <> 'LINESTRING'
ORDER BY feature
LIMIT 1
