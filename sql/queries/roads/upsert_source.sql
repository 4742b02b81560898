-- The provenance row of one roads file, keyed by its name.
INSERT INTO conflict.sources (name, kind, file_name, licence, notes)
VALUES (%(name)s, 'roads', %(file_name)s, %(licence)s, %(notes)s)
ON CONFLICT (name) DO UPDATE SET file_name = EXCLUDED.file_name, licence = EXCLUDED.licence, notes = EXCLUDED.notes
RETURNING id
