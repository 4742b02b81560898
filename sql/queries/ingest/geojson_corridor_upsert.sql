-- One corridor period, keyed by (corridor_key, valid_from); returns (id, action).
WITH old AS (
    SELECT id, (name, road_ref, kind, imposed_by, restrictions, width_m, valid_to, confidence, notes, source_id)
               IS NOT DISTINCT FROM (%(name)s::text, %(road_ref)s::text, %(kind)s::text, %(imposed_by)s::bigint, %(restrictions)s::text,
                                     %(width_m)s::float8, %(valid_to)s::date, %(confidence)s::text, %(notes)s::text, %(source_id)s::bigint)
           AND ST_Equals(geom, ST_Multi(ST_GeomFromGeoJSON(%(geometry)s))) AS same
    FROM conflict.corridors WHERE corridor_key = %(corridor_key)s AND valid_from = %(valid_from)s::date
), upd AS (
    UPDATE conflict.corridors c SET name = %(name)s, road_ref = %(road_ref)s, kind = %(kind)s, imposed_by = %(imposed_by)s,
           restrictions = %(restrictions)s, width_m = %(width_m)s, valid_to = %(valid_to)s::date, confidence = %(confidence)s,
           notes = %(notes)s, source_id = %(source_id)s, geom = ST_Multi(ST_GeomFromGeoJSON(%(geometry)s))
    FROM old WHERE c.id = old.id AND NOT old.same RETURNING c.id
), ins AS (
    INSERT INTO conflict.corridors (corridor_key, name, road_ref, kind, imposed_by, restrictions, width_m, valid_from, valid_to,
                                    geom, source_id, confidence, notes)
    SELECT %(corridor_key)s, %(name)s, %(road_ref)s, %(kind)s, %(imposed_by)s, %(restrictions)s, %(width_m)s, %(valid_from)s::date,
           %(valid_to)s::date, ST_Multi(ST_GeomFromGeoJSON(%(geometry)s)), %(source_id)s, %(confidence)s, %(notes)s
    WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING id
)
SELECT id, 'insert' FROM ins UNION ALL SELECT id, 'update' FROM upd
UNION ALL SELECT id, 'unchanged' FROM old WHERE same;
