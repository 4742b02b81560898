-- The provenance row of sites and rules typed in through the CLI.
WITH ins AS (
    INSERT INTO conflict.sources (name, kind, notes)
    VALUES ('conflict-gis CLI (manual entry)', 'manual', 'sites and alert rules entered with conflict-gis alerts')
    ON CONFLICT (name) DO NOTHING RETURNING id
)
SELECT id FROM ins UNION ALL SELECT id FROM conflict.sources WHERE name = 'conflict-gis CLI (manual entry)'
LIMIT 1
