-- A run that wrote nothing (refused, or --dry-run) is still recorded, in its own transaction.
INSERT INTO conflict.ingest_runs (source_id, format, file_name, file_sha256, status, finished_at,
                                  inserted, updated, unchanged, deleted, rejected, options, message)
VALUES (%(source_id)s, %(format)s, %(file_name)s, %(file_sha256)s, %(status)s, clock_timestamp(),
        %(inserted)s, %(updated)s, %(unchanged)s, %(deleted)s, %(rejected)s, %(options)s, %(message)s)
RETURNING id;
