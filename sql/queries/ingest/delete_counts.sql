SELECT count(*) FILTER (WHERE action = 'delete'), count(*) FILTER (WHERE action = 'unchanged') FROM ingest_plan;
