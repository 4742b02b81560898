-- An actor, keyed by its unique name.
INSERT INTO conflict.actors (name, short_name, kind, inter_code, description, source_id)
VALUES (%(name)s, %(short_name)s, %(kind)s, %(inter_code)s, %(description)s, %(source_id)s)
ON CONFLICT (name) DO UPDATE SET
    short_name = EXCLUDED.short_name, kind = EXCLUDED.kind, inter_code = EXCLUDED.inter_code,
    description = EXCLUDED.description, source_id = EXCLUDED.source_id
RETURNING id, (xmax = 0) AS inserted
