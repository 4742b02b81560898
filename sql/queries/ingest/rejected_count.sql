SELECT count(*) FROM ingest_norm WHERE problems IS NOT NULL;
