-- One control-zone period, keyed by (zone_key, valid_from); geom is a geometry (EWKB) built by the caller.
INSERT INTO conflict.control_zones (zone_key, name, kind, status, restrictions, valid_from, valid_to, geom, source_id, confidence, notes)
VALUES (%(zone_key)s, %(name)s, %(kind)s, %(status)s, %(restrictions)s, %(valid_from)s, %(valid_to)s,
        %(geom)s::geometry, %(source_id)s, %(confidence)s, %(notes)s)
ON CONFLICT (zone_key, valid_from) DO UPDATE SET
    name = EXCLUDED.name, kind = EXCLUDED.kind, status = EXCLUDED.status, restrictions = EXCLUDED.restrictions,
    valid_to = EXCLUDED.valid_to, geom = EXCLUDED.geom, source_id = EXCLUDED.source_id,
    confidence = EXCLUDED.confidence, notes = EXCLUDED.notes
RETURNING id, (xmax = 0) AS inserted
