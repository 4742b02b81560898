-- One ingest_runs row for a roads import.
INSERT INTO conflict.ingest_runs (source_id, format, file_name, file_sha256, finished_at, status, inserted, updated, unchanged, deleted, options)
VALUES (%(source_id)s, 'roads', %(file_name)s, %(sha256)s, now(), 'ok', %(inserted)s, %(updated)s, %(unchanged)s, %(deleted)s, %(options)s)
