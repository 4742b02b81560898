UPDATE conflict.ingest_runs
SET finished_at = clock_timestamp(), status = %(status)s, inserted = %(inserted)s, updated = %(updated)s,
    unchanged = %(unchanged)s, deleted = %(deleted)s, rejected = %(rejected)s, message = %(message)s::text,
    file_sha256 = coalesce(%(file_sha256)s::text, file_sha256)
WHERE id = %(run_id)s;
