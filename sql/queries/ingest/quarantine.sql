-- Keep refused rows with their reasons and the row as shipped.
INSERT INTO conflict.ingest_quarantine (ingest_run_id, file_name, row_no, problems, raw)
SELECT %(run_id)s, %(file_name)s, n.row_no,
       (SELECT jsonb_agg(jsonb_build_object('field', split_part(p, E'\x1f', 1), 'value', split_part(p, E'\x1f', 2),
                                            'expected', split_part(p, E'\x1f', 3)))
        FROM unnest(n.problems) AS p),
       jsonb_strip_nulls(to_jsonb(s) - 'row_no' - 'ingest_raw_hash')
FROM ingest_norm n JOIN ingest_stg s ON s.row_no = n.row_no
WHERE n.problems IS NOT NULL;
