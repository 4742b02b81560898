-- PostgreSQL version string and the current database's size in bytes.
SELECT current_setting('server_version') AS postgres_version,
       pg_database_size(current_database()) AS size_bytes
