-- A site to protect, keyed by its unique name; a point in lon/lat degrees.
INSERT INTO conflict.sites (name, kind, status, geom, source_id, notes)
VALUES (%(name)s, %(kind)s, %(status)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(source_id)s, %(notes)s)
ON CONFLICT (name) DO UPDATE SET
    kind = EXCLUDED.kind, status = EXCLUDED.status, geom = EXCLUDED.geom, source_id = EXCLUDED.source_id, notes = EXCLUDED.notes
RETURNING id, (xmax = 0) AS inserted
