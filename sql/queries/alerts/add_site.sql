INSERT INTO conflict.sites (name, kind, geom, source_id, notes)
VALUES (%(name)s, %(kind)s, ST_SetSRID(ST_GeomFromWKB(%(wkb)s), 4326), %(source_id)s, %(notes)s)
ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, geom = EXCLUDED.geom, notes = EXCLUDED.notes
RETURNING id
