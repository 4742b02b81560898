-- An actor by any of its names (normalised alias), created with its name as alias when unknown.
WITH found AS (SELECT actor_id AS id FROM conflict.actor_aliases WHERE alias_norm = conflict.norm_name(%(name)s::text)),
ins AS (
    INSERT INTO conflict.actors (name) SELECT %(name)s WHERE NOT EXISTS (SELECT 1 FROM found)
    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id
), alias AS (
    INSERT INTO conflict.actor_aliases (alias, actor_id) SELECT %(name)s, id FROM ins ON CONFLICT DO NOTHING
)
SELECT id FROM found UNION ALL SELECT id FROM ins LIMIT 1;
