-- The first refused rows, in file order, for the error message.
SELECT row_no, problems FROM ingest_norm WHERE problems IS NOT NULL ORDER BY row_no LIMIT %(limit)s;
