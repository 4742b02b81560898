-- ACLED's deleted-events list (event_id_cnty, deleted_timestamp) staged as text → ingest_norm with problems.
CREATE TEMP TABLE ingest_norm ON COMMIT DROP AS
SELECT p.row_no, p.source_event_id, p.source_timestamp,
       NULLIF(array_remove(ARRAY[
           CASE WHEN p.source_event_id IS NULL THEN concat_ws(E'\x1f', 'event_id_cnty', '', 'an ACLED event id (e.g. MLI12345)') END,
           CASE WHEN p.source_timestamp IS NULL THEN concat_ws(E'\x1f', 'deleted_timestamp', coalesce(p.r_ts, ''), 'a Unix timestamp (whole seconds)') END
       ], NULL), '{}') AS problems
FROM (SELECT s.row_no, NULLIF(btrim(s.event_id_cnty), '') AS source_event_id,
             conflict.ingest_int(s.deleted_timestamp) AS source_timestamp, s.deleted_timestamp AS r_ts
      FROM ingest_stg s OFFSET 0) AS p;
