INSERT INTO conflict.ingest_runs (source_id, format, file_name, file_sha256, status, options)
VALUES (%(source_id)s, %(format)s, %(file_name)s, %(file_sha256)s, 'running', %(options)s)
RETURNING id;
