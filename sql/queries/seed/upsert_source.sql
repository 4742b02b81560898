-- A provenance row of the curated seed, keyed by its unique name.
INSERT INTO conflict.sources (name, kind, file_name, citation, url, licence, published, notes)
VALUES (%(name)s, %(kind)s, %(file_name)s, %(citation)s, %(url)s, %(licence)s, %(published)s, %(notes)s)
ON CONFLICT (name) DO UPDATE SET
    kind = EXCLUDED.kind, file_name = EXCLUDED.file_name, citation = EXCLUDED.citation, url = EXCLUDED.url,
    licence = EXCLUDED.licence, published = EXCLUDED.published, notes = EXCLUDED.notes
RETURNING id, (xmax = 0) AS inserted
