SELECT count(*) FILTER (WHERE action = 'insert'), count(*) FILTER (WHERE action = 'update'),
       count(*) FILTER (WHERE action = 'unchanged')
FROM ingest_plan;
