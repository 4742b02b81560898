-- One site, keyed by its name; returns (id, action).
WITH old AS (
    SELECT id, (kind, status, notes, source_id) IS NOT DISTINCT FROM (%(kind)s::text, %(status)s::text, %(notes)s::text, %(source_id)s::bigint)
           AND ST_Equals(geom, ST_GeomFromGeoJSON(%(geometry)s)) AS same
    FROM conflict.sites WHERE name = %(name)s
), upd AS (
    UPDATE conflict.sites s SET kind = %(kind)s, status = %(status)s, notes = %(notes)s, source_id = %(source_id)s,
           geom = ST_SetSRID(ST_GeomFromGeoJSON(%(geometry)s), 4326)
    FROM old WHERE s.id = old.id AND NOT old.same RETURNING s.id
), ins AS (
    INSERT INTO conflict.sites (name, kind, status, geom, source_id, notes)
    SELECT %(name)s, %(kind)s, %(status)s, ST_SetSRID(ST_GeomFromGeoJSON(%(geometry)s), 4326), %(source_id)s, %(notes)s
    WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING id
)
SELECT id, 'insert' FROM ins UNION ALL SELECT id, 'update' FROM upd
UNION ALL SELECT id, 'unchanged' FROM old WHERE same;
