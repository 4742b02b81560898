-- One ingest_runs row for a seed load.
INSERT INTO conflict.ingest_runs (source_id, format, file_name, finished_at, status, inserted, updated, deleted, options, message)
VALUES (NULL, 'seed', 'gis_core/data/seed', now(), 'ok', %(inserted)s, %(updated)s, %(deleted)s, %(options)s, %(message)s)
