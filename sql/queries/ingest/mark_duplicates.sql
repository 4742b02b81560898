-- The same event id twice in one file: the later rows are refused (which version would win is not knowable).
UPDATE ingest_norm n
SET problems = coalesce(n.problems, '{}') || concat_ws(E'\x1f', %(id_field)s::text, n.source_event_id,
                   'each event id once per file (first seen at ' || %(row_label)s::text || ' ' || d.first_row || ')')
FROM (SELECT source_event_id, min(row_no) AS first_row FROM ingest_norm
      WHERE source_event_id IS NOT NULL GROUP BY source_event_id HAVING count(*) > 1) AS d
WHERE n.source_event_id = d.source_event_id AND n.row_no > d.first_row;
