-- One control-zone period, keyed by (zone_key, valid_from); returns (id, action).
WITH old AS (
    SELECT id, (name, kind, status, restrictions, valid_to, confidence, notes, source_id)
               IS NOT DISTINCT FROM (%(name)s::text, %(kind)s::text, %(status)s::text, %(restrictions)s::text, %(valid_to)s::date,
                                     %(confidence)s::text, %(notes)s::text, %(source_id)s::bigint)
           AND ST_Equals(geom, ST_Multi(ST_GeomFromGeoJSON(%(geometry)s))) AS same
    FROM conflict.control_zones WHERE zone_key = %(zone_key)s AND valid_from = %(valid_from)s::date
), upd AS (
    UPDATE conflict.control_zones z SET name = %(name)s, kind = %(kind)s, status = %(status)s, restrictions = %(restrictions)s,
           valid_to = %(valid_to)s::date, confidence = %(confidence)s, notes = %(notes)s, source_id = %(source_id)s,
           geom = ST_Multi(ST_GeomFromGeoJSON(%(geometry)s))
    FROM old WHERE z.id = old.id AND NOT old.same RETURNING z.id
), ins AS (
    INSERT INTO conflict.control_zones (zone_key, name, kind, status, restrictions, valid_from, valid_to, geom, source_id, confidence, notes)
    SELECT %(zone_key)s, %(name)s, %(kind)s, %(status)s, %(restrictions)s, %(valid_from)s::date, %(valid_to)s::date,
           ST_Multi(ST_GeomFromGeoJSON(%(geometry)s)), %(source_id)s, %(confidence)s, %(notes)s
    WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING id
)
SELECT id, 'insert' FROM ins UNION ALL SELECT id, 'update' FROM upd
UNION ALL SELECT id, 'unchanged' FROM old WHERE same;
