-- The source row of a publisher or file, created on first use.
WITH ins AS (
    INSERT INTO conflict.sources (name, kind, file_name, citation, url, licence)
    VALUES (%(name)s::text, %(kind)s::text, %(file_name)s::text, %(citation)s::text, %(url)s::text, %(licence)s::text)
    ON CONFLICT (name) DO NOTHING
    RETURNING id
)
SELECT id FROM ins UNION ALL SELECT id FROM conflict.sources WHERE name = %(name)s LIMIT 1;
